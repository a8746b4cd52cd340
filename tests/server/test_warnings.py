"""The answer carries the draft's warnings (safety.py) over HTTP, never the values."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

AWS = "AKIAQ3EGUOZB7XK5M2PD"


@pytest.mark.anyio
async def test_the_answer_carries_warnings_over_http(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    text = f"Why does boto3 reject {AWS}? Reply to anna.kowalski@acme-logistics.de."
    async with make_client() as client:
        body = (await client.post("/api/precompute", json={"text": text})).json()
    warnings = body["warnings"]
    assert [(w["kind"], w["category"]) for w in warnings] == [
        ("aws-access-key", "secret"),
        ("email", "personal"),
    ]
    assert text[warnings[0]["start"] : warnings[0]["end"]] == AWS
    assert AWS not in json.dumps(warnings)
