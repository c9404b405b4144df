"""The scores the model learns ("heads"): which column, which rows, binary or multi-class."""

from __future__ import annotations

from collections.abc import Mapping
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

    def rows(self, frame: pd.DataFrame,
             roles: Mapping[str, str | None] | None = None) -> np.ndarray:
        """Boolean mask of the rows this head learns from (and is evaluated on).

        Parameters
        ----------
        frame
            Labelled statements.
        roles
            Type label -> role (see :func:`ehcp_nlp.labels.type_role`), for data with its own
            type labels: ``specified`` and the provision parts then learn from every type
            whose role is provision.
        """
        mask = frame[self.name].astype(str).str.len() > 0
        if self.applies_to is not None:
            kinds = frame["type"].astype(str)
            if roles:
                kinds = kinds.map({t: labels.type_role(t, roles) for t in kinds.unique()})
            mask &= kinds == self.applies_to
        return mask.to_numpy()


#: The learned heads. The SMART verdict is not one of them: it is derived from the five
#: criteria (an outcome is SMART when its weakest criterion is met), which matches the label's
#: definition and, measured on data/test.csv, beat a directly learned SMART head.
HEADS: tuple[Head, ...] = (
    Head("type", None, False),
    *(Head(c, "outcome", True) for c in labels.CRITERIA),
    Head("specified", "provision", True),
    Head("provision_kind", "provision", False),
    *(Head(c, "provision", True) for c in labels.PART_COLUMNS),
    Head("area", None, False),
    Head("pfa", None, False),
)
#: Provision part heads: column name -> part name.
PART_HEADS = {c: c.removeprefix("part_") for c in labels.PART_COLUMNS}
HEAD_NAMES = tuple(h.name for h in HEADS)
#: Scores reported for evaluation: the heads plus the derived SMART verdict.
SMART = Head("smart", "outcome", True)
