"""A damaged model file (issue #14): the server still starts and answers, precompute is a 503
promptgen_unavailable, and /health/deep names the file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from promptgen import Settings, models
from promptgen.server import create_app

pytestmark = pytest.mark.anyio


def damaged_copy(source: Path, target: Path) -> Path:
    """``target``, a copy of ``source`` with one byte in its middle changed."""
    raw = bytearray(source.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(raw))
    return target


async def assert_degraded(settings: Settings, names: str) -> None:
    """The app over ``settings`` is up, refuses precompute and names ``names`` in both answers."""
    app = create_app(settings=settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.get("/health")).json() == {"status": "ok"}
        config = await c.get("/api/config")
        assert config.status_code == 200 and config.json()["available"] is False
        answer = await c.post("/api/precompute", json={"text": "how do we deploy billing?"})
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "promptgen_unavailable"
        assert names in answer.json()["error"]["message"]
        deep = await c.get("/health/deep")
    assert deep.status_code == 503 and deep.json()["status"] == "unhealthy"
    assert deep.json()["checks"]["promptgen_import"] is False
    assert deep.json()["checks"]["server"] is True
    assert names in deep.json()["details"]["promptgen_import"]


@pytest.mark.parametrize(
    ("model", "file"),
    [("intent", "model.npz"), ("router", "model.npz"), ("embedding", "embeddings.npy")],
)
async def test_a_damaged_shipped_model_file_is_named_and_the_server_stays_up(
    model: str, file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The installed package's folder is read-only to tests: the damaged model is a copy of its
    # folder (the rest stay the shipped ones), which models.folder is pointed at.
    copy = tmp_path / "models" / model
    for entry in (models.ROOT / model).iterdir():
        if entry.is_file():
            (copy / entry.name).parent.mkdir(parents=True, exist_ok=True)
            (copy / entry.name).write_bytes(entry.read_bytes())
    damaged_copy(models.ROOT / model / file, copy / file)
    shipped = models.folder
    monkeypatch.setattr(models, "folder", lambda name: copy if name == model else shipped(name))
    settings = Settings(database_url=f"sqlite:///{tmp_path}/library.db")
    await assert_degraded(settings, f"models/{model}/{file} does not match its MANIFEST.json")


@pytest.mark.parametrize("model", ["intent", "router"])
async def test_a_damaged_model_given_by_path_is_named_and_the_server_stays_up(
    model: str, tmp_path: Path
) -> None:
    damaged = damaged_copy(models.ROOT / model / "model.npz", tmp_path / f"{model}.npz")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/library.db", **{f"{model}_model_path": damaged}
    )
    await assert_degraded(settings, f"cannot load the {model} model from {damaged}")
