"""The shipped models: one folder each under promptgen/models/, every file in its manifest,
checked on load; a damaged file fails with the model's own error, naming the file."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from promptgen import PromptGen, Settings, models
from promptgen.cost.routing import RouterModel
from promptgen.embed.embedder import Embedder
from promptgen.errors import (
    BackgroundInvalid,
    EmbedderUnavailable,
    GroundingModelInvalid,
    IntentModelInvalid,
    PromptGenError,
    RouterModelInvalid,
)
from promptgen.intent.classifier import IntentClassifier
from promptgen.library.background import Background
from promptgen.models import grounding
from promptgen.models.grounding import GroundingParams
from tests.conftest import REPO

NAMES = ("background", "embedding", "grounding", "intent", "router")
PROVENANCE = ("name", "what", "source", "licence", "built_by", "command")
LOADERS: dict[str, tuple[str, type[PromptGenError], Callable[[], object]]] = {
    "intent": ("model.npz", IntentModelInvalid, IntentClassifier.load),
    "router": ("model.npz", RouterModelInvalid, RouterModel.load),
    "embedding": ("embeddings.npy", EmbedderUnavailable, Embedder),
    "grounding": ("params.json", GroundingModelInvalid, grounding.shipped),
    "background": ("terms.npz", BackgroundInvalid, Background.load),
}


def test_every_shipped_model_has_a_manifest_of_all_its_files() -> None:
    root = REPO / "src" / "promptgen" / "models"
    assert sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "__pycache__") == [
        *NAMES
    ]
    for name in NAMES:
        manifest = json.loads((root / name / "MANIFEST.json").read_text(encoding="utf-8"))
        assert all(manifest.get(key) for key in PROVENANCE), name
        assert manifest["name"] == name
        files = {p.name for p in (root / name).iterdir() if p.is_file()}
        assert set(manifest["files"]) == files - {"MANIFEST.json", "__init__.py"}, name
        for file, entry in manifest["files"].items():
            raw = (root / name / file).read_bytes()
            assert entry == {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}


def test_no_model_files_outside_the_models_folder() -> None:
    package = REPO / "src" / "promptgen"
    stray = [
        p
        for pattern in ("*.npz", "*.npy", "*.jsonl", "*_params.py")
        for p in package.rglob(pattern)
        if "models" not in p.relative_to(package).parts
    ]
    assert not stray
    assert not (package / "intent" / "data").exists()


@pytest.fixture
def tampered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Make the shipped folders a copy in which one file is changed."""

    def tamper(name: str, file: str, *, truncate: bool = False) -> None:
        copy = tmp_path / "models"
        shutil.copytree(models.ROOT / name, copy / name)
        target = copy / name / file
        raw = bytearray(target.read_bytes())
        if truncate:
            del raw[len(raw) // 2 :]
        else:
            raw[len(raw) // 2] ^= 0x01
        target.write_bytes(bytes(raw))
        monkeypatch.setattr(models, "folder", lambda model: copy / model)

    grounding.shipped.cache_clear()
    yield tamper
    grounding.shipped.cache_clear()


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_a_changed_file_fails_its_model_s_load_naming_the_file(
    name: str, tampered: Callable[..., None]
) -> None:
    file, error, load = LOADERS[name]
    tampered(name, file)
    with pytest.raises(error, match=re.escape(f"models/{name}/{file} does not match its MANIFEST")):
        load()


def test_a_truncated_file_is_reported_by_its_size(tampered: Callable[..., None]) -> None:
    tampered("intent", "model.npz", truncate=True)
    with pytest.raises(IntentModelInvalid, match=r"models/intent/model\.npz .*bytes, expected"):
        IntentClassifier.load()


def test_a_missing_manifest_is_the_model_s_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(models.ROOT / "router", tmp_path / "router")
    (tmp_path / "router" / "MANIFEST.json").unlink()
    monkeypatch.setattr(models, "folder", lambda model: tmp_path / model)
    with pytest.raises(RouterModelInvalid, match=re.escape("models/router/MANIFEST.json")):
        RouterModel.load()


def test_grounding_parameters_are_one_data_file_and_the_threshold_s_one_source(
    engine: PromptGen,
) -> None:
    params = grounding.shipped()
    assert GroundingParams.from_json(params.to_json()) == params
    assert Settings().grounding_threshold is None  # None: the engine reads the shipped one
    assert engine.grounder.threshold == params.threshold
    assert set(params.fitted_on) == {"cranfield", "pubmedqa"}
    with pytest.raises(ValueError, match="missing"):
        GroundingParams.from_json('{"weights": {}}')
