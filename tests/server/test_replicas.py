"""Two `promptgen serve` replicas over one PostgreSQL Library: writes on one are read on the other."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.serving import serve

pytest_plugins = ["tests.pg"]

RUNBOOK = b"""# Billing rollback runbook

## Rolling back a billing release

To roll back a billing release, switch the load balancer back to the previous colour,
drain the new pool, and confirm the ledger reconciliation job is green before paging finance.
"""
DRAFT = "how do we roll back a billing release and drain the new pool?"


def precompute(url: str) -> dict[str, object]:
    """The JSON result of one precompute of DRAFT."""
    response = httpx.post(f"{url}/api/precompute", json={"text": DRAFT}, timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_an_upload_on_one_replica_grounds_drafts_on_the_other(
    tmp_path: Path, postgres_url: str
) -> None:
    shared = {"PROMPTGEN_DATABASE_URL": postgres_url}
    with serve(tmp_path, PROMPTGEN_UPLOAD_DIR=str(tmp_path / "b-uploads"), **shared) as b:
        assert precompute(b.url)["grounded"] is False  # empty Library: refused
        with serve(tmp_path, PROMPTGEN_UPLOAD_DIR=str(tmp_path / "a-uploads"), **shared) as a:
            uploaded = httpx.post(
                f"{a.url}/api/library/documents",
                files={"files": ("billing-rollback.md", RUNBOOK, "text/markdown")},
                timeout=30,
            )
            assert uploaded.status_code == 200, uploaded.text
            assert uploaded.json()["added"] == 1
            result = precompute(b.url)
            assert result["grounded"] is True
            context = result["context"]
            assert isinstance(context, list) and "billing-rollback.md" in context[0]["source"]
        # A has stopped; B keeps serving from the shared Library.
        assert precompute(b.url)["grounded"] is True
        listed = httpx.get(f"{b.url}/api/library/documents").json()
        assert [d["title"] for d in listed["documents"]] == ["Billing rollback runbook"]
        deep = httpx.get(f"{b.url}/health/deep", timeout=30).json()
        assert deep["status"] == "healthy" and deep["checks"]["database"] is True
