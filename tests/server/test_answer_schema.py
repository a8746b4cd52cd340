"""Every kind of precompute answer, as the HTTP route sends it, validates against the one schema.

The schema is ``wire.PrecomputeResponse`` (the route's ``response_model`` and the source of
``web/openapi.json``); validation forbids fields it does not declare, so an answer that grew a
field outside the schema, or lost one, fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ConfigDict, ValidationError

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from promptgen.types import REFUSAL_CODES
from promptgen.wire import PrecomputeResponse
from tests.conftest import REPO
from tests.fakes import DownLibrary

pytestmark = pytest.mark.anyio


class StrictResponse(PrecomputeResponse):
    """The published schema with unknown top-level fields refused (``check``'s round trip
    catches nested ones: they would be dropped)."""

    model_config = ConfigDict(extra="forbid")


def check(body: dict[str, Any]) -> PrecomputeResponse:
    """``body`` parsed by the schema, which must give back exactly ``body``."""
    parsed = StrictResponse.model_validate(body)
    assert parsed.model_dump(mode="json") == body
    return parsed


async def answer(client: httpx.AsyncClient, text: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/precompute", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_every_kind_of_answer_fits_the_schema(
    make_client: Callable[..., httpx.AsyncClient],
    tmp_path: Any,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    codes: set[str] = set()
    async with make_client() as demo:
        grounded = check(await answer(demo, "how is the grounding threshold fitted?"))
        assert grounded.grounded and grounded.context and not grounded.cached
        assert grounded.model.strong_benefit is not None
        again = check(await answer(demo, "how is the grounding threshold fitted?"))
        assert again.cached and again.timings_ms.total >= 0
        requested = check(
            await answer(
                demo,
                "how is the grounding threshold fitted?",
                options={"model": catalog.get("gpt-5-mini").id, "max_context": 1},
            )
        )
        assert requested.model.strong_benefit is None and len(requested.context) <= 1
        budgeted = check(await answer(demo, "summarize the Library", options={"budget_usd": 1}))
        for text in ("random unindexed query", "hi", "??? !!!"):
            refused = check(await answer(demo, text))
            assert not refused.grounded and refused.refusal is not None
            assert refused.optimized_prompt is None and refused.context == []
            codes.add(refused.refusal.code)
        assert budgeted.model.estimated_cost_usd <= 1
    nothing = PromptGen(
        Settings(database_url=f"sqlite:///{tmp_path}/empty.db"),
        classifier=classifier,
        catalog=catalog,
        tokenizer=tokenizer,
    )
    async with make_client(engine=nothing) as empty:
        refusal = check(await answer(empty, "how do we roll back a release?")).refusal
        assert refusal is not None
        codes.add(refusal.code)
    down = PromptGen(
        Settings(database_url=f"sqlite:///{tmp_path}/down.db"),
        classifier=classifier,
        catalog=catalog,
        tokenizer=tokenizer,
        retriever=DownLibrary("connection refused (test)"),
    )
    async with make_client(engine=down) as unreachable:
        refusal = check(await answer(unreachable, "how do we roll back a release?")).refusal
        assert refusal is not None
        codes.add(refusal.code)
    down.close()
    nothing.close()
    assert codes == set(REFUSAL_CODES)  # every refusal code was seen and fits


def test_the_check_refuses_an_answer_outside_the_schema() -> None:
    body = {"request_id": "x", "version": "0", "surprise": True}
    with pytest.raises(ValidationError):
        check(body)


def test_the_documented_example_fits_the_schema() -> None:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## The precompute response", 1)[1]
    example = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    check(example)
