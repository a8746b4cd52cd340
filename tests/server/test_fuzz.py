"""Fuzzing: schemathesis generates requests from /openapi.json and checks every answer.

A bounded slice runs with the suite (fixed seed FUZZ_SEED, at most FUZZ_EXAMPLES cases per
operation and mode, 50 by default: about 500 cases); ``make fuzz`` runs the long one, about
100,000 (docs/operations.md, "Fuzzing"). Every answer must be no 5xx, a documented status code
and content type, a body that matches its documented schema, and, for every 4xx, the error body
with a code that its status documents. The app is the real one over a SQLite Library in a
temporary folder (uploads and index there too), rate limiting off.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from promptgen import PromptGen, Settings, errors
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.intent.classifier import IntentClassifier
from promptgen.server import create_app
from promptgen.server.errors import _HTTP_CODES
from tests.conftest import REPO

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
SEED = int(os.environ.get("FUZZ_SEED", "20261126"))

# Every code an error body may carry: PromptGen's exceptions, the HTTP layer's, the validator's.
KNOWN_CODES = frozenset(
    {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.PromptGenError)
    }
    | set(_HTTP_CODES.values())
    | {"malformed_json"}
)
# The codes of a request the schema should have refused: never the answer to one it allows.
SCHEMA_CODES = frozenset({"invalid_input", "malformed_json"})


class ErrorShape(Failure):
    """A 4xx that is not the documented error body, or whose code its status does not list."""

    code = "PG001"
    checks = ("error_shape",)
    kind_title = "Error body not in the documented shape"


class ValidRequestRejected(Failure):
    """A request the schema allows, refused as malformed or invalid input."""

    code = "PG002"
    checks = ("valid_request_accepted",)
    kind_title = "Schema-valid request rejected as invalid"


def _documented_codes(case: Case, status: int) -> set[str]:
    """The error codes that the operation's description of ``status`` names."""
    responses = case.operation.definition.raw.get("responses", {})
    text = responses.get(str(status), {}).get("description", "")
    return set(re.findall(r"[a-z_]+", text)) & KNOWN_CODES


def _error(response: Response) -> dict[str, Any]:
    body = response.json()
    return body["error"] if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}


def error_shape(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx is ``{"error": {"code", "message", "request_id"}}`` with a code its status lists."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    error = _error(response)
    problem = None
    if set(body) != {"error"} or set(error) != {"code", "message", "request_id"}:
        problem = "the body is not {'error': {'code', 'message', 'request_id'}}"
    elif error["code"] not in _documented_codes(case, response.status_code):
        problem = f"code {error['code']!r} is not among those documented for {response.status_code}"
    elif [error["request_id"]] != response.headers.get("x-request-id"):
        problem = "the error's request_id is not the X-Request-ID header"
    if problem:
        raise ErrorShape(operation=case.operation.label, message=f"{problem}: {body}")
    return True


def valid_request_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A schema-valid request may fail for a documented reason (empty_text, budget_exceeded, an
    unknown document...), never as invalid input: the schema and the validator must agree.

    Schemathesis' own positive_data_acceptance refuses every 400, 413 and 422, and so the
    documented answers that no schema can foresee (a draft of blanks, a budget below the
    cheapest model); this refuses exactly the validator's codes.
    """
    code = _error(response).get("code") if 400 <= response.status_code < 500 else None
    if code in SCHEMA_CODES:
        raise ValidRequestRejected(
            operation=case.operation.label,
            message=f"[{response.status_code}] {response.text}",
        )
    return True


COMMON_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_shape,
]
CHECKS = {
    GenerationMode.POSITIVE: [*COMMON_CHECKS, valid_request_accepted],
    GenerationMode.NEGATIVE: [*COMMON_CHECKS, negative_data_rejection],
}
# A multipart file is bytes: a "negative" file (the item typed null or integer) is sent as the
# bytes "null" or "123", a valid file. Its negative cases keep every other check.
BYTES_ONLY = {("POST", "/api/library/documents")}


@pytest.fixture(scope="module")
def fuzz_app(
    tmp_path_factory: pytest.TempPathFactory,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> Iterator[object]:
    """The real app over the demo Library in a temporary SQLite file; rate limiting off."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        database_url=f"sqlite:///{root}/library.db",
        upload_dir=root / "uploads",
        index_dir=root / "index",
        web_dir=root / "no-web",
        rate_limit_per_minute=0,
    )
    engine = PromptGen(config, classifier=classifier, catalog=catalog, tokenizer=tokenizer)
    engine.ingest([REPO / "docs"])
    yield create_app(engine, config)
    engine.close()


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: object) -> BaseSchema:
    # Unknown query parameters are ignored, as HTTP APIs do, not refused: no case sends any (this
    # also stops negating a body's additionalProperties: test_precompute covers extra fields).
    config = SchemathesisConfig.from_dict({"generation": {"allow-extra-parameters": False}})
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app, config=config)


# The operations of the committed document (tests/server/test_openapi_current.py keeps it
# current), each with positive cases and, where it takes any input, negative ones.
_PATHS = json.loads((REPO / "web" / "openapi.json").read_text())["paths"]
RUNS = [
    pytest.param(method.upper(), path, mode, id=f"{method.upper()} {path} {mode.value}")
    for path, item in _PATHS.items()
    for method, spec in item.items()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or spec.get("parameters") or spec.get("requestBody")
]


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_operation(
    fuzz_schema: BaseSchema,
    method: str,
    path: str,
    mode: GenerationMode,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No 5xx, documented status codes, content types and bodies; 4xx in the error shape."""
    operation = fuzz_schema[path][method]
    checks = CHECKS[mode]
    if mode is GenerationMode.NEGATIVE and (method, path) in BYTES_ONLY:
        checks = [check for check in checks if check is not negative_data_rejection]

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def fuzz(case: Case) -> None:
        cases.append(1)
        case.call_and_validate(checks=checks)

    cases: list[int] = []
    fuzz()
    if "FUZZ_EXAMPLES" in os.environ:  # a long run says how many cases it sent
        with capsys.disabled():
            print(f" {len(cases)} cases", end=" ")  # then PASSED, after the test's id


_MULTIPART = "multipart/form-data; boundary=b"


# What the fuzzing found, pinned: each was an answer the schema did not describe.
@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "url", "request_args", "status", "code"),
    [
        # An empty file list: the schema allowed it (no minItems), the route refused it.
        ("POST", "/api/library/documents", {"files": {}, "data": {"x": "1"}}, 422, "invalid_input"),
        # A body FastAPI cannot parse was the undocumented code http_error.
        (
            "POST",
            "/api/library/documents",
            {"content": b"--b\r\nFalse--b--\r\n", "headers": {"content-type": _MULTIPART}},
            400,
            "malformed_body",
        ),
        (
            "POST",
            "/api/precompute",
            {"content": b'{"text": "\xff\xfe"}', "headers": {"content-type": "application/json"}},
            400,
            "malformed_body",
        ),
        # Lax coercion took what the schema's types refuse.
        (
            "POST",
            "/api/precompute",
            {"json": {"text": "hi", "options": {"budget_usd": True}}},
            422,
            "invalid_input",
        ),
        (
            "POST",
            "/api/precompute",
            {"json": {"text": "hi", "options": {"max_context": "5"}}},
            422,
            "invalid_input",
        ),
        ("POST", "/api/precompute", {"json": {"text": "hi", "library": 5}}, 422, "invalid_input"),
        # JSON Schema's \w is ASCII: a Unicode Library name matched Python's and not the schema's.
        ("GET", "/api/library/documents?library=%C3%91", {}, 422, "invalid_input"),
        ("POST", "/api/precompute", {"json": {"text": "hi", "library": "Ñ"}}, 422, "invalid_input"),
        # A budget the schema allows, below every model: the documented 422, not an invalid input.
        (
            "POST",
            "/api/precompute",
            {"json": {"text": "hi", "options": {"budget_usd": 1.6e-293}}},
            422,
            "budget_exceeded",
        ),
        ("DELETE", "/api/library/documents/999999", {}, 404, "document_not_found"),
    ],
)
async def test_found_by_fuzzing(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    request_args: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = await client.request(method, url, **request_args)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    path = url.split("?")[0].replace("999999", "{document_id}")
    documented = _PATHS[path][method.lower()]["responses"]
    assert code in documented[str(status)]["description"]


@pytest.mark.anyio
async def test_whole_number_is_an_integer(client: httpx.AsyncClient) -> None:
    """38.0 is a JSON Schema integer: strict mode must still take it."""
    body = {"text": "library integration context", "options": {"max_context": 1.0}}
    response = await client.post("/api/precompute", json=body)
    assert response.status_code == 200 and len(response.json()["context"]) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("path", list(_PATHS))
async def test_other_methods_are_405_with_allow(client: httpx.AsyncClient, path: str) -> None:
    """What schemathesis' unsupported-method check sends: every path, a method it does not take."""
    url = path.replace("{document_id}", "1")
    documented = {method.upper() for method in _PATHS[path]}
    method = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in documented)
    response = await client.request(method, url)
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert set(response.headers["allow"].split(", ")) == documented
