"""POST /api/precompute: the spec's drafts, the error codes, metrics that move."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from promptgen.intent.features import Features
from promptgen.stages import Vector
from promptgen.types import Intent

pytestmark = pytest.mark.anyio


async def test_spec_drafts(client: httpx.AsyncClient) -> None:
    grounded = (
        await client.post("/api/precompute", json={"text": "library integration context"})
    ).json()
    assert grounded["grounded"] and grounded["context"] and grounded["optimized_prompt"]
    refused = (await client.post("/api/precompute", json={"text": "random unindexed query"})).json()
    assert not refused["grounded"] and refused["optimized_prompt"] is None
    assert refused["refusal"]["code"] == "no_grounding"
    code = (await client.post("/api/precompute", json={"text": "implement authentication"})).json()
    assert code["intent"]["label"] == "code"


async def test_options_and_request_id(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/precompute",
        json={
            "text": "library integration context",
            "options": {"max_context": 1, "model": "gpt-5.1"},
        },
        headers={"X-Request-ID": "abc-123"},
    )
    body = response.json()
    assert response.headers["x-request-id"] == "abc-123" and body["request_id"] == "abc-123"
    assert len(body["context"]) == 1 and body["model"]["id"] == "gpt-5.1"


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        ('{"text":', 400, "malformed_json"),
        ('{"text": ""}', 400, "empty_text"),
        ('{"text": "   "}', 400, "empty_text"),
        # A lone surrogate is valid JSON but not Unicode text (it was a 500).
        ('{"text": "\\ud800 library integration"}', 400, "invalid_text"),
        ('{"text": "ok \\udfff"}', 400, "invalid_text"),
        ('{"text": 42}', 422, "invalid_input"),
        ('{"txt": "hello"}', 422, "invalid_input"),
        ('{"text": "hi", "options": {"max_context": 0}}', 422, "invalid_input"),
        ('{"text": "' + "x" * 20_001 + '"}', 413, "text_too_long"),
        ('{"text": "hello", "options": {"model": "gpt-99"}}', 404, "unknown_model"),
        ('{"text": "hello", "options": {"budget_usd": 1e-12}}', 422, "budget_exceeded"),
        # Python's JSON reads these as floats: no budget is infinite or not a number.
        ('{"text": "hello", "options": {"budget_usd": Infinity}}', 422, "invalid_input"),
        ('{"text": "hello", "options": {"budget_usd": NaN}}', 422, "invalid_input"),
        ('{"text": "hello", "options": {"budget_usd": 1e999}}', 422, "invalid_input"),
    ],
)
async def test_bad_requests_get_their_own_code(
    client: httpx.AsyncClient, content: str, status: int, code: str
) -> None:
    response = await client.post(
        "/api/precompute", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert (
        error["code"] == code
        and error["message"]
        and error["request_id"] == response.headers["x-request-id"]
    )


async def test_body_over_the_limit_is_413(make_client: Callable[..., httpx.AsyncClient]) -> None:
    async with make_client(max_body_bytes=2048) as small:
        response = await small.post("/api/precompute", json={"text": "word " * 1000})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def _sample(metrics: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith(name)
    )


async def test_metrics_move_with_requests(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    await client.post("/api/precompute", json={"text": "library integration context"})
    await client.post("/api/precompute", json={"text": "random unindexed query"})
    await client.post("/api/precompute", json={"text": ""})
    after = (await client.get("/metrics")).text
    assert (
        _sample(after, "precompute_requests_total") - _sample(before, "precompute_requests_total")
        == 3
    )
    assert (
        _sample(after, "precompute_grounded_total") - _sample(before, "precompute_grounded_total")
        == 1
    )
    assert (
        _sample(after, "precompute_refusals_total") - _sample(before, "precompute_refusals_total")
        == 1
    )
    assert _sample(after, 'precompute_errors_total{code="empty_text"}') == 1
    assert _sample(after, "precompute_latency_seconds_count") == 3
    assert _sample(after, "precompute_confidence_count") == 2
    assert 'le="0.001"' in after  # the latency histogram resolves a millisecond


class ExplodingClassifier:
    """A classifier that crashes, to prove one bad request does not take the server down."""

    def classify(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> Intent:
        raise RuntimeError("boom")

    def fingerprint(self) -> str:
        return "exploding"


async def test_an_exception_is_a_500_and_is_counted(
    make_client, settings, catalog, tokenizer
) -> None:  # type: ignore[no-untyped-def]
    from promptgen import PromptGen

    engine = PromptGen(
        settings, classifier=ExplodingClassifier(), catalog=catalog, tokenizer=tokenizer
    )
    async with make_client(engine=engine) as broken:
        response = await broken.post("/api/precompute", json={"text": "hello"})
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal" and "boom" not in response.text
        assert (await broken.get("/health")).status_code == 200
        metrics = (await broken.get("/metrics")).text
    assert _sample(metrics, 'precompute_errors_total{code="internal"}') == 1
