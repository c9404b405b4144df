"""The bundled corpus (data/statements.csv), for training on it together with one's own data."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ehcp_nlp import labels
from ehcp_nlp._install import installed_places
from ehcp_nlp.data._read import read_corpus
from ehcp_nlp.errors import CorpusFormatError, InputFileError

#: Where the bundled corpus is looked for: in a clone, then where an install puts it.
CORPUS_PLACES = installed_places("data", "statements.csv")
#: Prefix given to the bundled corpus's ids and groups in a merged frame, so that they cannot
#: collide with the user's (a shared group would put two children's statements in one fold).
BASE_PREFIX = "base:"


def bundled_corpus_path() -> Path:
    """The path of the bundled training corpus; a one-line error when it is not installed."""
    for place in CORPUS_PLACES:
        if place.is_file():
            return place
    raise InputFileError("the bundled corpus is not installed (looked in "
                         + " and ".join(str(p) for p in CORPUS_PLACES)
                         + "); reinstall ehcp-nlp, or train on your data alone")


#: What to do with a bundled type that the user's own types split (``provision`` beside
#: ``education_provision`` and ``health_provision``).
ON_CLASH = ("refuse", "drop")


def type_clashes(frame: pd.DataFrame, base: pd.DataFrame,
                 roles: Mapping[str, str | None] | None = None) -> dict[str, list[str]]:
    """Bundled type -> the user's own types with its role that replace it.

    A user who splits ``provision`` into ``education_provision`` and ``health_provision`` and
    has no plain ``provision`` would, merged with the bundled corpus, train the bundled
    ``provision`` as a third class beside her two: a clash.
    """
    if "type" not in frame.columns or "type" not in base.columns:
        return {}
    mine = set(frame["type"].astype(str))
    clashes: dict[str, list[str]] = {}
    for label in sorted(mine - set(labels.TYPES)):
        role = labels.type_role(label, roles)
        if role in labels.TYPES and role not in mine and (base["type"] == role).any():
            clashes.setdefault(role, []).append(label)
    return clashes


def with_base_corpus(frame: pd.DataFrame, base: pd.DataFrame | None = None, *,
                     on_clash: str = "refuse",
                     roles: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """The bundled corpus followed by ``frame``: one training set.

    The bundled rows' ids and groups get the prefix ``base:``; columns are the union of both
    (empty where a file lacks one), so a label the user's data adds is simply unlabelled on the
    bundled rows, and a head with no labels on a row does not learn from it.

    Parameters
    ----------
    frame
        The user's labelled statements.
    base
        The corpus to put first (default: the bundled corpus).
    on_clash
        When the user's own types split a bundled type (see :func:`type_clashes`):
        ``refuse`` raises a one-line error naming the clash; ``drop`` leaves the bundled rows
        of that type out (their other labels are lost with them).
    roles
        Roles of the user's own type labels whose names do not give them.

    Raises
    ------
    ehcp_nlp.errors.CorpusFormatError
        On a clash, with ``on_clash="refuse"``.
    """
    base = read_corpus(bundled_corpus_path()) if base is None else base.copy()
    clashes = type_clashes(frame, base, roles)
    if clashes:
        said = "; ".join(f"the bundled corpus's {kind!r} against your {', '.join(mine)}"
                         for kind, mine in clashes.items())
        if on_clash != "drop":
            raise CorpusFormatError(
                f"your types split types of the bundled corpus ({said}): merged, the bundled "
                "rows would be a class of their own; pass --base-clash drop to leave them out, "
                "or label your rows with the bundled types")
        base = base[~base["type"].isin(list(clashes))]
    for column in ("id", "group"):
        if column in base.columns:
            base[column] = BASE_PREFIX + base[column].astype(str)
    columns = list(dict.fromkeys([*base.columns, *frame.columns]))
    merged = pd.concat([base.reindex(columns=columns), frame.reindex(columns=columns)],
                       ignore_index=True)
    return merged.fillna("").astype(str)
