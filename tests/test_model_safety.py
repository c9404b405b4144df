"""A model is data: loading one never runs code it carries, whatever its files say."""

import hashlib
import json
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

from ehcp_nlp.model import persist
from ehcp_nlp.model.persist import MANIFEST, ModelError, load, save


class Payload:
    """Unpickling this writes a marker file: proof that a load ran the model's code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def rewrite_checksums(directory):
    """What an attacker does: make the manifest agree with the files they changed."""
    manifest = json.loads((directory / MANIFEST).read_text())
    manifest["files"] = {name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
                         for name in manifest["files"]}
    (directory / MANIFEST).write_text(json.dumps(manifest))


def test_the_bundled_model_is_data():
    files = set(json.loads((persist.BUNDLED / MANIFEST).read_text())["files"])
    assert files == {"model.json", "model.npz", "estimators.json", "estimators.npz",
                     "MODEL_CARD.md"}
    assert not list(persist.BUNDLED.glob("*.joblib")) and not list(persist.BUNDLED.glob("*.pkl"))


def test_a_crafted_model_runs_nothing(small_scorer, tmp_path):
    marker = tmp_path / "ran"
    directory = save(small_scorer, tmp_path / "m")
    # object arrays in the arrays file: np.load refuses them (allow_pickle=False)
    with open(directory / "model.npz", "wb") as fh:
        np.savez(fh, coef=np.array([Payload(marker)], dtype=object))
    rewrite_checksums(directory)
    with pytest.raises(ModelError, match="could not be read as a model"):
        load(directory)
    # a pickle where the JSON should be
    (directory / "model.json").write_bytes(pickle.dumps(Payload(marker)))
    rewrite_checksums(directory)
    with pytest.raises(ModelError):
        load(directory)
    assert not marker.exists()


def test_an_old_pickled_model_needs_trust(small_scorer, tmp_path):
    import joblib

    marker = tmp_path / "ran"
    directory = tmp_path / "old"
    directory.mkdir()
    joblib.dump(Payload(marker), directory / "model.joblib")
    (directory / MANIFEST).write_text(json.dumps({
        "format": persist.PICKLE_FORMAT, "versions": {},
        "files": {"model.joblib": hashlib.sha256(
            (directory / "model.joblib").read_bytes()).hexdigest()}}))
    with pytest.raises(ModelError, match="old pickle format"):
        load(directory)
    assert not marker.exists()
    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", "score", "x", "--model",
                          str(directory)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "--trust-model" in run.stderr and not marker.exists()


def test_a_trusted_pickled_model_is_upgraded_to_data(small_scorer, tmp_path):
    import joblib

    directory = small_scorer.save(tmp_path / "m")
    # the same model as the first release saved it
    old = tmp_path / "old"
    old.mkdir()
    joblib.dump(small_scorer, old / "model.joblib", compress=3)
    joblib.dump(small_scorer.estimators, old / "estimators.joblib", compress=3)
    shutil.copy(directory / "MODEL_CARD.md", old / "MODEL_CARD.md")
    manifest = json.loads((directory / MANIFEST).read_text())
    manifest["format"] = persist.PICKLE_FORMAT
    manifest["files"] = {"model.joblib": "", "estimators.joblib": "", "MODEL_CARD.md": ""}
    (old / MANIFEST).write_text(json.dumps(manifest))
    rewrite_checksums(old)
    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", "--trust-model", "upgrade-model",
                          str(old)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert not list(old.glob("*.joblib"))
    upgraded = load(old)
    texts = ["Kai will read 20 words by July 2027.", "Access to a quiet space."]
    assert [r.to_dict() for r in upgraded.score_many(texts, explain=True)] == \
        [r.to_dict() for r in small_scorer.score_many(texts, explain=True)]


def test_saving_twice_gives_the_same_bytes(small_scorer, tmp_path):
    a, b = save(small_scorer, tmp_path / "a"), save(small_scorer, tmp_path / "b")
    for name in ("model.json", "model.npz", "estimators.json", "estimators.npz"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
