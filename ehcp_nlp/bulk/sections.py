"""Sections and statements of a plan: which section a heading names, and how text splits.

Plain Python and precompiled regular expressions only (no spaCy), so thousands of plans read
quickly. Local authorities head the sections of a plan in many ways; all of these name a
section:

- a letter: ``Section E – Outcomes``, ``Section E: Outcomes``, ``E: Outcomes``,
  ``E. Outcomes``, ``Outcomes (Section E)``, ``OUTCOMES (E)``, ``Part E``, ``Section H1``
  (H1 and H2 are ``H``);
- a part number, counted A = 1 to K = 11: ``Part 2: My needs``;
- a title with no letter: ``Special educational provision`` (F), ``Health provision`` (G),
  ``Outcomes`` (E), ``All about me`` (A), ``Placement`` (I)...;
- a leading number, when the title says nothing: ``9. Where I will learn`` (I).

A heading that names several sections (``Sections B, E and F: needs, outcomes and
provision``) names no single one: what follows takes its section from the table's column
headers. Areas of need (``Communication and interaction``) and the plan's title are
sub-headings: they leave the section as it was.
"""

from __future__ import annotations

import re

from ehcp_nlp.bulk.records import SECTIONS
from ehcp_nlp.safe import SURROGATE, ZERO_WIDTH

#: Sections whose prose paragraphs are kept whole (outcomes and provision read as one unit).
WHOLE_PARAGRAPH_SECTIONS = frozenset("EFGH")

_LETTER_LIST = r"[A-K][12]?(?:\s*(?:,|(?i:and)|&|/|\+)\s*[A-K][12]?)*"
# "Section E", "Sections B, E and F", "PART E", "Section H1 and H2", at the start.
_NAMED = re.compile(rf"^(?:\d{{1,2}}[.)]?\s+)?(?i:sections?|parts?)\s+({_LETTER_LIST})\b")
# "Outcomes (Section E)", "OUTCOMES (E)", "(H1 and H2)", at the end.
_BRACKETED = re.compile(rf"\(\s*(?:(?i:sections?|parts?)\s+)?({_LETTER_LIST})\s*\)\s*:?\s*$")
# "E: Outcomes", "E. Outcomes", "A - Views", "H1 Social care provision", or a bare "H2".
_LEADING = re.compile(r"^([A-K])(?:[12]?\s*(?:[:.)–—]|\s-)|[12](?:\s|$)|$)")
_PART_NUMBER = re.compile(r"^(?i:parts?|sections?)\s+(\d{1,2})\b")
_NUMBERING = re.compile(r"^\s*(?:(\d{1,2})(?:\.\d{1,2})*[.):]?|[ivx]{1,4}[.)])\s+")
_LETTER = re.compile(r"\b([A-K])[12]?\b")

_NOT_A_SECTION = re.compile(
    r"health and care plan|\behcp?\b|communication and interaction|cognition and learning|"
    r"social,? emotional and mental health|\bsemh\b|sensory and(?:/or)? physical|"
    r"physical and(?:/or)? sensory|preparing for adulthood|^contents$|^signatures?$|"
    r"^(?:good health|being healthy|employment|paid employment|education and employment|"
    r"independent living|community inclusion|community participation|"
    r"friends,? relationships and (?:the )?community)$")
# Preparing-for-adulthood headings, which group outcomes inside Section E.
_PFA_TITLE = re.compile(r"good health|employment|independent living|community inclusion|"
                        r"community participation|friends,? relationships and (?:the )?community")
# "6.4 Interventions", "3.2.1 Reading": two-level numbering before a short title.
_SUB_NUMBERED = re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\s+[A-Z][^.;:!?]*$")
_NEED, _OUTCOME, _PROVISION = (re.compile(r"\bneeds?\b"), re.compile(r"\boutcomes?\b"),
                               re.compile(r"\bprovision\b|\bsupport\b"))
_TITLES = tuple((letter, re.compile(pattern)) for letter, pattern in (
    ("G", r"\bhealth\b.*\b(?:provision|support|services?)\b"),
    ("H", r"\bsocial care\b.*\b(?:provision|support|services?)\b|\bcsdpa\b"),
    ("F", r"\bprovision\b|\bsupport for (?:my |his |her |their )?learning\b|"
          r"\bhow we will help\b"),
    ("E", r"\boutcomes?\b|\b(?:want to|will) achieve\b"),
    ("C", r"\bhealth\b"),
    ("D", r"\bsocial care\b"),
    ("B", r"\bneeds?\b|\bsen\b|\blearning difficult(?:y|ies)\b"),
    ("I", r"\bplacement\b|\bname of (?:the )?(?:school|setting|institution|college)\b|"
          r"^(?:(?:the|my) )?(?:school|setting|college|institution|early years setting)$|"
          r"\btype of (?:school|setting|institution)\b|\bwhere i will (?:learn|study)\b"),
    ("J", r"\bpersonal budgets?\b|\bdirect payments?\b"),
    ("K", r"\badvice\b|\binformation\b"),
    ("A", r"\baspirations?\b|\ball about\b|^about\b|\bviews\b|\bmy story\b|\bimportant to\b|"
          r"\bwhat people like\b|\bone[- ]page profile\b|\bpen portrait\b"),
))
# Titles that make a line a heading on their own, with no letter, number or capitals.
_PLAIN_TITLE = re.compile(
    r"(?:(?:my|the|his|her|their) )?(?:"
    r"(?:special )?educational needs(?: and disabilities)?|education(?:al)? needs|needs|"
    r"health(?: care)?(?: needs)?|social care(?: needs)?|outcomes|"
    r"(?:special )?educational provision|education provision|provision|"
    r"health(?: care)? provision|social care provision|placement|"
    r"name of (?:the )?(?:school|setting|institution|college)|personal budget|"
    r"advice(?: and information)?|information and advice|all about me|about me|"
    r"views,? interests and aspirations|views and aspirations|aspirations)")

_COLUMN_KEYWORDS = (
    ("F", re.compile(r"provision|support|help|strateg|intervention|resources?\b")),
    ("E", re.compile(r"outcome|achieve|target|\baims?\b|goal")),
    ("B", re.compile(r"\bneeds?\b|difficult|barrier")),
)
_AREA_COLUMN = re.compile(r"\barea\b|\bdomain\b|\bcategory\b")

#: Bullets, numbers and letters that start a list item ("-", "•", "1.", "2)", "a)", "(iv)").
_LIST_MARKER = re.compile(
    r"^\s*(?:[-*+–—‣⁃✓✔]\s+|[•·◦▪▫■□●○]\s*|\(?(?:\d{1,3}|[a-z]|[ivxlc]{1,6})[.)]\s+|"
    r"\(?[A-Z]\)\s+)")
_BULLET_START = re.compile(r"^\s*[-*+•·◦▪▫■□●○‣⁃✓✔]")

# A sentence ends at . ! or ? (and any closing quote or bracket), before a capital or digit.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset("""e.g eg i.e ie dr mr mrs ms mx prof st approx appx ca cf vs viz incl
esp fig dept""".split())
_BEFORE_NUMBER = frozenset("no nos jan feb mar apr jun jul aug sep sept oct nov dec".split())
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")
_INITIAL = re.compile(r"[A-Z]")
_TIMES = frozenset(("a.m", "p.m"))

_LABEL_PREFIX = re.compile(r"^(?:section\s+)?[a-k][12]?\s*(?:\([^)]*\))?\s*[:\-–]\s*")
_PLACEHOLDER = re.compile(
    r"(?:none|nil|n/?a|not applicable|not known|not requested|not required|not needed|"
    r"not identified|-+|–|—|tbc|to be confirmed|"
    r"none (?:identified|required|needed|specified|requested|currently|under (?:the )?\w+)"
    r"|no (?:\S+ ){0,10}?(?:has|have|is|are|was|were) (?:been )?"
    r"(?:identified|requested|required|specified|needed|agreed|made|assessed)"
    r"|no (?:\S+ ){0,4}?(?:requested|required|needed|identified)"
    r"|there (?:is|are) no (?:\S+ ){0,8}?(?:needs?|provision|requirements?)"
    r"(?: (?:identified|required|needed))?)"
    r"(?: (?:at (?:present|this time|the moment)|currently|now))?")

_NUMBER_WORDS = {word: n for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({f"twenty-{w}": 20 + n for w, n in list(_NUMBER_WORDS.items())[1:6]})
_NUM = "(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r"|\d{1,2})"
_AGE_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"(?<!reading )(?<!spelling )(?<!mental )(?<!at )(?<!from )(?<!by )\bage(?:d|:)?\s*{_NUM}\b"
    r"(?!\s*(?:months|-month))",
    rf"(?<!was )(?<!were )\b{_NUM}[- ](?:years?|yrs?)[- ]old\b",
    rf"(?<!age )\b(?:is|am|turned|turns|(?<=\w)['’]s|(?<=\w)['’]m)\s+(?:now\s+)?{_NUM}"
    r"(?=\s*(?:[,.;(]|and\b|$))",
))
_YEAR = r"(?:(?i:year|yr)\s*(\d{1,2})\b|Y(\d{1,2})\b|(?i:(reception)))"
_YEAR_PATTERNS = tuple(re.compile(p) for p in (
    r"(?i:\b(?:is|am|are|now|currently)\s+(?:now\s+|currently\s+)?(?:in\s+)?|"
    r"['’][sm]\s+(?:now\s+)?in\s+|\band\s+(?:is\s+)?in\s+|,\s*(?:and\s+)?in\s+)"
    rf"(?i:the\s+)?{_YEAR}(?!\s*,?\s*(?i:she|he|they|I|we|when)\b)",
    rf"\b(?i:an?)\s+{_YEAR}\s+(?i:pupil|student|child|learner|boy|girl)\b",
    rf"\b(?i:year group|school year|nc year|national curriculum year|ncy)\s*[:\-]?\s*"
    rf"(?:{_YEAR}|(\d{{1,2}})\b)",
    rf"\b(?i:started|has started|began|moved up to|moved into|went into)\s+(?i:the\s+)?{_YEAR}"
    r"\s+(?i:in september|this september|this term|this autumn|in the autumn)",
))


_ZERO_WIDTH_CHARS = re.compile(f"[{ZERO_WIDTH}]")


def normalise(text: str) -> str:
    """Collapse whitespace, drop zero-width characters, replace unpaired surrogates.

    Non-breaking spaces count as whitespace; an unpaired surrogate (which no file can hold)
    becomes U+FFFD.
    """
    return " ".join(SURROGATE.sub("\ufffd", _ZERO_WIDTH_CHARS.sub("", text)).split())


def _title_key(text: str) -> str:
    """Lower-case a heading and drop its numbering, curly quotes and closing colon."""
    text = _NUMBERING.sub("", normalise(text).replace("’", "'"))
    return text.lower().rstrip(" :.–—-")


def _letters(match_text: str) -> list[str]:
    """The section letters in a list such as ``"B, E and F"`` or ``"H1 and H2"``."""
    return _LETTER.findall(match_text)


def _explicit_sections(text: str) -> list[str]:
    """Letters the heading names outright: ``Section E``, ``(E)``, ``E:`` or ``Part 5``."""
    stripped = _NUMBERING.sub("", text) if _NAMED.match(text) is None else text
    for pattern, subject in ((_NAMED, text), (_BRACKETED, text), (_LEADING, stripped)):
        match = pattern.search(subject)
        if match:
            return _letters(match.group(0) if pattern is _LEADING else match.group(1))
    match = _PART_NUMBER.match(stripped)
    if match and 1 <= int(match.group(1)) <= len(SECTIONS):
        return [SECTIONS[int(match.group(1)) - 1]]
    return []


def _title_sections(key: str) -> list[str]:
    """Sections a heading names by its words alone (``key`` from :func:`_title_key`)."""
    if not key or _NOT_A_SECTION.search(key):
        return []
    families = [bool(p.search(key)) for p in (_NEED, _OUTCOME, _PROVISION)]
    if sum(families) >= 2:
        health, social = "health" in key, "social care" in key
        named = zip(families, ("C" if health else "D" if social else "B", "E",
                               "G" if health else "H" if social else "F"), strict=True)
        return [letter for present, letter in named if present]
    for letter, pattern in _TITLES:
        if pattern.search(key):
            return [letter]
    return []


def sections_of_heading(text: str) -> tuple[str, ...]:
    """Every section a heading names, in order (several for a combined heading).

    Parameters
    ----------
    text
        The heading as written.

    Returns
    -------
    tuple of str
        Letters ``"A"`` to ``"K"``; ``()`` for a heading that names no section (an area of
        need, the plan's title, a sub-heading).
    """
    text = normalise(text).replace("’", "'")
    found = _explicit_sections(text) or _title_sections(_title_key(text))
    if not found:
        numbered = _NUMBERING.match(text)
        if numbered and numbered.group(1) and 1 <= int(numbered.group(1)) <= len(SECTIONS):
            found = [SECTIONS[int(numbered.group(1)) - 1]]
    return tuple(dict.fromkeys(found))


def section_of_heading(text: str) -> str | None:
    """The one section a heading names, or ``None`` (no section, or several).

    Examples
    --------
    >>> section_of_heading("Outcomes (Section E)"), section_of_heading("Section H2")
    ('E', 'H')
    >>> section_of_heading("Sections B, E and F: needs, outcomes and provision") is None
    True
    """
    found = sections_of_heading(text)
    return found[0] if len(found) == 1 else None


def is_known_subheading(text: str) -> bool:
    """Whether a heading is an area of need, preparing for adulthood or the plan's title."""
    return bool(_NOT_A_SECTION.search(_title_key(text)))


def column_section(header: str) -> str | None:
    """The section a table column holds, from its header (``"Outcome (E)"``, ``"Needs"``).

    A letter or a section title decides; otherwise words: provision or support is F, an
    outcome or what the child will achieve is E, a need is B. An "area of need" column holds
    no statements of its own and gives ``None``.
    """
    key = _title_key(header)
    if not key or _AREA_COLUMN.search(key):
        return None
    explicit = _explicit_sections(normalise(header))
    if len(explicit) == 1:
        return explicit[0]
    for letter, pattern in _COLUMN_KEYWORDS:
        if pattern.search(key):
            titled = _title_sections(key)
            return titled[0] if len(titled) == 1 and titled[0] in "BCDEFGH" else letter
    return None


def is_heading_line(line: str) -> bool:
    """Whether a line of text (or an unstyled paragraph) reads as a heading.

    A heading is short, does not end as a sentence does and either names a section by
    letter or part, is in capitals, is a bare section title (``Health provision``), or is an
    area of need or the plan's title (``Cognition and learning``).
    """
    text = normalise(line)
    if not text or len(text) > 120 or text[-1] in ".;,!?" or _BULLET_START.match(text):
        return False
    words = text.split()
    if len(words) > 14:
        return False
    if _explicit_sections(text.replace("’", "'")):
        return True
    key = _title_key(text)
    if sum(c.isalpha() for c in text) >= 4 and text.upper() == text and (
            len(words) > 1 or _PLAIN_TITLE.fullmatch(key)):
        return True
    if _SUB_NUMBERED.match(text) and len(words) <= 7:
        return True  # "6.4 Interventions": a numbered sub-heading
    return len(words) <= 8 and (_PLAIN_TITLE.fullmatch(key) is not None or (
        (len(words) > 1 or _PFA_TITLE.fullmatch(key) is not None)
        and _NOT_A_SECTION.search(key) is not None))


def list_item_text(line: str) -> str | None:
    """A list item's text without its bullet or number, or ``None`` for a line that is not."""
    match = _LIST_MARKER.match(line)
    return line[match.end():].strip() if match else None


def _ends_sentence(text: str, end: int, following: str) -> bool:
    """Whether the full stop before ``end`` ends a sentence (not ``e.g.``, ``Dr.``, ``J.``)."""
    if text[end - 1] != ".":
        return True
    word = text[:end].rsplit(None, 1)[-1].lstrip("\"'“‘([").rstrip(".")
    lower = word.lower()
    if lower in _ABBREVIATIONS or _INITIAL.fullmatch(word):
        return False
    if lower in _BEFORE_NUMBER:
        return not following[:1].isdigit()
    return lower in _TIMES or not _DOTTED.fullmatch(lower)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations, initials, decimals and times whole.

    Examples
    --------
    >>> split_sentences("Sam uses e.g. Makaton. Dr. Patel saw him at 9.30 today. He is 7.")
    ['Sam uses e.g. Makaton.', 'Dr. Patel saw him at 9.30 today.', 'He is 7.']
    """
    text = normalise(text)
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        punctuation_end = match.start() + len(match.group(0).rstrip())
        stop = match.start() + len(match.group(0).split(None, 1)[0].rstrip("\"'”’)]"))
        if _ends_sentence(text, stop, text[match.end():]):
            sentences.append(text[start:punctuation_end])
            start = match.end()
    sentences.append(text[start:])
    return [s for s in (s.strip() for s in sentences) if s]


def split_statements(text: str, *, keep_paragraphs: bool = False) -> list[str]:
    r"""Split a block of text into statements, in order.

    Each list item (``-``, ``*``, ``•``, ``1.``, ``1)``, ``a)``) is one statement, with its
    marker removed; lines that follow an item without a blank line continue it. Other
    paragraphs (separated by blank lines) are split into sentences unless
    ``keep_paragraphs``. Whitespace is normalised; placeholders are kept (see
    :func:`is_placeholder`).

    Examples
    --------
    >>> split_statements("Sam is 9. He likes Lego.\n\n- Weekly SALT\n2) Daily TA support")
    ['Sam is 9.', 'He likes Lego.', 'Weekly SALT', 'Daily TA support']
    """
    blocks: list[tuple[bool, list[str]]] = []
    for line in text.splitlines():
        if not line.strip():
            blocks.append((False, []))
            continue
        item = list_item_text(line)
        if item is not None:
            blocks.append((True, [item]))
        elif blocks and blocks[-1][1]:
            blocks[-1][1].append(line)
        else:
            blocks.append((False, [line]))
    statements: list[str] = []
    for is_item, lines in blocks:
        joined = normalise(" ".join(lines))
        if joined:
            keep = is_item or keep_paragraphs
            statements.extend([joined] if keep else split_sentences(joined))
    return statements


def is_placeholder(text: str) -> bool:
    """Whether a statement only says there is nothing here.

    ``"None."``, ``"Not applicable"``, ``"N/A"``, ``"No health needs have been
    identified."``, ``"H1: none. H2: none."`` are placeholders; a sentence that goes on to say
    something (``"No social care needs; the family have a support worker."``) is not.
    """
    for sentence in split_sentences(text):
        key = _LABEL_PREFIX.sub("", sentence.lower().replace("’", "'")).rstrip(" .;!")
        if not _PLACEHOLDER.fullmatch(key):
            return False
    return bool(normalise(text))


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _first_match(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    matches = [m for m in (p.search(text) for p in patterns) if m]
    return min(matches, key=lambda m: m.start()) if matches else None


def extract_age(text: str) -> int | None:
    """The child's age stated in a sentence (``"is 15 and"``, ``"aged 14"``, ``"I'm 24."``).

    Ages in a reading age, a past ("when I was 16 years old") or at an event ("diagnosed at
    age 9") are not the child's age now. Ages above 25 are ignored.
    """
    match = _first_match(_AGE_PATTERNS, text)
    if match is None:
        return None
    age = _number(match.group(1))
    return age if age <= 25 else None


def extract_year_group(text: str) -> int | None:
    """The school year a sentence says the child is in now; reception is 0.

    Taken: ``"and in Year 10"``, ``"is in Y11"``, ``"a Year 9 pupil"``, ``"Year group: 9"``.
    A year after "by the end of", "since", "after" or "in Year 6 she..." is not the current
    year and is not taken. Years above 14 are ignored.
    """
    match = _first_match(_YEAR_PATTERNS, text)
    if match is None:
        return None
    value = next(g for g in match.groups() if g)
    year = 0 if value.lower() == "reception" else int(value)
    return year if year <= 14 else None
