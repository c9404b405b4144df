"""Saving and loading models as data: JSON and NumPy arrays, a manifest, a model card.

A model is data, not code. Every head is linear, so a model is its vocabularies and
settings (``model.json``), its stacked coefficients and IDF weights (``model.npz``, NumPy
arrays read with ``allow_pickle=False``), and the per-head scikit-learn estimators' arrays
(``estimators.json`` and ``estimators.npz``), from which :func:`load` rebuilds the objects:
nothing in a model folder is unpickled, so a folder crafted to run code cannot. The manifest
records the sha256 of every other file (a check against accidents, not attackers: the format
is what makes a hostile model harmless), the library versions, the training data's hash and
the metrics; the model card describes it.

Models saved by the first release are pickles (``model.joblib``, format
``ehcp-nlp.model.v1``). Loading one runs whatever it carries, so it is refused unless the
caller says it trusts it (``trust_model=True``, ``--trust-model``); ``ehcp model upgrade``
turns a trusted one into the safe format.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import platform
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ehcp_nlp._install import installed_places
from ehcp_nlp.errors import EhcpError

MODEL_FILE = "model.json"
ARRAYS_FILE = "model.npz"
ESTIMATORS_FILE = "estimators.json"
ESTIMATOR_ARRAYS_FILE = "estimators.npz"
MANIFEST = "manifest.json"
CARD = "MODEL_CARD.md"
FORMAT = "ehcp-nlp.model.v2"
#: The first release's format: pickles, loaded only when trusted.
PICKLE_FORMAT = "ehcp-nlp.model.v1"
PICKLE_FILES = ("model.joblib", "estimators.joblib")
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
    """Write a scorer to a directory: its data files, manifest with checksums, model card."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    model, arrays = _model_data(scorer)
    estimators, estimator_arrays = _estimator_data(scorer.estimators)
    _atomic_write(directory / MODEL_FILE, _json_bytes(model))
    _atomic_write(directory / ARRAYS_FILE, _npz_bytes(arrays))
    _atomic_write(directory / ESTIMATORS_FILE, _json_bytes(estimators))
    _atomic_write(directory / ESTIMATOR_ARRAYS_FILE, _npz_bytes(estimator_arrays))
    for old in PICKLE_FILES:  # an upgraded folder keeps no pickle
        (directory / old).unlink(missing_ok=True)
    files = {name: sha256_of(directory / name) for name in
             (MODEL_FILE, ARRAYS_FILE, ESTIMATORS_FILE, ESTIMATOR_ARRAYS_FILE)}
    if card is not None:
        _atomic_write(directory / CARD, card.encode("utf-8"))
        files[CARD] = sha256_of(directory / CARD)
    manifest = {
        "format": FORMAT,
        "files": files,
        "versions": versions(),
        **{k: v for k, v in scorer.info.items()
           if k not in {"files", "versions", "format", "path", "manifest"}},
    }
    manifest.setdefault("saved", datetime.date.today().isoformat())
    _atomic_write(directory / MANIFEST,
                  (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return directory


def _json_bytes(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n").encode("utf-8")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive of plain arrays, byte for byte the same for the same arrays.

    ``numpy.savez`` stamps each member with the time; a model's files must not change when
    nothing in them has, so members get a fixed date and plain deflate.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            array = np.asarray(arrays[name])
            if array.dtype == object:
                raise ValueError(f"{name}: object arrays cannot be saved as data")
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def _model_data(scorer) -> tuple[dict, dict[str, np.ndarray]]:
    """A scorer as JSON-ready settings and plain arrays (see :func:`_scorer_from_data`)."""
    linear = scorer.linear
    union = dict(scorer.featurizer.transformer_list)
    lexical = {}
    arrays = {"coef": linear.coef, "intercept": linear.intercept,
              "component_of_column": linear.component_of_column}
    for name in ("words", "chars"):
        transformer = union[name]
        vocabulary = transformer.vocabulary_
        terms = sorted(vocabulary, key=vocabulary.get)
        lexical[name] = {"class": type(transformer).__name__,
                         "params": _plain(transformer.get_params()), "terms": terms}
        arrays[f"{name}_idf"] = transformer.idf_
    heads = [{"name": h.name, "classes": list(h.classes), "binary": h.binary,
              "start": h.start, "stop": h.stop, "temperature": h.temperature}
             for h in linear.heads.values()]
    model = {"format": FORMAT, "transformers": [n for n, _ in scorer.featurizer.transformer_list],
             "rules": _plain(union["rules"].get_params()), "lexical": lexical, "heads": heads,
             "components": list(linear.component_names),
             "info": {k: v for k, v in scorer.info.items() if k not in {"path", "manifest"}}}
    return model, arrays


def _estimator_data(estimators: dict[str, Any]) -> tuple[dict, dict[str, np.ndarray]]:
    """The per-head logistic regressions as their parameters and fitted arrays."""
    settings, arrays = {}, {}
    for name, estimator in estimators.items():
        settings[name] = {"class": type(estimator).__name__,
                          "params": _plain(estimator.get_params()),
                          "classes": [str(c) for c in estimator.classes_],
                          "n_features_in": int(estimator.n_features_in_)}
        arrays[f"{name}.coef"] = estimator.coef_
        arrays[f"{name}.intercept"] = estimator.intercept_
        arrays[f"{name}.n_iter"] = np.asarray(estimator.n_iter_)
    return settings, arrays


def _plain(params: dict) -> dict:
    """Parameters as JSON: tuples become lists (restored as tuples where they were)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


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
    if not isinstance(manifest, dict) or manifest.get("format") not in (FORMAT, PICKLE_FORMAT):
        raise ModelError(f"{directory}: manifest is not an {FORMAT} manifest; rebuild the "
                         f"model with `{REBUILD}`")
    return manifest


def verify(path: str | Path) -> dict[str, Any]:
    """Check every file's checksum against the manifest; return the manifest."""
    directory = Path(path)
    manifest = read_manifest(directory)
    files = manifest.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise ModelError(f"{directory}: the manifest's 'files' is not a table of names and "
                         f"checksums; the model directory is damaged, rebuild it with "
                         f"`{REBUILD}`")
    main = PICKLE_FILES[0] if manifest.get("format") == PICKLE_FORMAT else MODEL_FILE
    if main not in files:
        raise ModelError(f"{directory}: manifest lists no {main}; rebuild with "
                         f"`{REBUILD}`")
    for name, expected in files.items():
        if Path(name).name != name or name.startswith("."):
            raise ModelError(f"{directory}: the manifest names {name!r}, which is not a file "
                             "of this folder; the model directory is damaged")
        file = directory / name
        if not file.is_file():
            raise ModelError(f"{file}: missing; the model directory is incomplete, copy it "
                             f"again or rebuild with `{REBUILD}`")
        if sha256_of(file) != expected:
            raise ModelError(f"{file}: checksum does not match {MANIFEST}; the file was "
                             "changed after training, so it will not be loaded; restore it or "
                             f"rebuild with `{REBUILD}`")
    return manifest


#: Set by ``ehcp --trust-model``: the default of :func:`load`'s ``trust_model``.
TRUST_PICKLES = False


def load(path: str | Path | None = None, *, trust_model: bool | None = None):
    """Load a scorer after verifying its checksums and library versions.

    Parameters
    ----------
    path
        A model directory; the bundled model (``models/default``) when ``None``.
    trust_model
        Load a model of the first release's pickle format, which runs any code the files
        carry: only for a model you made or got from someone you trust. The safe format
        needs no trust.

    Raises
    ------
    ModelError
        Missing, damaged, tampered with, or pickled and not trusted.
    """
    if path is None and not (BUNDLED / MANIFEST).is_file():
        raise ModelError("the bundled model was not found (looked in "
                         + " and ".join(str(p) for p in BUNDLED_PLACES)
                         + "); pass a model directory with --model, or install from a clone")
    directory = Path(path) if path is not None else BUNDLED
    manifest = read_manifest(directory)
    if manifest.get("format") == PICKLE_FORMAT:
        return _load_pickled(directory, TRUST_PICKLES if trust_model is None else trust_model)
    manifest = verify(directory)
    try:
        scorer = _scorer_from_files(directory)
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{directory}: its files could not be read as a model "
                         f"({type(exc).__name__}); rebuild it with `{REBUILD}`") from None
    scorer.info = {**scorer.info, "path": str(directory), "manifest": manifest}
    scorer._estimators_loader = lambda: _estimators_from_files(directory, manifest)
    return scorer


def _scorer_from_files(directory: Path):
    """Rebuild a scorer from its data files; nothing is unpickled."""
    from ehcp_nlp.features import make_featurizer
    from ehcp_nlp.features.lexical import CharNgrams, LemmaNgrams
    from ehcp_nlp.model.linear import HeadSlice, StackedLinear
    from ehcp_nlp.model.scorer import Scorer

    model = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
    with np.load(directory / ARRAYS_FILE, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    lexical = model["lexical"]
    words_params = _params(lexical["words"]["params"])
    chars_params = _params(lexical["chars"]["params"])
    featurizer = make_featurizer(words_params["ngram_range"], chars_params["ngram_range"],
                                 words_params["min_df"])
    union = dict(featurizer.transformer_list)
    union["rules"].set_params(**_params(model["rules"])).fit(None)
    for name, kind in (("words", LemmaNgrams), ("chars", CharNgrams)):
        transformer = union[name]
        if not isinstance(transformer, kind) or lexical[name]["class"] != kind.__name__:
            raise ModelError(f"{directory}: {MODEL_FILE} describes an unknown {name} "
                             "transformer; rebuild it")
        transformer.set_params(**_params(lexical[name]["params"]))
        transformer.vocabulary_ = {term: i for i, term in enumerate(lexical[name]["terms"])}
        transformer.idf_ = np.asarray(arrays[f"{name}_idf"], dtype=np.float64)
        transformer._reset_cache()
    heads = [HeadSlice(h["name"], tuple(h["classes"]), bool(h["binary"]), int(h["start"]),
                       int(h["stop"]), float(h["temperature"])) for h in model["heads"]]
    names = model["components"]
    components = np.array([names[i] for i in arrays["component_of_column"]], dtype=object)
    linear = StackedLinear(arrays["coef"], arrays["intercept"], heads, components)
    return Scorer(featurizer, linear, None, model["info"])


def _estimators_from_files(directory: Path, manifest: dict) -> dict[str, Any]:
    """The per-head scikit-learn estimators, rebuilt from their arrays (checksums again)."""
    from sklearn.linear_model import LogisticRegression

    files = manifest["files"]
    for name in (ESTIMATORS_FILE, ESTIMATOR_ARRAYS_FILE):
        if sha256_of(directory / name) != files.get(name):
            raise ModelError(f"{directory / name}: checksum does not match {MANIFEST}; it "
                             f"will not be loaded; restore it or rebuild with `{REBUILD}`")
    settings = json.loads((directory / ESTIMATORS_FILE).read_text(encoding="utf-8"))
    out = {}
    with np.load(directory / ESTIMATOR_ARRAYS_FILE, allow_pickle=False) as archive:
        for name, setting in settings.items():
            if setting["class"] != "LogisticRegression":
                raise ModelError(f"{directory}: estimator {name!r} is a {setting['class']}, "
                                 "which this version cannot rebuild")
            params = {k: v for k, v in setting["params"].items()
                      if k in LogisticRegression().get_params()}
            estimator = LogisticRegression(**params)
            estimator.classes_ = np.asarray(setting["classes"], dtype=object)
            estimator.coef_ = archive[f"{name}.coef"]
            estimator.intercept_ = archive[f"{name}.intercept"]
            estimator.n_iter_ = archive[f"{name}.n_iter"]
            estimator.n_features_in_ = int(setting["n_features_in"])
            out[name] = estimator
    return out


def _params(params: dict) -> dict:
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in params.items()}


def _load_pickled(directory: Path, trust_model: bool):
    """A first-release (pickled) model: refused unless trusted, then loaded as before."""
    if not trust_model:
        raise ModelError(f"{directory}: is a model in the old pickle format, which runs any "
                         "code it carries when loaded; if you made it or trust who did, pass "
                         "--trust-model (or trust_model=True), or convert it once with `ehcp "
                         f"--trust-model upgrade-model {directory}`")
    import joblib

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
        scorer = joblib.load(directory / PICKLE_FILES[0])
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the same to a user
        raise ModelError(f"{directory / PICKLE_FILES[0]}: could not be loaded "
                         f"({type(exc).__name__}); rebuild it with `{REBUILD}`") from None
    scorer.info = {**scorer.info, "path": str(directory), "manifest": manifest}
    if PICKLE_FILES[1] in manifest["files"]:
        expected = manifest["files"][PICKLE_FILES[1]]

        def estimators():
            if sha256_of(directory / PICKLE_FILES[1]) != expected:
                raise ModelError(f"{directory / PICKLE_FILES[1]}: checksum does not match "
                                 f"{MANIFEST}; it will not be loaded")
            return joblib.load(directory / PICKLE_FILES[1])

        scorer._estimators_loader = estimators
    return scorer
