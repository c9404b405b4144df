"""The bundled corpus (data/statements.csv), for training on it together with one's own data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ehcp_nlp._install import installed_places
from ehcp_nlp.data._read import read_corpus
from ehcp_nlp.errors import InputFileError

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


def with_base_corpus(frame: pd.DataFrame, base: pd.DataFrame | None = None) -> pd.DataFrame:
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
    """
    base = read_corpus(bundled_corpus_path()) if base is None else base.copy()
    for column in ("id", "group"):
        if column in base.columns:
            base[column] = BASE_PREFIX + base[column].astype(str)
    columns = list(dict.fromkeys([*base.columns, *frame.columns]))
    merged = pd.concat([base.reindex(columns=columns), frame.reindex(columns=columns)],
                       ignore_index=True)
    return merged.fillna("").astype(str)
