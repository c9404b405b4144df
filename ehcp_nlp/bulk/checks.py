"""Plan-level checks: the golden thread of one plan, its findings and its summary score.

Input: the plan's scored statements (rows with the columns of ``statements.csv``: ``section``,
``row_key``, ``text``, ``type``, ``p_<type>``, ``smart``, ``specified``, ``area``, ``pfa``,
``subject``...). Output: findings, links (need -> outcome -> provision) and one summary row.

Rules, in the words of the SEND Code of Practice (9.61-9.69):

- ``outcome_not_smart``: an outcome in Section E that is not SMART.
- ``provision_not_specific``: provision in Section F, G or H that is not specified: the
  parts its kind needs (data/ANNOTATION.md: what, who, how often and how long for therapy and
  teaching; what and when or where for equipment and arrangements...) are not all stated, or
  it is hedged.
- ``statement_misplaced``: a statement whose type does not fit its section, read with
  confidence: the model reads it as another type and gives the section's own type a
  probability under ``MISPLACED_BELOW`` (:func:`misplaced`; the same rule marks the statement
  in ``statements.csv``, whose single-statement ``reads_as_*`` readings it replaces). Section
  A is not checked (views, interests, personal details and descriptions there read as
  anything); Sections C and D only for outcomes, because they also describe the services
  involved.
- ``need_without_outcome``: a special educational need (Section B) that no outcome meets. A
  statement that only records a diagnosis is context and needs no outcome of its own.
- ``outcome_without_provision``: an outcome that no provision serves.
- ``no_pfa_outcomes``: the child is in Year 9 or above (or 14 or older) and no SMART outcome
  prepares for adulthood (read with a probability of at least ``PFA_CONFIDENT``). An outcome
  the plan cannot measure ("Rhys will become more independent") names the theme but gives
  nobody a way to see the child getting there, so it does not count; the message says how
  many such outcomes the plan has (each also gets its ``outcome_not_smart``).
- ``outcome_not_person_centred``: an outcome in Section E written from a service's
  perspective (what staff or a service will do, see or ensure).
- ``missing_section``: a section of A to K has no heading in the document.

Links come first from explicit references (a provision row that cites "E2, E4" serves the
outcomes whose reference is E2 and E4), then from the table rows where the layout puts need,
outcome and provision side by side (``row_key``), and otherwise from textual similarity: an
outcome meets a need when their word overlap (cosine of stemmed content words) plus half their
topic overlap (the everyday SEND topics of ``CONCEPTS`` their words name) reaches ``LINK_AT``.
Provision that cites outcomes is linked to those alone. Similarity is a heuristic, and
``links.csv`` (``link``) and ``findings.csv`` (``basis``) say so wherever it decided. (Tried
as signals and not kept: the area of need the model predicts, too coarse; topic vectors learnt
from the corpus by LSA, better on held-out corpus "pseudo-plans" but worse on the fixture
plans; see the README's bulk-analysis figures.)
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ehcp_nlp import labels
from ehcp_nlp.bulk.furniture import canonical_reference, references
from ehcp_nlp.bulk.records import SECTION_TYPES, SECTIONS

#: A statement is misplaced when the probability of its section's type is below this.
MISPLACED_BELOW = 0.05
#: How a link or a thread finding was decided (``links.csv`` ``link``, ``findings.csv``
#: ``basis``): the plan's own references and table rows, or similarity, a heuristic.
REFERENCE, TABLE_ROW, SIMILARITY = "reference", "table row", "similarity (heuristic)"
#: The basis of findings about one statement: the model's scores.
MODEL = "model"
#: Relatedness at which two statements are linked: word overlap (cosine of stemmed content
#: words) plus ``CONCEPT_WEIGHT`` times topic overlap (cosine of the ``CONCEPTS`` they name).
LINK_AT = 0.25
CONCEPT_WEIGHT = 0.5
#: Weights of the parts of a plan's score (renormalised over the parts that apply).
WEIGHTS = {"smart": 0.3, "specified": 0.25, "thread": 0.2, "placement": 0.1,
           "sections": 0.1, "pfa": 0.05}
#: Preparing for adulthood is checked from this school year, or this age.
PFA_YEAR, PFA_AGE = 9, 14
#: An outcome counts as preparing for adulthood when the model says so with at least this
#: probability: one outcome read as PfA by mistake would hide a plan that has none, so the
#: plan check asks for more than the statement's own verdict does.
PFA_CONFIDENT = 0.75

#: Everyday SEND topics, by the words that name them: two statements that share a topic are
#: related even when their words differ ("budgeting" and "coins", "toileting" and "nappy").
CONCEPTS = {
    "money": ("money coin coins cash change budget budgeting pay paying spend spending price "
              "shop shopping buy card bank benefits"),
    "food": ("cook cooking meal meals kitchen oven microwave food snack lunch breakfast "
             "dinner eat eating feeding spoon recipe"),
    "reading": ("read reading reader phonics book books decode decoding comprehension texts "
                "text"),
    "spelling": "spell spelling spellings",
    "writing": ("write writing written handwriting pencil pen scribe typing type keyboard "
                "laptop dictation voice-recognition punctuation grammar capital capitals "
                "commas sentence sentences paragraph"),
    "maths": ("maths math number numbers numeracy count counting calculate calculation sums "
              "measure ruler time fractions fraction decimals percentages tables dyscalculia "
              "multiplication division"),
    "speech": ("speech speak speaking talk talking words sentences language vocabulary say "
               "saying communicate communication conversation conversations explain retell "
               "narrative story stories"),
    "memory": ("memory remember remembering recall recap forget forgets forgetting revise "
               "revision reminder reminders"),
    "aac": "picture pictures symbol symbols pecs makaton signing aac",
    "listening": "listen listening hear hearing instructions understand understanding",
    "social": ("friend friends friendship peers peer social playground playtime lunchtime "
               "group groups play playing join turn turns share sharing"),
    "emotion": ("anxiety anxious worry worried worries calm feelings feeling emotions "
                "emotional upset mood angry anger frustrated frustration distress distressed "
                "confidence confident self-esteem low"),
    "transition": "transition transitions settle settling secondary induction visits",
    "energy": "energy tired tiredness fatigue rest resting stamina exhausted",
    "behaviour": ("behaviour behave incidents impulsive impulsivity calling out shout "
                  "shouting hit hitting leave walking"),
    "attention": ("attention focus concentrate concentration task tasks distracted listen sit "
                  "seated"),
    "organisation": ("organise organisation organising planner timetable late punctual "
                     "punctuality homework deadline deadlines remember forget forgets memory "
                     "belongings kit equipment"),
    "motor": ("balance ball catch throw coordination pe sport sports run running climb stairs "
              "walk walking physio motor wheelchair"),
    "mobility": "mobility habilitation orientation cane route routes navigate tactile wheelchair",
    "fine_motor": "cutlery buttons zip scissors dress dressing changing change clothes",
    "toileting": ("toilet toileting continence nappy wet soiled catheter hoist sling transfer "
                  "transfers changing"),
    "sensory": ("noise noisy sound sounds loud ears defenders sensory lights bright smell "
                "touch"),
    "vision": "vision see sight visual print braille cane screen magnifier board whiteboard",
    "hearing": "hearing deaf deafness aids radio aid audiology",
    "travel": "travel bus train journey route routes independently cross road transport taxi",
    "work": ("work job jobs career employment workplace internship placement apprenticeship "
             "college course volunteering"),
    "health": ("medication medicine tablets seizure seizures epilepsy diabetes insulin "
               "appointment appointments doctor gp hospital pain tired fatigue sleep"),
    "independence": ("independent independence home flat living wash washing shower laundry "
                     "clean cleaning"),
}
_CONCEPT_OF = {word[:6]: frozenset(c for c, words in CONCEPTS.items()
                                   if word[:6] in {w[:6] for w in words.split()})
               for words in CONCEPTS.values() for word in words.split()}
_WORD = re.compile(r"[a-z]{3,}")
_DIAGNOSIS = re.compile(r"\bdiagnos(?:is|ed|es)\b|\bhas (?:a|an) [a-z]+ (?:disorder|syndrome)\b",
                        re.IGNORECASE)
_NEED_WORDS = re.compile(r"\b(?:finds?|struggles?|difficult|hard|cannot|can't|unable|needs?|"
                         r"avoids?|refuses?|not yet|below|delay|low)\b", re.IGNORECASE)
_STOP = frozenset("""a about above after again all also an and any are as at be because been
before being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers herself him himself his how i if in into is
it its itself just me more most my myself no nor not now of off on once only or other our out
over own same she should so some such than that the their them then there these they this
those through to too under until up very was we were what when where which while who whom
why will with would you your year years term week weeks day days time times will able
""".split())


@dataclass(slots=True)
class PlanFacts:
    """What is known about a plan besides its statements.

    Attributes
    ----------
    plan_id, file
        The plan and where it came from.
    year_group, age
        The child's school year and age, when given or found.
    sections_found
        The sections whose heading the document has; ``None`` when the input cannot tell
        (a table without a section column), which skips ``missing_section``.
    roles
        The scorer's type -> role (:attr:`ehcp_nlp.Scorer.roles`), for a model trained with
        types of its own whose names do not say their role.
    no_content
        Sections that say they have nothing ("None."): found, and empty on purpose.
    sources
        Fact name (``year_group``, ``age``, ``stage``) -> where it was read.
    stage
        The stage of education (``early years``, ``primary``, ``secondary``, ``post-16``,
        ``post-19``), when the plan says enough.
    skipped
        Reason -> how many pieces of the plan's text were not statements.
    """

    plan_id: str
    file: str
    year_group: int | None = None
    age: int | None = None
    sections_found: Sequence[str] | None = None
    roles: Mapping[str, str | None] | None = None
    no_content: Sequence[str] = ()
    sources: Mapping[str, str] | None = None
    stage: str | None = None
    skipped: Mapping[str, int] | None = None


@dataclass(slots=True)
class PlanResult:
    """The checks' output for one plan: rows for findings.csv, links.csv and plans.csv."""

    findings: list[dict[str, Any]]
    links: list[dict[str, Any]]
    plan: dict[str, Any]


def _terms(text: str) -> frozenset[str]:
    return frozenset(w[:6] for w in set(_WORD.findall(text.lower())).difference(_STOP))


def _concepts(terms: frozenset[str]) -> frozenset[str]:
    found: set[str] = set()
    for term in terms.intersection(_CONCEPT_OF):
        found.update(_CONCEPT_OF[term])
    return frozenset(found)


def _kind(row: dict[str, Any]) -> str:
    """The role of the statement's predicted type (the type itself for the bundled model)."""
    return row.get("role") or row["type"]


def _role_columns(row: dict[str, Any], roles: Mapping[str, str | None] | None
                  ) -> dict[str, list[str]]:
    """Role -> the type-probability columns (``p_<type>``) of the types with that role."""
    out: dict[str, list[str]] = {}
    for column in row:
        if column.startswith("p_"):
            role = labels.type_role(column[2:], roles)
            if role:
                out.setdefault(role, []).append(column)
    return out


def _role(row: dict[str, Any]) -> str | None:
    """The statement's role in the golden thread, from its section and its predicted type."""
    section, kind = row.get("section") or "", _kind(row)
    expected = SECTION_TYPES.get(section)
    if expected is None:
        return kind if not section else None
    return kind if kind == expected else None


def misplaced(row: dict[str, Any], role_columns: dict[str, list[str]]) -> bool:
    """Whether a scored statement sits in a section of another type (the one rule).

    True when its section calls for a type (B, C, D: need; E: outcome; F, G, H: provision;
    not A; in C and D only an outcome is questioned), the model reads it as another type,
    and the probability of the section's type is under :data:`MISPLACED_BELOW`.
    """
    section, kind = row.get("section") or "", _kind(row)
    expected = SECTION_TYPES.get(section)
    if expected is None or kind == expected or section == "A":
        return False
    if section in ("C", "D") and kind != "outcome":
        return False
    return _p_role(row, role_columns, expected) < MISPLACED_BELOW


def mark_placement(rows: Sequence[dict[str, Any]],
                   roles: Mapping[str, str | None] | None = None) -> None:
    """Make each placed statement's ``findings`` say what the plan check says of its place.

    A statement read alone is marked ``reads_as_<type>`` when it reads like another type; in
    a plan its section decides, by :func:`misplaced`: the single-statement readings of rows
    with a section give way to ``statement_misplaced`` exactly where ``findings.csv`` has it.
    """
    if not rows:
        return
    role_columns = _role_columns(rows[0], roles)
    for row in rows:
        if not row.get("section"):
            continue
        codes = [c for c in str(row.get("findings") or "").split(";")
                 if c and not c.startswith("reads_as_")]
        if misplaced(row, role_columns):
            codes.insert(0, "statement_misplaced")
        row["findings"] = ";".join(codes)


def check_plan(rows: Sequence[dict[str, Any]], facts: PlanFacts) -> PlanResult:
    """Check one plan's scored statements; return its findings, links and summary."""
    check = PlanCheck(facts.plan_id, facts.file, facts.roles)
    findings = check.add(rows)
    result = check.finish(facts)
    result.findings[:0] = findings
    return result


#: What the thread checks keep of each need, outcome and provision until the plan ends.
_THREAD = ("statement_id", "section", "text", "location", "row_key", "ref", "cites", "smart",
           "pfa", "pfa_probability")


class PlanCheck:
    """One plan's checks, fed its statements a batch at a time (:func:`check_plan` at once).

    :meth:`add` returns the findings about each statement alone (misplaced, not SMART, not
    person-centred, not specified), so they can be written with the statements; the plan
    keeps of each need, outcome and provision only what the golden thread needs
    (``_THREAD``), and :meth:`finish` returns the thread's findings, the plan-level ones, the
    links and the plan's summary row.
    """

    def __init__(self, plan_id: str, file: str,
                 roles: Mapping[str, str | None] | None = None) -> None:
        self.plan_id, self.file, self.roles = plan_id, file, roles
        self.needs: list[dict[str, Any]] = []
        self.outcomes: list[dict[str, Any]] = []
        self.provision: list[dict[str, Any]] = []
        self.role_columns: dict[str, list[str]] | None = None
        self.kinds: Counter = Counter()
        self.statements = self.placed = self.off_place = self.found = 0
        self.smart = self.specified = 0

    def _finding(self, findings: list[dict[str, Any]], code: str, message: str,
                 row: dict[str, Any] | None = None, section: str = "",
                 basis: str = MODEL) -> None:
        findings.append({
            "plan_id": self.plan_id, "code": code,
            "section": row.get("section", "") if row is not None else section,
            "statement_id": row.get("statement_id", "") if row is not None else "",
            "statement": row.get("text", "") if row is not None else "",
            "location": row.get("location", "") if row is not None else self.file,
            "message": message, "basis": basis,
        })

    def add(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Take a batch of the plan's scored statements; return their own findings."""
        findings: list[dict[str, Any]] = []
        if not rows:
            return findings
        if self.role_columns is None:
            self.role_columns = _role_columns(rows[0], self.roles)
        outcomes, provision = [], []
        for row in rows:
            self.statements += 1
            self.kinds[_kind(row)] += 1
            if SECTION_TYPES.get(row.get("section") or ""):
                self.placed += 1
            if misplaced(row, self.role_columns):
                self.off_place += 1
                expected = SECTION_TYPES[row["section"]]
                self._finding(findings, "statement_misplaced",
                              f"Section {row['section']} holds {expected} statements, but "
                              f"this reads as {_article(row['type'])} {row['type']} "
                              f"(p({expected})="
                              f"{_p_role(row, self.role_columns, expected):.2f}); move it or "
                              "rewrite it.", row)
                continue
            role = _role(row)
            kept = {k: row.get(k) for k in _THREAD}
            if role == "need" and row.get("section", "") in ("B", ""):
                self.needs.append(kept)
            elif role == "outcome":
                outcomes.append(row)
                self.outcomes.append(kept)
            elif role == "provision":
                provision.append(row)
                self.provision.append(kept)
        for row in outcomes:
            if row.get("smart") in (True, "True"):
                self.smart += 1
            if row.get("subject") == "service":
                self._finding(findings, "outcome_not_person_centred",
                              "Written from a service's perspective: it says what adults will "
                              "do, see or ensure, not what the child will achieve.", row)
            elif row.get("smart") is False or row.get("smart") == "False":
                failing = [c for c in labels.CRITERIA if row.get(c) in (False, "False")]
                self._finding(findings, "outcome_not_smart",
                              "Not a SMART outcome" + (f": not {', not '.join(failing)}"
                                                       .replace("not time_bound",
                                                                "no time frame")
                                                       if failing else "") + ".", row)
        for row in provision:
            if row.get("specified") in (True, "True"):
                self.specified += 1
            elif row.get("specified") is False or row.get("specified") == "False":
                kind = str(row.get("provision_kind") or "")
                stated = {p: row.get("quantified" if p == "quantified" else f"provision_{p}")
                          in (True, "True") for p in labels.PROVISION_PARTS}
                missing = [labels.PART_WORDS[p] for p in labels.missing_parts(kind, stated)]
                self._finding(findings, "provision_not_specific",
                              "Provision not specified" + (f" ({kind})" if kind else "")
                              + (f": missing {', '.join(missing)}" if missing else
                                 ": vague or hedged wording") + ".", row)
        self.found += len(findings)
        return findings

    def finish(self, facts: PlanFacts) -> PlanResult:
        """The golden thread's findings, the plan-level ones, the links and the summary."""
        findings: list[dict[str, Any]] = []
        needs, outcomes, provision = self.needs, self.outcomes, self.provision

        def finding(code: str, message: str, row: dict[str, Any] | None = None,
                    section: str = "", basis: str = MODEL) -> None:
            self._finding(findings, code, message, row, section, basis)

        links, need_linked, outcome_linked, by_reference = _link(needs, outcomes, provision,
                                                                 facts.plan_id)
        for row in needs:
            if row["statement_id"] not in need_linked and not _context_only(row["text"]):
                finding("need_without_outcome",
                        "No outcome meets this need (no outcome in its table row, and none with "
                        "similar wording: a heuristic, check the plan).", row, basis=SIMILARITY)
        for row in outcomes:
            if row["statement_id"] not in outcome_linked:
                if row["statement_id"] in by_reference:
                    finding("outcome_without_provision",
                            f"No provision cites this outcome ({row.get('ref')}), and no provision "
                            "without references reads like it.", row, basis=REFERENCE)
                else:
                    finding("outcome_without_provision",
                            "No provision serves this outcome (none in its table row, and none "
                            "with similar wording: a heuristic, check the plan).", row,
                            basis=SIMILARITY)

        pfa_applies = (facts.year_group is not None and facts.year_group >= PFA_YEAR) or (
            facts.age is not None and facts.age >= PFA_AGE)
        pfa_themed = [r for r in outcomes
                      if r.get("pfa") not in ("none", "", None, labels.UNCERTAIN)
                      and float(r.get("pfa_probability") or 0.0) >= PFA_CONFIDENT]
        pfa_outcomes = [r for r in pfa_themed if r.get("smart") in (True, "True")]
        if pfa_applies and not pfa_outcomes:
            vague = {0: "", 1: " (one outcome names it but is not SMART)"}.get(
                len(pfa_themed), f" ({len(pfa_themed)} outcomes name it but are not SMART)")
            finding("no_pfa_outcomes",
                    "From Year 9 outcomes must prepare for adulthood (employment, independent "
                    f"living, community, health), and this plan has no SMART outcome that "
                    f"does{vague}.", section="E")
        missing = []
        if facts.sections_found is not None:
            missing = [s for s in SECTIONS if s not in facts.sections_found]
            for section in missing:
                finding("missing_section", f"The plan has no Section {section}.", section=section)

        parts = {
            "smart": self.smart / len(outcomes) if outcomes else 0.0,
            "specified": self.specified / len(provision) if provision else 0.0,
            "thread": _mean([len(need_linked & {r["statement_id"] for r in needs}) / len(needs)
                             if needs else math.nan,
                             len(outcome_linked) / len(outcomes) if outcomes else math.nan]),
            "placement": 1 - self.off_place / self.placed if self.placed else math.nan,
            "sections": (1 - len(missing) / len(SECTIONS)) if facts.sections_found is not None
            else math.nan,
            "pfa": (1.0 if pfa_outcomes else 0.0) if pfa_applies else math.nan,
        }
        score = _weighted(parts)
        sources = facts.sources or {}
        plan = {
            "plan_id": facts.plan_id, "file": facts.file,
            "year_group": facts.year_group,
            "year_group_from": sources.get("year_group", "not found"),
            "age": facts.age, "age_from": sources.get("age", "not found"),
            "stage": facts.stage or "", "pfa_checked": pfa_applies,
            "sections_empty": " ".join(facts.no_content),
            "skipped": sum((facts.skipped or {}).values()),
            "skipped_why": "; ".join(f"{why} {n}" for why, n in sorted((facts.skipped or {})
                                                                       .items())),
            "statements": self.statements, "aspirations": self.kinds["aspiration"],
            "needs": self.kinds["need"], "outcomes": len(outcomes), "provision": len(provision),
            "smart_rate": self.smart / len(outcomes) if outcomes else math.nan,
            "specified_rate": self.specified / len(provision) if provision else math.nan,
            "findings": self.found + len(findings), "score": score,
            **{f"part_{name}": value for name, value in parts.items()},
        }
        return PlanResult(findings, links, plan)


def _link(needs, outcomes, provision, plan_id: str):
    """Link needs to outcomes and outcomes to provision.

    Returns the links, the needs and outcomes linked, and the outcomes whose lack of
    provision the plan's references decide (no provision cites them, and every provision
    cites some outcome).
    """
    vectors = _Vectors((*needs, *outcomes, *provision))
    links: list[dict[str, Any]] = []
    need_linked: set[str] = set()
    outcome_linked: set[str] = set()
    # outcome -> provision: the references first
    own_ref = {o["statement_id"]: _canonical(o.get("ref")) for o in outcomes}
    cited = {p["statement_id"]: _cited(p) for p in provision}
    by_ref: dict[str, list[str]] = {}
    for outcome_id, ref in own_ref.items():
        if ref:
            by_ref.setdefault(ref, []).append(outcome_id)
    served: dict[str, list[tuple[str, str, float]]] = {}
    citing = [p for p in provision if cited[p["statement_id"]]]
    for item in citing:
        for ref in cited[item["statement_id"]]:
            for outcome_id in by_ref.get(ref, ()):
                served.setdefault(outcome_id, []).append((item["statement_id"], REFERENCE, 1.0))
                outcome_linked.add(outcome_id)
    uncited = [p for p in provision if not cited[p["statement_id"]]]
    unserved = [o for o in outcomes if o["statement_id"] not in outcome_linked]
    for outcome_id, matched in _matches(unserved, uncited, vectors).items():
        served.setdefault(outcome_id, []).extend(matched)
        outcome_linked.add(outcome_id)
    by_reference = {outcome_id for outcome_id, ref in own_ref.items()
                    if citing and not uncited and ref}
    # need -> outcome (-> provision): one row a need, outcome and provision, and each hop's
    # basis and similarity (similarity only where similarity decided)
    met: set[str] = set()

    def hop(how: str, similarity: float) -> tuple[str, float | None]:
        return how, (round(similarity, 3) if how == SIMILARITY else None)

    for need_id, matched in _matches(needs, outcomes, vectors).items():
        for outcome_id, how, similarity in matched:
            need_linked.add(need_id)
            met.add(outcome_id)
            for provision_id, how_p, similarity_p in served.get(outcome_id, [("", "", 0.0)]):
                links.append(_link_row(plan_id, need_id, outcome_id, provision_id,
                                       hop(how, similarity), hop(how_p, similarity_p)))
    for outcome in outcomes:  # outcomes no need links to still show their provision
        if outcome["statement_id"] in met:
            continue
        for provision_id, how, similarity in served.get(outcome["statement_id"],
                                                        [("", "", 0.0)]):
            links.append(_link_row(plan_id, "", outcome["statement_id"], provision_id,
                                   ("", None), hop(how, similarity)))
    return links, need_linked, outcome_linked, by_reference


class _Vectors:
    """A plan's statements as unit vectors of their content words and of their topics.

    The dot product of two rows is the cosine of their word sets (shared words over the square
    root of the product of their sizes), and of their ``CONCEPTS``. Compared by matrix
    products a block of rows at a time, a plan of 50,000 statements takes seconds, not hours
    (sparse matrices for a long plan, dense ones for the usual few dozen statements, where
    they are faster).
    """

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.index = {row["statement_id"]: i for i, row in enumerate(rows)}
        vocabulary: dict[str, int] = {}
        topics = {name: i for i, name in enumerate(CONCEPTS)}
        words, concepts = _Cells(), _Cells()
        for i, row in enumerate(rows):
            found = _terms(row["text"])
            words.add(i, [vocabulary.setdefault(w, len(vocabulary)) for w in found])
            concepts.add(i, [topics[c] for c in _concepts(found)])
        self.words = words.matrix(len(rows), len(vocabulary))
        self.topics = concepts.matrix(len(rows), len(topics))

    def similarity(self, sources: list[str], candidates: list[str]):
        """The relatedness of each source to each candidate (a dense block)."""
        a = [self.index[s] for s in sources]
        b = [self.index[c] for c in candidates]
        return (_array(self.words[a] @ self.words[b].T)
                + CONCEPT_WEIGHT * _array(self.topics[a] @ self.topics[b].T))


def _array(product) -> np.ndarray:
    return product if isinstance(product, np.ndarray) else product.toarray()


class _Cells:
    """The non-zero cells of a sparse matrix of unit rows, gathered a row at a time."""

    def __init__(self) -> None:
        self.rows, self.columns, self.values = array("i"), array("i"), array("d")

    def add(self, row: int, columns: list[int]) -> None:
        if columns:
            self.rows.extend([row] * len(columns))
            self.columns.extend(columns)
            self.values.extend([1 / math.sqrt(len(columns))] * len(columns))

    def matrix(self, height: int, width: int):
        """The matrix: dense for a plan of usual length (faster), sparse for a long one."""
        rows, columns = np.frombuffer(self.rows, np.int32), np.frombuffer(self.columns, np.int32)
        values = np.frombuffer(self.values)
        if height * width <= _DENSE_CELLS:
            dense = np.zeros((height, width))
            dense[rows, columns] = values
            return dense
        from scipy import sparse

        return sparse.csr_matrix((values, (rows, columns)), shape=(height, width))


#: A plan's word matrix is dense up to this many cells (a plan of a few hundred statements).
_DENSE_CELLS = 1_000_000
#: Cells of the similarity block compared at a time (8 bytes each): bounds its memory.
_BLOCK_CELLS = 500_000


def _matches(rows, candidates, vectors: _Vectors) -> dict[str, list[tuple[str, str, float]]]:
    """Statement -> the candidates linked to it: its table row's, else the most similar.

    The most similar is the first candidate with the highest relatedness, when that reaches
    ``LINK_AT``; a statement with neither is left out.
    """
    out: dict[str, list[tuple[str, str, float]]] = {}
    by_row: dict[str, list[str]] = {}
    for c in candidates:
        if c.get("row_key"):
            by_row.setdefault(c["row_key"], []).append(c["statement_id"])
    loose = []
    for row in rows:
        same_row = by_row.get(row.get("row_key") or "")
        if same_row:
            out[row["statement_id"]] = [(c, TABLE_ROW, 1.0) for c in same_row]
        else:
            loose.append(row["statement_id"])
    ids = [c["statement_id"] for c in candidates]
    if not ids:
        return out
    step = max(1, _BLOCK_CELLS // len(ids))
    for start in range(0, len(loose), step):
        block = loose[start:start + step]
        similarity = vectors.similarity(block, ids)
        best = similarity.argmax(axis=1)
        for statement_id, j, row_similarity in zip(block, best, similarity, strict=True):
            value = float(row_similarity[j])
            if value >= LINK_AT - 1e-9:  # the products of square roots may round below
                out[statement_id] = [(ids[j], SIMILARITY, value)]
    return out


def _link_row(plan_id: str, need_id: str, outcome_id: str, provision_id: str,
              need_hop: tuple[str, float | None], provision_hop: tuple[str, float | None]
              ) -> dict[str, Any]:
    """A row of links.csv: need -> outcome -> provision, with how each hop was decided."""
    return {"plan_id": plan_id, "need_id": need_id, "outcome_id": outcome_id,
            "provision_id": provision_id,
            "need_link": need_hop[0] if need_id else "",
            "need_similarity": need_hop[1] if need_id else None,
            "provision_link": provision_hop[0] if provision_id else "",
            "provision_similarity": provision_hop[1] if provision_id else None}


def _canonical(ref) -> str:
    return canonical_reference(str(ref)) if ref else ""


def _cited(row) -> tuple[str, ...]:
    """The outcome references a provision row cites (``cites``: "E1, E3")."""
    cites = row.get("cites")
    return references(str(cites)) if cites else ()


def _p_role(row: dict[str, Any], role_columns: dict[str, list[str]], role: str) -> float:
    return sum(float(row.get(c) or 0.0) for c in role_columns.get(role, ()))


def _context_only(text: str) -> bool:
    """A diagnosis with no difficulty described: context rather than a need to meet."""
    return bool(_DIAGNOSIS.search(text)) and not _NEED_WORDS.search(text)


def _mean(values: list[float]) -> float:
    present = [v for v in values if not math.isnan(v)]
    return sum(present) / len(present) if present else math.nan


def _weighted(parts: dict[str, float]) -> float:
    total = sum(WEIGHTS[name] for name, value in parts.items() if not math.isnan(value))
    if not total:
        return math.nan
    return round(100 * sum(WEIGHTS[name] * value for name, value in parts.items()
                           if not math.isnan(value)) / total, 1)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
