"""Health, config, auth, rate limits, CORS, degradation and OpenAPI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from promptgen import Intent, PromptGen, Settings
from promptgen.intent.features import Features
from promptgen.server import create_app
from promptgen.stages import Vector
from tests.conftest import REPO

pytestmark = pytest.mark.anyio
CHECKS = {"promptgen_import", "promptgen_functional", "server", "database", "context_builder"}


async def test_health_and_deep_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    deep = (await client.get("/health/deep")).json()
    assert (
        deep["status"] == "healthy"
        and set(deep["checks"]) == CHECKS
        and all(deep["checks"].values())
    )
    assert deep["details"]["search_index"].startswith("current at generation")


class BrokenClassifier:
    """An intent model that fails on every draft (the Classifier Protocol)."""

    def classify(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> Intent:
        raise RuntimeError("intent model broken (test)")

    def fingerprint(self) -> str:
        return "broken"


async def test_the_canary_runs_the_engine_every_time(
    make_client: Callable[..., httpx.AsyncClient], engine: PromptGen
) -> None:
    # Issue #14, defect 6: after its first call the canary was answered from the answer
    # cache, so an engine that broke later stayed "healthy".
    engine.ingest([REPO / "docs"])
    async with make_client(engine=engine) as c:
        for _ in range(2):
            assert (await c.get("/health/deep")).json()["status"] == "healthy"
        engine.classifier = BrokenClassifier()
        broken = await c.get("/health/deep")
    assert broken.status_code == 503 and broken.json()["checks"]["promptgen_functional"] is False
    assert "intent model broken" in broken.json()["details"]["promptgen_functional"]


async def test_empty_library_is_still_healthy(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    async with make_client(empty=True) as c:
        response = await c.get("/health/deep")
    deep = response.json()
    assert response.status_code == 200 and deep["status"] == "healthy"
    assert (
        deep["checks"]["context_builder"] is False and "empty" in deep["details"]["context_builder"]
    )


async def test_engine_that_cannot_be_built_degrades(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database" * 100)
    app = create_app(settings=Settings(database_url=f"sqlite:///{damaged}"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/health")).status_code == 200
        deep = await c.get("/health/deep")
        assert deep.status_code == 503 and deep.json()["status"] == "unhealthy"
        assert deep.json()["checks"]["promptgen_import"] is False
        assert "move it aside" in deep.json()["details"]["promptgen_import"]
        response = await c.post("/api/precompute", json={"text": "hello"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "promptgen_unavailable"
        config = await c.get("/api/config")
        assert config.status_code == 200 and config.json()["library"] == "default"


async def test_config_and_feature_flag(make_client, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as c:
        config = (await c.get("/api/config")).json()
    assert config["typing_intelligence"] is True and config["debounce_ms"] == 250
    assert config["library"] == "default"
    monkeypatch.setenv("FEATURE_TYPING_INTELLIGENCE", "false")
    async with make_client() as c:
        assert (await c.get("/api/config")).json()["typing_intelligence"] is False


async def test_config_names_the_library_a_request_without_one_uses(
    make_client: Callable[..., httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMPTGEN_LIBRARY", "team-b")
    async with make_client(empty=True) as c:
        config = (await c.get("/api/config")).json()
        files = {"files": ("notes.md", b"# Notes\n\nThe quokkafish migrates.\n", "text/markdown")}
        assert (await c.post("/api/library/documents", files=files)).status_code == 200
        by_name = (
            await c.get("/api/library/documents", params={"library": config["library"]})
        ).json()
    assert config["library"] == "team-b"
    assert [d["source"] for d in by_name["documents"]] == ["notes.md"]
    assert by_name["documents"][0]["library"] == "team-b"


async def test_api_keys(make_client: Callable[..., httpx.AsyncClient]) -> None:
    async with make_client(api_keys="k1,k2") as c:
        missing = await c.post("/api/precompute", json={"text": "hello"})
        wrong = await c.post(
            "/api/precompute", json={"text": "hello"}, headers={"Authorization": "Bearer nope"}
        )
        right = await c.post(
            "/api/precompute", json={"text": "hello"}, headers={"Authorization": "Bearer k2"}
        )
        library = await c.get("/api/library/search", params={"q": "library"})
        assert (await c.get("/health")).status_code == 200
        assert (await c.get("/metrics")).status_code == 200
    assert missing.status_code == wrong.status_code == library.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200


async def test_rate_limit_per_key(make_client: Callable[..., httpx.AsyncClient]) -> None:
    # The per-process token bucket (the shared window is tests/server/test_ratelimit.py's).
    async with make_client(rate_limit_per_minute=2, rate_limit_shared=False) as c:
        statuses = [
            (await c.post("/api/precompute", json={"text": "hello"})).status_code for _ in range(3)
        ]
        limited = await c.post("/api/precompute", json={"text": "hello"})
    assert statuses == [200, 200, 429]
    assert (
        limited.json()["error"]["code"] == "rate_limited"
        and int(limited.headers["retry-after"]) >= 1
    )


async def test_cors_is_off_by_default_and_configurable(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    headers = {"Origin": "https://chat.example", "Access-Control-Request-Method": "POST"}
    async with make_client() as c:
        assert (
            "access-control-allow-origin"
            not in (await c.options("/api/precompute", headers=headers)).headers
        )
    async with make_client(cors_origins="https://chat.example") as c:
        allowed = await c.options("/api/precompute", headers=headers)
        metrics = (await c.get("/metrics")).text
    assert allowed.headers["access-control-allow-origin"] == "https://chat.example"
    # A preflight is not a precompute: it was counted as a failed one.
    assert 'precompute_errors_total{code="error"}' not in metrics


async def test_openapi_documents_models_and_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert {"PrecomputeRequest", "PrecomputeResponse", "ErrorBody", "DeepHealthOut"} <= set(schemas)
    responses = spec["paths"]["/api/precompute"]["post"]["responses"]
    assert {"200", "400", "401", "413", "422", "429", "503"} <= set(responses)
    assert (await client.get("/docs")).status_code == 200


async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_a_wrong_method_says_which_are_allowed(client: httpx.AsyncClient) -> None:
    # Issue #14, defect 5: 405 answers came without the Allow header RFC 9110 requires.
    response = await client.put("/api/precompute", json={"text": "hello"})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"
    deleted = await client.get("/api/library/documents/1")
    assert deleted.status_code == 405 and deleted.headers["allow"] == "DELETE"


async def test_ids_and_offsets_past_64_bits_are_invalid_input(client: httpx.AsyncClient) -> None:
    too_big = 2**63
    deleted = await client.delete(f"/api/library/documents/{too_big}")
    listed = await client.get("/api/library/documents", params={"offset": too_big})
    for response in (deleted, listed):  # both reached the database and answered 500
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_input"
