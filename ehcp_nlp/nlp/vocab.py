"""Word lists the rule patterns share: time units, months, roles, number words.

Kept as data so that a reviewer can read and extend them without touching pattern logic.
"""

from __future__ import annotations

#: Numbers written as words (the patterns accept digits as well).
NUMBER_WORDS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty",
]
TIME_UNITS = [
    "day", "days", "week", "weeks", "wk", "wks", "month", "months", "term", "terms", "year",
    "years", "yr", "yrs", "fortnight", "fortnights", "half-term", "half-terms", "mths", "mth",
]
CLOCK_UNITS = [
    "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h", "second", "seconds",
]
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
]
SEASONS = ["autumn", "spring", "summer", "winter"]
EVENTS = [
    "christmas", "easter", "half-term", "halfterm", "summer", "spring", "autumn", "winter",
    "whitsun", "july", "september", "birthday", "xmas", "feb", "february", "october", "oct",
    "may", "hols", "holidays",
]
#: Words that may follow "by the end of ..." and still be part of the time frame.
PERIOD_WORDS = [
    "the", "this", "that", "next", "his", "her", "their", "my", "our", "first", "second",
    "third", "final", "last", "current", "coming", "academic", "school", "key", "stage", "ks1",
    "ks2", "ks3", "ks4", "ks5", "eyfs", "year", "years", "yr", "term", "terms", "half", "-",
    "autumn", "spring", "summer", "course", "programme", "placement", "internship", "reception",
    "nursery", "primary", "secondary", "college", "sixth", "form", "plan", "review", "day",
    "week", "month", "lesson", "session", "foundation", "phase", "y1", "y2", "y3", "y4", "y5",
    "y6", "y7", "y8", "y9", "y10", "y11", "y12", "y13", "y14", *MONTHS,
]
#: Roles that deliver provision. Multi-word roles are written as they are said.
PROVIDERS = [
    "speech and language therapist", "speech and language therapy", "speech & language therapist",
    "salt", "slt", "occupational therapist", "occupational therapy", "ot", "physiotherapist",
    "physiotherapy", "physio", "educational psychologist", "ep", "teaching assistant", "ta",
    "tas", "learning support assistant", "lsa", "lsas", "learning mentor", "mentor", "keyworker",
    "key worker", "key person", "class teacher", "teacher", "form tutor", "tutor", "senco",
    "specialist teacher", "advisory teacher", "teacher of the deaf", "tod",
    "qualified teacher of the visually impaired", "qtvi", "habilitation specialist",
    "habilitation officer", "mobility officer", "elsa", "school nurse", "nurse",
    "community nurse", "epilepsy nurse", "diabetes nurse", "paediatrician", "dietitian",
    "dietician", "camhs", "clinical psychologist", "psychologist", "counsellor", "therapist",
    "play therapist", "music therapist", "art therapist", "social worker", "family support worker",
    "personal assistant", "pa", "support worker", "carer", "carers", "job coach",
    "careers adviser", "careers advisor", "personal adviser", "transition worker",
    "youth worker", "trained staff", "trained adult", "adult", "adults", "staff member",
    "member of staff", "practitioner", "portage worker", "portage home visitor",
    "specialist practitioner", "autism outreach", "outreach team", "lecturer", "hlta",
    "higher level teaching assistant", "intervenor", "communicator", "interpreter",
    "bsl interpreter", "dyslexia specialist", "specialist tutor", "instructor",
    "swimming instructor", "continence nurse", "learning disability nurse",
]
#: Words for the one the plan is about, when no name is used.
CHILD_WORDS = [
    "he", "she", "they", "the child", "the young person", "the pupil", "the student", "cyp",
    "yp", "the learner",
]
#: Who is speaking when a statement is written from a service's side.
SERVICE_WORDS = [
    "school", "the school", "staff", "all staff", "teachers", "the team", "the setting",
    "setting", "professionals", "the local authority", "the la", "la", "we", "services",
    "the service", "college", "the college", "adults", "parents and staff", "parents",
    "the class teacher", "the senco", "health", "social care", "camhs", "the nurse",
    "the therapist", "school staff", "all adults", "home and school", "the provider",
]
