"""The OpenAPI document, exported byte for byte as committed in ``web/openapi.json``.

``make types`` writes it (scripts/export_openapi.py) and generates ``web/src/api/schema.d.ts``
from it; ``make types-check`` and tests/server/test_openapi_current.py fail when either is stale.
"""

from __future__ import annotations

import json
from typing import Any

from promptgen.server.app import create_app
from promptgen.settings import Settings


def openapi_document() -> dict[str, Any]:
    """``app.openapi()`` of an app without an engine: no Library, database or models needed."""
    return create_app(settings=Settings(), build_engine=False).openapi()


def openapi_json() -> str:
    """The document as sorted, indented JSON with a final newline: the same bytes every run."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
