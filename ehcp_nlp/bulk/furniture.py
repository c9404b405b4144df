"""What in a plan document is not a statement: furniture, front matter and references.

Plans arrive with a cover page (a personal-details table of labels and values), a contents
list, running headers and footers, page numbers, table header rows, reference cells ("E1",
"F2.3"), sign-off blocks, photo placeholders and entries that say a section has nothing
("None."). None of it is a statement; :mod:`ehcp_nlp.bulk.documents` records it in
``skipped.csv`` with the reason this module gives (:data:`~ehcp_nlp.bulk.records.SKIP_REASONS`)
instead of scoring it. Cover fields also give facts: the child's school year, age, date of
birth and the plan's date (:func:`cover_facts`).

Plain regular expressions only, like :mod:`ehcp_nlp.bulk.sections`.
"""

from __future__ import annotations

import datetime as dt
import re

from ehcp_nlp.bulk.sections import is_placeholder, normalise

# A reference: "E1", "F2.3", "E1a", "G-2", "Outcome E3", "Ref: F4"; a list of them: "E1, E3",
# "E1 & E2", "E1-E3", "E1/E4".
_REF = r"(?:[A-K][12]?\s?[-.]?\s?\d{1,2}(?:\.\d{1,2}){0,2}[a-z]?)"
_REF_LABEL = r"(?:(?i:outcomes?|ref(?:erence)?s?|no\.?|links? to|supports?)\s*:?\s*)?"
_REF_CELL = re.compile(rf"^{_REF_LABEL}{_REF}(?:\s*(?:,|;|&|/|\+|-|–|\band\b|\bto\b)\s*"
                       rf"{_REF_LABEL}{_REF})*\.?$")
_ONE_REF = re.compile(rf"\b({_REF})\b")
_RANGE = re.compile(rf"\b({_REF})\s*(?:-|–|\bto\b)\s*({_REF})\b")
# "1", "2.3", "(a)": a row number in a reference column.
_ROW_NUMBER = re.compile(r"^\(?(?:\d{1,2}(?:\.\d{1,2})?|[a-z])\)?\.?$")

# A contents line: a title followed by dot leaders, or a page number after a gap or a tab,
# or a number first ("2; Section B ...", "3 Section C").
_CONTENTS_LINE = re.compile(
    r"(?:\.{3,}|…+|·{3,}|_{3,})\s*\d{1,3}\s*$|\t\s*\d{1,3}\s*$|"
    r"^\d{1,3}\s*[;:]\s*\S.{0,80}$")
_CONTENTS_TAIL = re.compile(r"^(?:section|part)\s+[a-k]\b.{0,80}?\s\d{1,3}$", re.IGNORECASE)
_CONTENTS_HEADING = re.compile(r"^(?:table of )?contents(?: page)?:?$|^index$", re.IGNORECASE)

_PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*-)?$",
                          re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^(?:signed|signature|sign(?:ed)? off|authori[sz]ed by|approved by|on behalf of|"
    r"name of (?:the )?(?:officer|case ?worker|co-?ordinator|designated|decision|"
    r"signatory|person)|designation|job title|role:|position:|"
    r"(?:senior )?(?:sen|send|ehc|ehcp)\s+(?:case ?work(?:er)?|officer|co-?ordinator|"
    r"manager)\b[^.]{0,40}$|"
    r"date (?:signed|issued|of issue|finali[sz]ed|of sign[- ]?off)|"
    r"date\s*:?\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\.?$|"
    r"(?:(?:dr|mr|mrs|ms|mx|miss)\.?\s+)?[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2},\s+"
    r"(?:(?:senior|principal|lead|assistant|team)\s+)?(?:sen|send|ehc|ehcp)?\s*"
    r"(?:case\s?work(?:er)?|casework officer|case officer|officer|co-?ordinator|manager|"
    r"team leader|head of)\b[^.]{0,60}$|"
    r"(?:this plan (?:was|is|has been) )?(?:signed|issued|finali[sz]ed) (?:by|on)\b)",
    re.IGNORECASE)
_PHOTO = re.compile(
    r"^[\[(<]?\s*(?:insert\s+|add\s+|place\s+)?(?:a\s+|my\s+|the\s+|child's\s+|young "
    r"person's\s+)?(?:photo(?:graph)?|picture|image|pic)\b[^.]{0,40}?(?:here)?\s*[\])>]?\.?$",
    re.IGNORECASE)
_TEXT_PLACEHOLDER = re.compile(r"^[\[(<]\s*(?:insert|add|enter|type)\b[^\]]{0,60}[\])>]$|"
                               r"^(?:click|tap) (?:or tap )?here to enter text\.?$",
                               re.IGNORECASE)
_ADMIN = re.compile(
    r"^(?:version(?: history| control)?\b|v\d+(?:\.\d+)?\b|document (?:history|control)|"
    r"distribution(?: list)?\b|circulation\b|copies (?:sent )?to\b|cc:|"
    r"(?:this|the) (?:plan|ehc ?plan|document) (?:was|is|has been) (?:finali[sz]ed|issued|"
    r"amended|drafted|updated|sent|reviewed|produced)\b|"
    r"(?:date of|date)\s+(?:plan|issue|draft|final plan|last review|next review|annual "
    r"review|amendment)\b|review date\b|draft (?:plan )?issued\b|final (?:plan )?issued\b|"
    r"official(?:-| )sensitive\b|protected(?:[- ]\w+)?$|(?:strictly )?confidential\b.{0,30}$|"
    r"page \d+ of \d+)",
    re.IGNORECASE)

# Labels of personal details, as cover pages and "about me" tables have them.
_PERSONAL_LABEL = re.compile(
    r"\b(?:name|date of birth|d\.?o\.?b|born|address|post ?code|nhs|upn|unique pupil|uln|"
    r"school|setting|college|year|age|gender|sex|ethnicity|religion|language|nationality|"
    r"parents?|carers?|guardian|contact|tel|telephone|phone|mobile|e-?mail|local authority|"
    r"\bla\b|case ?(?:worker|officer)|key ?worker|social worker|gp|pronouns?|legal status|"
    r"looked after|date of (?:plan|issue)|plan date|ehc ?plan|reference|mosaic|id)\b",
    re.IGNORECASE)
# Cover labels whose values are facts.
_YEAR_LABEL = re.compile(r"\b(?:year group|school year|nc year|national curriculum year|"
                         r"ncy|current year|year)\b", re.IGNORECASE)
_DOB_LABEL = re.compile(r"\bdate of birth\b|\bd\.?o\.?b\b|\bbirth ?date\b|\bborn\b",
                        re.IGNORECASE)
_PLAN_DATE_LABEL = re.compile(
    r"\b(?:date of (?:this |the )?(?:plan|ehc ?plan|issue|final plan)|plan date|"
    r"date (?:plan )?(?:issued|finali[sz]ed)|date of (?:the )?(?:annual )?review|"
    r"issue date|final plan (?:date|issued))\b", re.IGNORECASE)
_AGE_LABEL = re.compile(r"^(?:current )?age(?: now| in years)?$", re.IGNORECASE)
_RECEPTION = re.compile(r"\breception\b|\bfoundation stage 2\b|\bfs2\b|\byear r\b",
                        re.IGNORECASE)
_NURSERY = re.compile(r"\bnursery\b|\bpre-?school\b|\bfoundation stage 1\b|\bfs1\b",
                      re.IGNORECASE)
_YEAR_VALUE = re.compile(r"^(?:year|yr|y|ncy)?\s*(\d{1,2})\b", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec")
                                       .split(), start=1)}
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def is_reference(text: str) -> bool:
    """Whether a cell holds only references (``"E1"``, ``"F2.3"``, ``"E1, E3"``, ``"2"``)."""
    text = normalise(text)
    return bool(text) and (_REF_CELL.match(text) is not None or
                           _ROW_NUMBER.match(text) is not None)


def references(text: str) -> tuple[str, ...]:
    """The references a cell cites, ranges expanded: ``"E1-E3, E5"`` -> E1, E2, E3, E5."""
    text = normalise(text).upper()
    found: list[str] = []
    for match in _RANGE.finditer(text):
        first, last = _ref_key(match.group(1)), _ref_key(match.group(2))
        if first[0] == last[0] and first[1].isdigit() and last[1].isdigit() and \
                int(first[1]) < int(last[1]) <= int(first[1]) + 20:
            found += [f"{first[0]}{n}" for n in range(int(first[1]), int(last[1]) + 1)]
    found += ["".join(_ref_key(m.group(1))) for m in _ONE_REF.finditer(text)]
    return tuple(dict.fromkeys(found))


def canonical_reference(text: str) -> str:
    """A reference in one form: ``"E 1"``, ``"e1."``, ``"E-1"`` -> ``"E1"``; else ``""``."""
    match = _ONE_REF.search(normalise(text).upper())
    return "".join(_ref_key(match.group(1))) if match else ""


def _ref_key(ref: str) -> tuple[str, str]:
    ref = re.sub(r"[\s\-]", "", ref.upper())
    letter = ref[0]
    rest = ref[1:]
    if rest[:1] in ("1", "2") and letter == "H" and rest[1:2] and not rest[1:2].isdigit():
        rest = rest[1:]  # H1.2 -> keep as H1.2 (H1 is the social care part)
    return letter, rest.lstrip(".")


def is_contents_heading(text: str) -> bool:
    """Whether a heading or line starts a contents list."""
    return _CONTENTS_HEADING.match(normalise(text)) is not None


def is_contents_line(text: str) -> bool:
    """Whether a line reads as an entry of a contents list ("Section B ..... 3")."""
    text = " ".join(text.replace("\t", " \t ").split(" "))
    plain = normalise(text)
    return bool(plain) and (_CONTENTS_LINE.search(text) is not None or
                            _CONTENTS_LINE.search(plain) is not None or
                            _CONTENTS_TAIL.match(plain) is not None)


def is_page_number(text: str) -> bool:
    """Whether a line is only a page number ("3", "Page 3 of 12", "- 4 -")."""
    return _PAGE_NUMBER.match(normalise(text)) is not None


def skip_reason(text: str) -> str | None:
    """Why a paragraph or cell is not a statement, by its words alone; ``None`` if it may be.

    Recognised: sign-off lines, photo and text placeholders, administration lines, entries
    that say there is nothing, page numbers and references. Cover fields, contents lists,
    running headers and header rows need their place in the document and are recognised by
    the reader.
    """
    text = normalise(text)
    if not text:
        return None
    if is_placeholder(text):
        return "no_content"
    if _PHOTO.match(text) or _TEXT_PLACEHOLDER.match(text):
        return "placeholder"
    if is_page_number(text):
        return "page_number"
    if is_reference(text):
        return "reference"
    if _SIGN_OFF.match(text):
        return "sign_off"
    if _ADMIN.match(text):
        return "admin"
    return None


def is_label(text: str) -> bool:
    """Whether a cell reads as a form label ("Date of birth", "NHS number:", "School")."""
    text = normalise(text).rstrip(":").strip()
    words = text.split()
    return (0 < len(words) <= 6 and text[-1:] not in ".!?;," and any(c.isalpha() for c in text)
            and not is_reference(text) and not any(w.isdigit() and len(w) > 2 for w in words))


def is_label_value_table(rows: list[list[str]], *, cover: bool) -> bool:
    """Whether a table's rows are label | value pairs (a cover or personal-details table).

    Every filled row has an even number of cells whose odd cells are labels, and the values
    are short (a name, a date, a number: at most 15 words each, most of them at most 8).
    On the cover (before the first section) that is enough; inside the plan at least half
    the labels must be personal details (name, date of birth, address, NHS number...), so a
    two-column list such as "Advice | Date" stays what it is.
    """
    pairs = personal = 0
    values: list[str] = []
    for cells in rows:
        filled = [c for c in cells if c]
        if not filled:
            continue
        if len(cells) % 2 or len(cells) < 2:
            return False
        for label, value in zip(cells[::2], cells[1::2], strict=True):
            if not label and not value:
                continue
            if not is_label(label) or len(value.split()) > 15:
                return False
            pairs += 1
            personal += _PERSONAL_LABEL.search(label) is not None
            values.append(value)
    short = sum(len(v.split()) <= 8 for v in values)
    return pairs >= 2 and short * 4 >= len(values) * 3 and (cover or personal * 2 >= pairs)


def parse_date(text: str) -> dt.date | None:
    """A date written as 04/03/2011, 4.3.11, 2011-03-04 or 4 March 2011 (day first)."""
    text = normalise(text)
    match = _DATE_ISO.search(text)
    try:
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = _DATE_NUMERIC.search(text)
        if match:
            year = int(match.group(3))
            year += 2000 if year < 100 and year <= dt.date.today().year % 100 + 1 else \
                1900 if year < 100 else 0
            return dt.date(year, int(match.group(2)), int(match.group(1)))
        match = _DATE_WORDS.search(text)
        if match and match.group(2)[:3].lower() in _MONTHS:
            return dt.date(int(match.group(3)), _MONTHS[match.group(2)[:3].lower()],
                           int(match.group(1)))
    except ValueError:
        return None
    return None


def school_year(value: str) -> int | None:
    """A school year from a cover value: "10", "Year 10", "Y10", "Reception" (0), "Nursery" (-1)."""
    value = normalise(value)
    if _RECEPTION.search(value):
        return 0
    if _NURSERY.search(value):
        return -1
    match = _YEAR_VALUE.match(value)
    if match and int(match.group(1)) <= 14:
        return int(match.group(1))
    return None


def cover_facts(label: str, value: str) -> dict[str, object]:
    """Facts a cover field gives: ``year_group``, ``age``, ``date_of_birth``, ``plan_date``."""
    label, value = normalise(label).rstrip(":"), normalise(value)
    out: dict[str, object] = {}
    if _DOB_LABEL.search(label):
        born = parse_date(value)
        if born:
            out["date_of_birth"] = born
    elif _PLAN_DATE_LABEL.search(label):
        when = parse_date(value)
        if when:
            out["plan_date"] = when
    elif _AGE_LABEL.match(label):
        match = re.match(r"(\d{1,2})\b", value)
        if match and int(match.group(1)) <= 25:
            out["age"] = int(match.group(1))
    elif _YEAR_LABEL.search(label):
        year = school_year(value)
        if year is not None:
            out["year_group"] = year
    return out


def age_on(born: dt.date, when: dt.date) -> int | None:
    """Whole years from a date of birth to a date (``None`` if not 0 to 25)."""
    years = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    return years if 0 <= years <= 25 else None


def stage_of(year_group: int | None, age: int | None) -> str | None:
    """The stage of education a school year or age puts the child in.

    ``early years`` (nursery, reception, or under 5), ``primary`` (Years 1-6), ``secondary``
    (Years 7-11), ``post-16`` (Years 12-14, or 16 to 18), ``post-19`` (19 to 25).
    """
    if year_group is not None:
        if year_group <= 0:
            return "early years"
        return "primary" if year_group <= 6 else "secondary" if year_group <= 11 else "post-16"
    if age is not None:
        if age <= 4:
            return "early years"
        if age >= 19:
            return "post-19"
        if age >= 16:
            return "post-16"
    return None
