"""The anonymisation guard: find personal data left in plan text, count it, redact it.

Plans sent for bulk analysis should be anonymised, but names of streets, phone numbers and
dates of birth survive in the "About me" and contact parts of real plans. Before analysing,
the tool counts what is left per file and warns; with ``--redact`` every output carries the
text returned by :func:`redact` instead.

The kinds, in :data:`KINDS` order, and what each one matches (UK formats):

- ``email``: ``name.surname@example.org``.
- ``phone``: a trunk ``0`` or ``+44`` (``+44 (0)``) then ten digits in the usual groupings
  (``07700 900417``, ``+44 7700 900417``, ``01632 960 000``, ``020 7946 0000``,
  ``0113 496 0000``, ``(01234) 567890``), spaces or dashes between groups.
- ``nhs_number``: ten digits, together or spaced 3-3-4, whose last digit is the NHS
  modulus-11 check digit of the first nine (:func:`nhs_number_is_valid`).
- ``upn``: a Unique Pupil Number, a check letter then 12 characters (11 digits then a digit,
  or a letter for a temporary UPN), whose check letter is right (:func:`upn_is_valid`).
- ``postcode``: a UK postcode (``WX7 3QP``, ``SW1A 1AA``, ``M1 1AE``, also without the
  space), in one case, upper or lower; ``KS2``, ``Y9`` or ``1:1`` have no inward code.
- ``date_of_birth``: a whole date (``22/09/2013``, ``22.09.13``, ``22 September 2013``,
  ``September 22nd 2013``) at most three words after a cue (``DOB``, ``D.O.B.``, ``date of
  birth``, ``born on``, ``born``). The finding is the date; the cue stays readable. Dates
  without a cue ("by 22/09/2026") are targets, not personal data.
- ``address``: a house number, one to three capitalised words and a street suffix
  (``14 Sycamore Row``, ``7 Cobbler's Yard``), optionally after ``Flat 3,`` (also ``Flat 3,
  Wexleigh Court``) and followed by up to two ``, Town`` parts. A number after ``Year``,
  ``Step``, ``Stage``, ``Level`` and the like is not a house number. A postcode after the
  town is a finding of its own.

Candidates of different kinds may overlap (an email whose local part looks like a postcode;
a ten-digit NHS-number candidate inside a ``+44`` phone number): the longest wins, then the
earliest, then the first kind in :data:`KINDS`.

Speed: every kind needs a digit or an ``@``, so a statement with neither costs one regular
expression search; otherwise each kind runs only if a cheap pre-check finds what all its
matches contain (see ``_candidates``). ``tests/test_bulk_pii.py`` measures
:func:`count_personal_data` on the training corpus.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: The kinds of personal data, in the order reports list them.
KINDS = ("email", "phone", "nhs_number", "upn", "postcode", "date_of_birth", "address")
#: What :func:`redact` writes in place of each kind.
PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "nhs_number": "[NHS NUMBER]",
    "upn": "[UPN]",
    "postcode": "[POSTCODE]",
    "date_of_birth": "[DATE OF BIRTH]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
}
_RANK = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class PersonalData:
    """One piece of personal data found in a text.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    start, end
        Character offsets in the text searched: ``text[start:end] == self.text``.
    text
        The personal data as written.
    """

    kind: str
    start: int
    end: int
    text: str

    @property
    def placeholder(self) -> str:
        """The text :func:`redact` puts in its place, such as ``[PHONE]``."""
        return PLACEHOLDERS[self.kind]

    def to_dict(self) -> dict[str, str | int]:
        """Return the finding as a plain dictionary (for JSON and data frames)."""
        return {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text}


# --- check digits ------------------------------------------------------------------------

#: Check letters of a UPN, and the values of letters in its last place (DfE, "Unique pupil
#: numbers (UPNs)": I, O and S are never used).
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def nhs_number_is_valid(number: str) -> bool:
    """Return whether ten digits pass the NHS number's modulus-11 check.

    Weights 10 down to 2 multiply the first nine digits; the check digit is 11 minus the sum's
    remainder on division by 11 (11 becomes 0, and 10 means no valid number has these nine
    digits).

    Parameters
    ----------
    number
        The number; spaces and dashes are ignored.

    Returns
    -------
    bool
        ``True`` for exactly ten digits whose last is the check digit of the others.
    """
    digits = number.replace(" ", "").replace("-", "").replace(".", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(weight * int(d) for weight, d in zip(range(10, 1, -1), digits, strict=False))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def upn_is_valid(upn: str) -> bool:
    """Return whether a Unique Pupil Number's check letter is right.

    A UPN is a check letter, 11 digits and a last digit (or, for a temporary UPN, a letter).
    Weights 2 to 13 multiply the 12 characters after the check letter (a letter counts as its
    place in ``ABCDEFGHJKLMNPQRTUVWXYZ``, from 0); the sum modulo 23 indexes the check letter
    in the same alphabet.

    Parameters
    ----------
    upn
        Thirteen characters, any case.

    Returns
    -------
    bool
        ``True`` when the form is right and the check letter matches.
    """
    upn = upn.upper()
    if len(upn) != 13 or upn[0] not in _UPN_LETTERS or not upn[1:12].isdigit():
        return False
    if not upn.isascii() or not (upn[12].isdigit() or upn[12] in _UPN_LETTERS):
        return False
    total = sum(weight * (int(c) if c.isdigit() else _UPN_LETTERS.index(c))
                for weight, c in zip(range(2, 14), upn[1:], strict=True))
    return _UPN_LETTERS[total % 23] == upn[0]


# --- patterns ----------------------------------------------------------------------------
# Character classes are ASCII ([0-9], not \d) so that other scripts' digits never match.

#: The pre-check: every kind needs a digit or an "@".
_MAY_CONTAIN = re.compile(r"[0-9@]")

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:['.][A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w@-])"
)

# Ten national digits after the trunk "0" or "+44", grouped as area codes are: 4-3-3 or 4-6
# (07700 900417, 01632 960000), 3-3-4 (0113 496 0000), 2-4-4 (020 7946 0000), 5-5 (016977
# numbers). The first national digit is 1, 2, 3, 5, 7, 8 or 9 (Ofcom's number ranges).
_SEP = r"[ -]?"


def _national(close: str) -> str:
    """Return the ten national digits' groupings, with ``close`` after the area code."""
    return (rf"(?:[12357-9][0-9]{{3}}{close}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{3}}"
            rf"|[12357-9][0-9]{{2}}{close}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{4}}"
            rf"|[12357-9][0-9]{close}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}"
            rf"|1[0-9]{{4}}{close}{_SEP}[0-9]{{5}})")


_PHONE = re.compile(
    r"(?<![\w+/.£$-])"
    r"(?:(?:(?:\+|00)44[ -]?(?:\(0\)[ -]?)?|0)" + _national("") + r"|\(0" + _national(r"\)")
    + r")"
    r"(?![0-9A-Za-z]|[/.][0-9])"
)

_NHS_NUMBER = re.compile(
    r"(?<![\w+/.£$-])[0-9]{3}([ .-]?)[0-9]{3}\1[0-9]{4}(?![0-9A-Za-z]|[/.-][0-9])"
)

_UPN = re.compile(r"(?<![\w/-])[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z](?![\w/-])", re.I)

# Outward code: area (a first letter never Q, V or X; a second never I, J or Z) and district,
# then an optional space and the inward code (a digit and two letters, never C, I, K, M, O or
# V). Matched in any case; a mixed-case match is then refused (see _postcodes).
_POSTCODE = re.compile(
    r"(?<![\w/-])"
    r"[A-PR-UWYZ](?:[0-9][A-HJKPSTUW0-9]?|[A-HK-Y][0-9][ABEHMNPRVWXY0-9]?)"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2}(?![\w/-])",
    re.I,
)
_ORDINAL = re.compile(r"(?:1st|2nd|3rd|[04-9]th)", re.I)

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?"
_DATE = (
    r"(?:(?:0?[1-9]|[12][0-9]|3[01])(?P<sep>[/.-])(?:0?[1-9]|1[0-2])(?P=sep)(?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    rf"|{_DAY}(?: of)?[ -]{_MONTH}[ ,-]+(?:19|20)[0-9]{{2}}"
    rf"|{_MONTH} {_DAY},? (?:19|20)[0-9]{{2}})"
)
# A cue, then up to three words that do not start a deadline or another event ("born early,
# and by 22/09/2026" is a target; "DOB: unknown. Review on 22/09/2026" a meeting), then the
# date. "first-born" is no cue.
_GAP = r"[\s:;|,.()\-–—*_]*"  # "*" and "_": Markdown emphasis ("**DOB:** ...")
_DATE_OF_BIRTH = re.compile(
    r"(?:\bD\.?O\.?B\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*(?:date|day)\b|"
    r"(?<![\w-])born\b(?:\s+on\b)?)"
    + _GAP
    + r"(?:(?!(?:by|until|till|before|after|from|since|to|end|review|reviewed|due|next|meeting)\b)"
    + r"[^\W\d]+" + _GAP + r"){0,3}?"
    + r"(?P<date>" + _DATE + r")(?![0-9]|[/.-][0-9])",
    re.I,
)

# Street suffixes, in title case and upper case; abbreviations may end with a full stop.
_STREETS = (
    "Road Street Avenue Lane Close Drive Way Row Crescent Grove Court Place Gardens Terrace "
    "Walk Hill Park Yard Square Mews Rise View Green Parade Mount Vale Croft Fields Meadow "
    "Meadows Chase Wharf Quay Gate Boulevard Hollow Wynd Brow Bank Broadway Approach Circus "
    "Grange Cottages Villas Heights Passage Esplanade Promenade Embankment Dale Lea"
).split()
_STREET_ABBREVIATIONS = "Rd St Ave Ln Dr Cres Ct Pl Gdns Terr Sq".split()
_BUILDINGS = "House Court Lodge Tower Towers Heights Mansions Buildings Hall Point".split()


def _cased(words: list[str]) -> str:
    """Return an alternation of the words in title and upper case, longest first."""
    forms = {form for word in words for form in (word, word.upper())}
    return "|".join(sorted(forms, key=lambda form: (-len(form), form)))


def _words(words: list[str], abbreviations: list[str]) -> str:
    """Return a pattern for one of the words, or of the abbreviations with an optional dot."""
    return rf"(?:(?:{_cased(words)})\b|(?:{_cased(abbreviations)})\b\.?)"


_NAME = r"(?:[A-Z][a-z'’]+(?:-[A-Za-z'’]+)*|[A-Z]{2,}(?:['’]S)?)"
_NAMES = rf"(?:St\. )?{_NAME}(?: {_NAME}){{0,2}}"
# Three digits at most, and no comma after the number: "By July 2027, Kai Green will..."
_HOUSE = r"[0-9]{1,3}[A-Za-z]?(?:[-–][0-9]{1,3}[A-Za-z]?)?"
_STREET = rf"{_HOUSE} {_NAMES} {_words(_STREETS, _STREET_ABBREVIATIONS)}"
_NOT_TOWN = ("The|He|She|They|We|It|His|Her|Their|And|But|Or|With|Who|Which|Where|When|If|"
             "Tel|Telephone|Phone|Mobile|Email|DOB|Contact|Postcode|Age|Year|NHS|UPN")
_TOWN_WORD = rf"(?!(?:{_NOT_TOWN})\b)(?:[A-Z][a-z'’]+(?:-[A-Za-z'’]+)*|[A-Z]{{3,}}\b)"
_TOWN = rf", {_TOWN_WORD}(?: (?:(?:upon|on|in|le|by|under) )?{_TOWN_WORD}){{0,2}}"
_ADDRESS = re.compile(
    r"(?<![\w/.:£$-])"
    r"(?:(?:Flat|FLAT|Apartment|Apt\.?|Unit) [0-9]{1,4}[A-Za-z]?,? "
    rf"(?:{_STREET}|{_NAMES} {_words(_BUILDINGS + _STREETS, _STREET_ABBREVIATIONS)}"
    rf"(?:,? {_STREET})?)|{_STREET})"
    rf"(?:{_TOWN}){{0,2}}"
    r"(?![\w'’-])"
)
#: Words after which a number counts something other than houses ("Year 10 Park Run").
_NOT_HOUSE = re.compile(
    r"\b(?:year|yr|y|step|stage|phase|level|part|section|room|group|class|week|unit|page|"
    r"chapter|table|grade|set|box|size|block|term|band|tier|lesson|session|module|day|"
    r"platform|bus|route|channel|track|form)\W*$",
    re.I,
)


# --- finders -----------------------------------------------------------------------------
# Each kind has a pre-check that is much cheaper than its pattern (it starts at a digit, which
# the engine scans for quickly) and that every match of the pattern passes: on the training
# corpus, 6 statements in 10 have no digit and stop at _MAY_CONTAIN, and of the rest fewer than
# 1 in 5 reach the postcode or address pattern and none the number patterns.

#: Phone, NHS and pupil numbers all hold six digits with at most a space or dash among them.
_SIX_DIGITS = re.compile(r"[0-9]{3}[ .-]?[0-9]{3}")
#: A postcode's outward code ends in a letter and a digit ("WX7", "SW1A", "M1").
_LETTER_DIGIT = re.compile(r"[0-9](?<=[A-Za-z][0-9])")
#: An address starts with a house or flat number, a space and a capital letter.
_NUMBER_WORD = re.compile(r"[0-9][A-Za-z]?,? [A-Z]")
_DOB_CUES = ("dob", "d.o.b", "birth", "born")  # "birthday" holds "birth"
#: One character for one: no-break spaces to spaces, full-width digits, letters and the signs
#: of numbers and addresses to ASCII (the offsets of the findings stay those of the text).
_SAME_LENGTH = str.maketrans({"\xa0": " ", "\u202f": " ", "\u3000": " ",
                              **{chr(0xFF10 + i): str(i) for i in range(10)},
                              **{chr(0xFF21 + i): chr(65 + i) for i in range(26)},
                              **{chr(0xFF41 + i): chr(97 + i) for i in range(26)},
                              "\uff0b": "+", "\uff20": "@", "\uff0e": ".", "\uff0d": "-",
                              "\uff08": "(", "\uff09": ")", "\uff0f": "/"})
_WIDE = re.compile("[\xa0\u202f\u3000\uff08-\uff5a]")


def _matches(kind: str, pattern: re.Pattern[str], text: str) -> Iterator[PersonalData]:
    for m in pattern.finditer(text):
        yield PersonalData(kind, m.start(), m.end(), m.group())


def _numbers(text: str) -> Iterator[PersonalData]:
    yield from _matches("phone", _PHONE, text)
    for m in _NHS_NUMBER.finditer(text):
        if nhs_number_is_valid(m.group()):
            yield PersonalData("nhs_number", m.start(), m.end(), m.group())
    for m in _UPN.finditer(text):
        if upn_is_valid(m.group()):
            yield PersonalData("upn", m.start(), m.end(), m.group())


def _postcodes(text: str) -> Iterator[PersonalData]:
    for m in _POSTCODE.finditer(text):
        found = m.group()
        letters = found.replace(" ", "")
        if letters.isupper():
            yield PersonalData("postcode", m.start(), m.end(), found)
        elif _ORDINAL.fullmatch(found[-3:]):
            continue  # "y9 2nd" is a year group and an ordinal, not a postcode
        elif letters.islower() or " " in found:
            # lower case, or mixed case written as a postcode is ("Sw1A 1aA"); run together
            # in mixed case ("s17ZD") it is more often something else
            yield PersonalData("postcode", m.start(), m.end(), found)


def _dates_of_birth(text: str) -> Iterator[PersonalData]:
    for m in _DATE_OF_BIRTH.finditer(text):
        yield PersonalData("date_of_birth", m.start("date"), m.end("date"), m.group("date"))


def _addresses(text: str) -> Iterator[PersonalData]:
    for m in _ADDRESS.finditer(text):
        if not _NOT_HOUSE.search(text, max(0, m.start() - 16), m.start()):
            yield PersonalData("address", m.start(), m.end(), m.group())


def _candidates(text: str) -> list[PersonalData]:
    """Return every candidate of every kind, overlaps included (the text has a digit or @)."""
    found: list[PersonalData] = []
    if "@" in text:
        found += _matches("email", _EMAIL, text)
    if _SIX_DIGITS.search(text):
        found += _numbers(text)
    if _LETTER_DIGIT.search(text):
        found += _postcodes(text)
    lower = text.lower()
    if any(cue in lower for cue in _DOB_CUES):
        found += _dates_of_birth(text)
    if _NUMBER_WORD.search(text):
        found += _addresses(text)
    return found


def _resolve(candidates: list[PersonalData]) -> list[PersonalData]:
    """Keep non-overlapping candidates, longest first, then earliest, then by kind."""
    if len(candidates) < 2:
        return candidates
    kept: list[PersonalData] = []
    for c in sorted(candidates, key=lambda c: (c.start - c.end, c.start, _RANK[c.kind])):
        if all(c.end <= k.start or k.end <= c.start for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


# --- public API --------------------------------------------------------------------------


def find_personal_data(text: str) -> list[PersonalData]:
    """Find the personal data in a text.

    Parameters
    ----------
    text
        Any text: a statement, a table cell, a whole plan.

    Returns
    -------
    list of PersonalData
        Non-overlapping findings in order of position.

    Examples
    --------
    >>> [(f.kind, f.text) for f in find_personal_data("Call 07700 900417 after 4pm.")]
    [('phone', '07700 900417')]
    """
    plain = text.translate(_SAME_LENGTH) if _WIDE.search(text) else text
    if not _MAY_CONTAIN.search(plain):
        return []
    if plain is not text:
        # Word puts no-break spaces inside phone numbers and postcodes, and some exports
        # full-width digits; mapped one character to one, the offsets hold, and the
        # findings keep the text as written
        return [PersonalData(f.kind, f.start, f.end, text[f.start:f.end])
                for f in _resolve(_candidates(plain))]
    return _resolve(_candidates(text))


def redact(text: str) -> str:
    """Return the text with each piece of personal data replaced by its placeholder.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The text with ``[EMAIL]``, ``[PHONE]``, ``[NHS NUMBER]``, ``[UPN]``, ``[POSTCODE]``,
        ``[DATE OF BIRTH]`` or ``[ADDRESS]`` in place of each finding; the text itself when
        there is none.

    Examples
    --------
    >>> redact("Finley, DOB: 22/09/2013, lives at 14 Sycamore Row, Wexleigh WX7 3QP.")
    'Finley, DOB: [DATE OF BIRTH], lives at [ADDRESS] [POSTCODE].'
    """
    findings = find_personal_data(text)
    if not findings:
        return text
    parts, at = [], 0
    for found in findings:
        parts += [text[at:found.start], found.placeholder]
        at = found.end
    parts.append(text[at:])
    return "".join(parts)


def count_personal_data(texts: Iterable[str]) -> Counter[str]:
    """Count the personal data of each kind in many texts.

    Parameters
    ----------
    texts
        The texts, such as every statement of one file.

    Returns
    -------
    collections.Counter
        Findings per kind (keys from :data:`KINDS`); empty when there are none.
    """
    counts: Counter[str] = Counter()
    may_contain = _MAY_CONTAIN.search
    for text in texts:
        if may_contain(text):
            for found in find_personal_data(text):
                counts[found.kind] += 1
    return counts
