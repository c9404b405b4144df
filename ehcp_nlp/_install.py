"""Where the files shipped beside the package are: the bundled model and corpus."""

from __future__ import annotations

import sys
from pathlib import Path


def installed_places(*parts: str) -> tuple[Path, Path]:
    """The two places a shipped file or folder can be, in the order to look.

    Beside the package in a clone (an editable install), then where a regular install puts
    the project's data files (``share/ehcp-nlp`` under the environment's prefix; see
    ``[tool.setuptools.data-files]`` in pyproject.toml).

    Parameters
    ----------
    *parts
        The path inside the repository, e.g. ``"models", "default"``.
    """
    return (Path(__file__).resolve().parent.parent.joinpath(*parts),
            Path(sys.prefix, "share", "ehcp-nlp", *parts))
