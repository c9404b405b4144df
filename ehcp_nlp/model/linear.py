"""All heads as one linear map, so that scoring and explaining cost one sparse product.

Every head is a logistic regression over the same features. Their coefficients are stacked
into one matrix ``coef`` (features x outputs): a multi-class head has one output per label, a
yes/no head one output (the log-odds of yes). Each head also has a temperature fitted on
out-of-fold predictions; dividing by it calibrates probabilities without changing the ranking,
and because it scales coefficients and intercept alike, explanations stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class HeadSlice:
    """Where one head's outputs sit in the stacked matrix."""

    name: str
    classes: tuple[str, ...]
    binary: bool
    start: int
    stop: int
    temperature: float


class StackedLinear:
    """Stacked, temperature-scaled logistic regressions with exact per-component explanations.

    Parameters
    ----------
    coef
        Features x outputs, already divided by each head's temperature.
    intercept
        One per output, already divided by the temperature.
    heads
        Where each head's outputs are.
    components
        The explanation component of every feature column (same order as the columns).
    """

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, heads: list[HeadSlice],
                 components: np.ndarray) -> None:
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.heads = {h.name: h for h in heads}
        self.component_names = tuple(dict.fromkeys(components.tolist()))
        lookup = {name: i for i, name in enumerate(self.component_names)}
        self.component_of_column = np.array([lookup[c] for c in components], dtype=np.int64)

    @property
    def ranges(self) -> list[tuple[int, int, int]]:
        """Contiguous column runs ``(component index, start, stop)``, in column order."""
        if getattr(self, "_ranges", None) is None:
            components = self.component_of_column
            cuts = np.flatnonzero(np.diff(components)) + 1
            starts = np.concatenate([[0], cuts])
            stops = np.concatenate([cuts, [len(components)]])
            self._ranges = [(int(components[a]), int(a), int(b))
                            for a, b in zip(starts, stops, strict=True)]
        return self._ranges

    def __getstate__(self) -> dict:
        # the cache of ranges is rebuilt on use: a saved model's bytes do not depend on
        # whether it has scored anything
        state = self.__dict__.copy()
        state.pop("_ranges", None)
        return state

    def logits(self, blocks) -> np.ndarray:
        """Calibrated logits, statements x outputs.

        ``blocks`` is the feature matrix, or the list of its column blocks in order (what the
        feature union's transformers return one by one), which saves stacking them.
        """
        blocks = [blocks] if sp.issparse(blocks) or isinstance(blocks, np.ndarray) else blocks
        out, offset = None, 0
        for block in blocks:
            width = block.shape[1]
            part = block @ self.coef[offset : offset + width]
            out = part if out is None else out + part
            offset += width
        return np.asarray(out) + self.intercept

    def contributions(self, blocks) -> np.ndarray:
        """Per-component contributions, statements x components x outputs.

        Each component's features are a contiguous run of columns, so its contribution is
        that run of the features times the same rows of ``coef``; summed over components and
        added to the intercept, they give :meth:`logits` exactly (to rounding).
        """
        blocks = [blocks] if sp.issparse(blocks) or isinstance(blocks, np.ndarray) else blocks
        n = blocks[0].shape[0]
        out = np.zeros((n, len(self.component_names), self.coef.shape[1]))
        bounds, offset = [], 0
        for block in blocks:
            bounds.append((offset, offset + block.shape[1], block))
            offset += block.shape[1]
        for component, start, stop in self.ranges:
            for low, high, block in bounds:
                if low <= start and stop <= high:
                    part = block[:, start - low : stop - low]
                    if sp.issparse(part) and part.shape[1] < 256:
                        part = part.toarray()
                    out[:, component, :] += np.asarray(part @ self.coef[start:stop])
                    break
            else:
                raise ValueError("a component's columns span two blocks")
        return out

    def probabilities(self, logits: np.ndarray, head: str) -> np.ndarray:
        """Probabilities of a head's labels (yes/no heads: probability of yes)."""
        h = self.heads[head]
        block = logits[:, h.start : h.stop]
        if h.binary:
            return 1.0 / (1.0 + np.exp(-block[:, 0]))
        shifted = block - block.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        return exp / exp.sum(axis=1, keepdims=True)
