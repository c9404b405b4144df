"""The label sets of ehcp-nlp and what each label means: the one source of truth.

The corpus (``data/statements.csv``), the validator, the models and the reports all take
their vocabulary from here. The meanings are the short form of ``data/ANNOTATION.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

#: Statement types, in golden-thread order (Section A, B-D, E, F-H).
TYPES = MappingProxyType(
    {
        "aspiration": "What the child or young person wants, hopes or dreams of (Section A).",
        "need": "A difficulty, diagnosis, current level or barrier that calls for support "
        "(Sections B, C, D), including 'needs support to ...'.",
        "outcome": "The benefit or difference for the child: what they will do or achieve "
        "(Section E).",
        "provision": "Support, intervention, staffing, therapy, equipment or arrangement "
        "delivered to the child or the adults around them (Sections F, G, H).",
    }
)

#: The five SMART criteria of an outcome (SEND Code of Practice 9.61, 9.66).
CRITERIA = MappingProxyType(
    {
        "specific": "Says exactly what the child will do, and where or when it matters.",
        "measurable": "Has an observable criterion: a count, frequency, accuracy, level, named "
        "assessment, or a concrete task completed without help.",
        "achievable": "The size of the target is within reach: no absolutes such as 'always', "
        "'never' or '100% of the time'.",
        "realistic": "Person-centred and within the child's own influence, not written from a "
        "service's or adults' perspective.",
        "time_bound": "Says by when: a date, a term, a key stage, 'within six weeks', the next "
        "annual review.",
    }
)

#: The four parts a quantified provision statement names (9.69: specified and quantified).
PROVISION_PARTS = MappingProxyType(
    {
        "what": "the support or intervention itself",
        "who": "the role that delivers it",
        "how_often": "its frequency",
        "how_long": "the length of a session or the amount per period",
    }
)

#: Areas of need: the four of the Code (6.28-6.35) plus health and social care (Sections C, D).
AREAS = MappingProxyType(
    {
        "communication_interaction": "Speech, language and communication; social "
        "communication and interaction, including autism.",
        "cognition_learning": "Learning difficulties, specific learning difficulties, memory, "
        "literacy, numeracy, attention to learning.",
        "semh": "Social, emotional and mental health: anxiety, mood, regulation, attachment, "
        "attendance, behaviour as communication.",
        "sensory_physical": "Hearing, vision, multi-sensory impairment, sensory processing, "
        "motor skills, mobility and physical disability.",
        "health": "Medical and health needs (Section C/G): epilepsy, diabetes, feeding, "
        "continence, medication, sleep, clinical mental-health care.",
        "social_care": "Social care needs (Section D/H): family support, short breaks, personal "
        "care packages, carers, safeguarding, transition to adult social care.",
    }
)

#: Preparing-for-adulthood domains (Code 8.5, 9.61: from Year 9), and 'none'.
PFA = MappingProxyType(
    {
        "employment": "Work, careers, work experience, supported internships, study towards work.",
        "independent_living": "Travel, money, cooking, self-care, housing, choice and control.",
        "community": "Friends, relationships, leisure, clubs, being part of the community.",
        "health": "Staying healthy as an adult: managing one's own health and moving to adult "
        "health services.",
        "none": "No preparing-for-adulthood domain.",
    }
)

#: Phases of education the statement comes from.
STAGES = MappingProxyType(
    {
        "early_years": "0 to 5: nursery, pre-school, EYFS, reception.",
        "primary": "Years 1 to 6 (Key Stages 1 and 2).",
        "secondary": "Years 7 to 11 (Key Stages 3 and 4).",
        "post16": "16 to 25: sixth form, further education, internships, adult life.",
    }
)

#: Who wrote the statement (the corpus ``voice`` column).
VOICES = MappingProxyType(
    {
        "senco": "special educational needs co-ordinator",
        "teacher": "class teacher or head teacher",
        "specialist_teacher": "advisory teacher: autism, hearing, vision, physical",
        "slt": "speech and language therapist",
        "ot": "occupational therapist",
        "physio": "physiotherapist",
        "ep": "educational psychologist",
        "health": "nurse, paediatrician, dietitian or CAMHS clinician",
        "social_worker": "social worker",
        "parent": "parent or carer (Section A)",
        "child": "the child or young person, in the first person",
        "caseworker_notes": "a caseworker's quick notes and fragments",
        "la_formal": "formal local-authority wording",
        "college": "further-education or post-16 provider",
        "other": "anyone else: advocates, virtual school, Portage, job coaches",
    }
)

YES_NO = ("yes", "no")

#: The columns of a labelled corpus file, in order; ``voice`` is optional.
COLUMNS = (
    "id",
    "text",
    "type",
    "smart",
    *CRITERIA,
    "quantified",
    "area",
    "pfa",
    "stage",
    "group",
    "voice",
)
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c != "voice")


def type_role(label: str, roles: Mapping[str, str | None] | None = None) -> str | None:
    """The golden-thread role of a statement type: aspiration, need, outcome, provision or None.

    A model may be trained with its own type labels (``education_provision``,
    ``health_provision``, ``social_care_provision``). What the scorer does with a statement
    depends on its role: SMART is judged for outcomes, quantification for provision, and a
    plan's checks follow needs to outcomes to provision. ``roles`` names roles explicitly;
    otherwise a label of the schema is its own role, and another label takes the one schema
    type named among its words (``"provision - health"``, ``"Outcomes"``), or none.

    Parameters
    ----------
    label
        A type label.
    roles
        Explicit label -> role (a role of ``None`` or ``""``: no role).
    """
    if roles and label in roles:
        return roles[label] or None
    if label in TYPES:
        return label
    words = {w.removesuffix("s") for w in re.split(r"[^a-z]+", label.lower()) if w}
    named = [t for t in TYPES if t in words]
    return named[0] if len(named) == 1 else None
