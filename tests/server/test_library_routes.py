"""Library endpoints: upload with the same parsers, list, search, delete."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_upload_list_search_delete(make_client: Callable[..., httpx.AsyncClient]) -> None:
    async with make_client(empty=True) as c:
        files = [
            (
                "files",
                (
                    "runbook.md",
                    b"# Runbook\n\nRestart the ingestion worker with systemctl.",
                    "text/markdown",
                ),
            ),
            ("files", ("broken.json", b"{nope", "application/json")),
            ("files", ("../../escape.txt", b"Quarterly planning happens in March.", "text/plain")),
        ]
        uploaded = await c.post("/api/library/documents", files=files)
        report = uploaded.json()
        assert uploaded.status_code == 200
        assert report["added"] == 2 and [f["file"] for f in report["failed"]] == ["broken.json"]
        listing = (await c.get("/api/library/documents")).json()
        assert listing["total"] == 2
        second = (await c.get("/api/library/documents", params={"limit": 1, "offset": 1})).json()
        assert second["total"] == 2 and second["documents"] == listing["documents"][1:]
        # Named by file name: where the server keeps uploads is not the client's business.
        assert {d["source"] for d in listing["documents"]} == {"runbook.md", "escape.txt"}
        hits = (
            await c.get("/api/library/search", params={"q": "restart ingestion worker"})
        ).json()["hits"]
        assert hits[0]["source"] == "runbook.md" and hits[0]["score"] > 0.5
        again = (await c.post("/api/library/documents", files=files[:1])).json()
        assert again["unchanged"] == 1 and again["added"] == 0
        doc_id = listing["documents"][0]["id"]
        assert (await c.delete(f"/api/library/documents/{doc_id}")).json() == {"deleted": doc_id}
        missing = await c.delete(f"/api/library/documents/{doc_id}")
        assert (
            missing.status_code == 404 and missing.json()["error"]["code"] == "document_not_found"
        )
        assert (await c.get("/api/library/documents")).json()["total"] == 1


async def test_search_validates_its_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/library/search", params={"q": "", "k": 500})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
