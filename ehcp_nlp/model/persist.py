"""Saving and loading models: a joblib file, a manifest of checksums, a model card.

A model directory holds ``model.joblib``, ``manifest.json`` and ``MODEL_CARD.md``. The
manifest records the sha256 of every other file, the library versions the model was built
with, the training data's hash and the metrics. Loading a pickle runs code, so :func:`load`
refuses any file whose checksum does not match the manifest, and says why.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from ehcp_nlp._install import installed_places
from ehcp_nlp.errors import EhcpError

MODEL_FILE = "model.joblib"
ESTIMATORS_FILE = "estimators.joblib"
MANIFEST = "manifest.json"
CARD = "MODEL_CARD.md"
FORMAT = "ehcp-nlp.model.v1"
#: Where the bundled model is looked for: beside the package in a clone (editable install),
#: then where a regular install puts it (``share/ehcp-nlp`` under the environment's prefix).
BUNDLED_PLACES = installed_places("models", "default")
BUNDLED = next((p for p in BUNDLED_PLACES if (p / "manifest.json").is_file()), BUNDLED_PLACES[0])
REBUILD = "ehcp train data/statements.csv --out models/default"


class ModelError(EhcpError):
    """A model directory is missing, incomplete, tampered with or built for other versions."""

    code = "E201"


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries a pickled model depends on."""
    found = {"python": platform.python_version()}
    for package in ("ehcp-nlp", "scikit-learn", "spacy", "numpy", "scipy", "joblib",
                    "spacy-lookups-data"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _atomic_write(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(scorer, path: str | Path, card: str | None = None) -> Path:
    """Write a scorer to a directory: model file, manifest with checksums, model card."""
    import joblib

    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    for name, value in ((MODEL_FILE, scorer), (ESTIMATORS_FILE, scorer.estimators)):
        handle, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
        os.close(handle)
        try:
            joblib.dump(value, tmp, compress=3)
            os.chmod(tmp, 0o644)
            os.replace(tmp, directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    files = {MODEL_FILE: sha256_of(model_path),
             ESTIMATORS_FILE: sha256_of(directory / ESTIMATORS_FILE)}
    if card is not None:
        _atomic_write(directory / CARD, card.encode("utf-8"))
        files[CARD] = sha256_of(directory / CARD)
    manifest = {
        "format": FORMAT,
        "files": files,
        "versions": versions(),
        **{k: v for k, v in scorer.info.items() if k not in {"files", "versions", "format"}},
    }
    manifest.setdefault("saved", datetime.date.today().isoformat())
    _atomic_write(directory / MANIFEST,
                  (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return directory


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check a model directory's manifest (without loading the model)."""
    directory = Path(path)
    if not directory.exists():
        raise ModelError(f"{directory}: no such model directory; give a directory made by "
                         "`ehcp train ... --out DIR`")
    if not directory.is_dir():
        raise ModelError(f"{directory}: is a file; --model takes the model's directory")
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"{directory}: has no {MANIFEST}, so it is not an ehcp-nlp model; "
                         f"rebuild it with `{REBUILD}`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{manifest_path}: is not valid JSON; the model directory is "
                         f"damaged, rebuild it with `{REBUILD}`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{directory}: manifest is not an {FORMAT} manifest; rebuild the "
                         f"model with `{REBUILD}`")
    return manifest


def verify(path: str | Path) -> dict[str, Any]:
    """Check every file's checksum against the manifest; return the manifest."""
    directory = Path(path)
    manifest = read_manifest(directory)
    files = manifest.get("files") or {}
    if MODEL_FILE not in files:
        raise ModelError(f"{directory}: manifest lists no {MODEL_FILE}; rebuild with "
                         f"`{REBUILD}`")
    for name, expected in files.items():
        file = directory / name
        if not file.is_file():
            raise ModelError(f"{file}: missing; the model directory is incomplete, copy it "
                             f"again or rebuild with `{REBUILD}`")
        if sha256_of(file) != expected:
            raise ModelError(f"{file}: checksum does not match {MANIFEST}; the file was "
                             "changed after training, so it will not be loaded (a pickle "
                             f"runs code); restore it or rebuild with `{REBUILD}`")
    return manifest


def load(path: str | Path | None = None):
    """Load a scorer after verifying its checksums and library versions.

    Parameters
    ----------
    path
        A model directory; the bundled model (``models/default``) when ``None``.
    """
    import joblib

    if path is None and not (BUNDLED / MANIFEST).is_file():
        raise ModelError("the bundled model was not found (looked in "
                         + " and ".join(str(p) for p in BUNDLED_PLACES)
                         + "); pass a model directory with --model, or install from a clone")
    directory = Path(path) if path is not None else BUNDLED
    manifest = verify(directory)
    built = manifest.get("versions", {})
    here = versions()
    for package in ("scikit-learn", "numpy"):
        if package in built and _minor(built[package]) != _minor(here[package]):
            raise ModelError(
                f"{directory}: built with {package} {built[package]}, but {here[package]} is "
                f"installed; rebuild it with `{REBUILD}` or install {package}=="
                f"{built[package]}"
            )
    try:
        scorer = joblib.load(directory / MODEL_FILE)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the same to a user
        raise ModelError(f"{directory / MODEL_FILE}: could not be loaded ({type(exc).__name__}"
                         f"); rebuild it with `{REBUILD}`") from None
    scorer.info = {**scorer.info, "path": str(directory), "manifest": manifest}
    if ESTIMATORS_FILE in manifest["files"]:
        scorer._estimators_loader = lambda: _load_verified(directory, ESTIMATORS_FILE,
                                                           manifest["files"][ESTIMATORS_FILE])
    return scorer


def _load_verified(directory: Path, name: str, expected: str):
    """Load one more file of a model, checking its checksum again first."""
    import joblib

    if sha256_of(directory / name) != expected:
        raise ModelError(f"{directory / name}: checksum does not match {MANIFEST}; it will "
                         f"not be loaded; restore it or rebuild with `{REBUILD}`")
    return joblib.load(directory / name)
