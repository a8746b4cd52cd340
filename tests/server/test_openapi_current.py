"""The committed OpenAPI document (web/openapi.json, the web client's types' source) is current."""

from __future__ import annotations

import json

from promptgen.server.openapi import openapi_json
from tests.conftest import REPO

COMMITTED = REPO / "web" / "openapi.json"


def test_committed_openapi_document_matches_a_fresh_export() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi_json(), (
        "web types are stale: run make types"
    )


def test_the_export_is_byte_stable() -> None:
    assert openapi_json() == openapi_json()


def test_the_export_documents_the_precompute_answer() -> None:
    schemas = json.loads(openapi_json())["components"]["schemas"]
    answer = schemas["PrecomputeResponse"]
    assert "cached" in answer["required"]
    assert set(schemas["TimingsOut"]["required"]) == {
        "intent",
        "retrieve",
        "ground",
        "optimize",
        "cost",
        "total",
    }
