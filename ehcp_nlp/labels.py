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

#: The parts of a provision statement (9.69: detailed, specific, normally quantified). Each is
#: labelled and learned on its own; ``quantified`` (an amount per period) is one of them.
PROVISION_PARTS = MappingProxyType(
    {
        "what": "the support itself, named",
        "who": "the role that delivers it, or named trained staff",
        "how_often": "its frequency, or when it applies ('in all lessons')",
        "how_long": "the length of a session or the amount per period",
        "group": "group size or staffing ratio ('1:1', 'a group of up to four')",
        "when_where": "when or where it is used or applies ('in all written exams')",
        "quantified": "an amount per period ('3 x 30 minutes a week', '25 hours a week')",
    }
)

#: Kinds of provision: each is judged by the parts that apply to it (data/ANNOTATION.md).
PROVISION_KINDS = MappingProxyType(
    {
        "therapy": "Speech and language, occupational, physio, psychological and other therapy.",
        "teaching": "Interventions, programmes, tuition, teaching approaches, mentoring.",
        "staffing": "Teaching-assistant or 1:1 support, ratios, key workers, supervision.",
        "equipment": "Equipment, aids, technology, furniture.",
        "arrangement": "Adaptations, exam access arrangements, timetables, seating, transport.",
        "training": "Training and advice for staff or parents.",
        "care": "Short breaks, personal care, nursing care, respite, PAs, health checks.",
    }
)

#: The parts a provision of each kind must state to be specified. Staffing also needs an
#: amount (hours) or a ratio and when it applies, and training a time (how often, or when):
#: see KIND_EITHER.
KIND_NEEDS = MappingProxyType(
    {
        "therapy": ("what", "who", "how_often", "how_long"),
        "teaching": ("what", "who", "how_often", "how_long"),
        "care": ("what", "who", "how_often"),
        "staffing": ("who",),
        "equipment": ("what", "when_where"),
        "arrangement": ("what", "when_where"),
        "training": ("what", "who"),
    }
)
#: Kinds that need, besides KIND_NEEDS, one part of each of these groups.
KIND_EITHER = MappingProxyType(
    {
        "staffing": (("quantified", "group"), ("how_often", "when_where")),
        "training": (("how_often", "when_where"),),
    }
)

#: What a provision of an unknown kind (a model without the kind head) needs.
DEFAULT_NEEDS = ("what", "who", "how_often", "how_long")
#: What area and PfA say when their confidence is below the bar the model was calibrated to.
UNCERTAIN = "uncertain"

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
        "post16": "16 to 19: sixth form, further education, supported internships.",
        "post19": "19 to 25: adult learning, day services, supported living, adult social care.",
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

#: How a statement is written (the corpus ``register`` column; see data/ANNOTATION.md).
REGISTERS = MappingProxyType(
    {
        "prose": "ordinary full sentences",
        "outcome_bank": "outcome-bank present tense: 'Child demonstrates ...', 'YP is able to ...'",
        "infinitive": "infinitive targets: 'To ...'",
        "fragment": "noun-phrase needs and provision, diagnosis lists, bullet fragments",
        "hope": "gerund and noun-phrase aspirations, parents' hopes",
        "service_voice": "services and staff as subject; 'will work with / attend / be seen by'",
        "table": "flattened table rows: 'Outcome: ... By when: ...', 'Provision | Who | ...'",
        "long": "paragraphs of 60 words or more",
        "placeholder": "anonymised names: xxx, X, [Name], initials, CYP/YP",
        "odd_time": "unusual time frames: 'By July 16', 'by Y2', 'by his next review'",
        "informal": "lower case, typos, missing full stops, parents' forum voice",
        "adult": "adult (19-25) services and lives",
    }
)

YES_NO = ("yes", "no")

#: Each provision part in words, as findings name what is missing.
PART_WORDS = MappingProxyType({"what": "what", "who": "who", "how_often": "how often",
                               "how_long": "how long", "group": "group size or ratio",
                               "when_where": "when or where", "quantified": "amount"})
#: The provision part columns of a corpus file (``part_<name>``; ``quantified`` is its own).
PART_COLUMNS = tuple("quantified" if p == "quantified" else f"part_{p}"
                     for p in PROVISION_PARTS)

#: The columns of a labelled corpus file, in order; ``voice`` is optional.
COLUMNS = (
    "id",
    "text",
    "type",
    "smart",
    *CRITERIA,
    "specified",
    "provision_kind",
    *PART_COLUMNS,
    "area",
    "pfa",
    "stage",
    "group",
    "voice",
    "register",
)
#: Columns a labelled file may leave out (``voice``, ``register``), and the columns added in
#: corpus v2, which files labelled to the v1 schema (with ``quantified`` only) do not have.
OPTIONAL_COLUMNS = ("voice", "register")
V2_COLUMNS = ("specified", "provision_kind", *(c for c in PART_COLUMNS if c != "quantified"))
#: The columns every labelled file needs: the statement and its type. Every other label
#: column is checked where the file has it, and trains its head; without ``id`` rows are
#: named by their row, and without ``group`` each row is a group of its own.
REQUIRED_COLUMNS = ("text", "type")
#: The columns of a complete file labelled to the schema (corpus v1 or later).
SCHEMA_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS + V2_COLUMNS)
#: Columns a corpus file may carry besides the labels (``cue``: data/contrast.csv's).
EXTRA_COLUMNS = ("cue",)


def parts_needed(kind: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The parts a provision of this kind must state, and the groups it needs one part of.

    An unknown kind needs :data:`DEFAULT_NEEDS` (what, who, how often, how long).
    """
    return KIND_NEEDS.get(kind, DEFAULT_NEEDS), KIND_EITHER.get(kind, ())


def missing_parts(kind: str, parts: Mapping[str, bool]) -> list[str]:
    """The parts a provision of this kind needs and does not state, in the guide's order.

    A group of which one part would do (staffing's hours or ratio) is named by its first part.

    Parameters
    ----------
    kind
        A provision kind (:data:`PROVISION_KINDS`).
    parts
        Part name (:data:`PROVISION_PARTS`) -> stated.
    """
    needs, groups = parts_needed(kind)
    missing = [p for p in needs if not parts.get(p, False)]
    return missing + [group[0] for group in groups
                      if not any(parts.get(p, False) for p in group)]


def specified_from_parts(kind: str, parts: Mapping[str, bool]) -> bool:
    """Whether a provision of this kind states every part it needs (hedges aside)."""
    return not missing_parts(kind, parts)


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
