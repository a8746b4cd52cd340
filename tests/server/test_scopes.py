"""Per-key Library scopes (issue #14, defect 7): every endpoint, every scope, nothing leaked.

Before, any valid key could read, search, upload to and delete from every Library.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from promptgen.cli import app as cli
from promptgen.errors import Unauthorized
from promptgen.keys import KeyFile
from promptgen.server.security import Keyring

pytestmark = pytest.mark.anyio
DRAFT = {"text": "how is the grounding threshold fitted?"}
KEYS = {
    "read": ("read", ["default"]),
    "ingest": ("ingest", ["default"]),
    "admin": ("admin", ["default"]),
    "ops_admin": ("admin", ["ops"]),
    "read_everywhere": ("read", ["*"]),
}


@pytest.fixture
def secrets_file(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A keys file holding one key of each kind, and their secrets by kind."""
    path = tmp_path / "keys.json"
    made = {}
    for kind, (scope, libraries) in KEYS.items():
        made[kind] = KeyFile(path).create(name=kind, scope=scope, libraries=libraries)[1]
    return path, made


@pytest.fixture
async def scoped(
    make_client: Callable[..., httpx.AsyncClient],
    secrets_file: tuple[Path, dict[str, str]],
    notes: Path,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, dict[str, str]]]]:
    """A client over the demo Library ("default") plus an "ops" Library, with keys on."""
    path, made = secrets_file
    async with make_client(api_keys_file=path) as client:
        headers = {kind: {"Authorization": f"Bearer {secret}"} for kind, secret in made.items()}
        uploaded = await client.post(
            "/api/library/documents",
            params={"library": "ops"},
            files=[("files", ("oncall.txt", (notes / "oncall.txt").read_bytes(), "text/plain"))],
            headers=headers["ops_admin"],
        )
        assert uploaded.status_code == 200 and uploaded.json()["added"] == 1
        yield client, headers


def code(response: httpx.Response) -> str:
    body: dict[str, Any] = response.json()
    return str(body["error"]["code"]) if "error" in body else "ok"


async def test_precompute_needs_a_key_for_its_library(scoped: Any) -> None:
    client, headers = scoped
    assert (await client.post("/api/precompute", json=DRAFT)).status_code == 401
    for kind in ("read", "ingest", "admin", "read_everywhere"):
        assert (await client.post("/api/precompute", json=DRAFT, headers=headers[kind])).is_success
    refused = await client.post("/api/precompute", json=DRAFT, headers=headers["ops_admin"])
    assert refused.status_code == 403 and code(refused) == "forbidden"
    ops = {**DRAFT, "library": "ops"}
    assert (await client.post("/api/precompute", json=ops, headers=headers["ops_admin"])).is_success
    assert (
        await client.post("/api/precompute", json=ops, headers=headers["read"])
    ).status_code == 403


async def test_a_library_outside_the_key_looks_the_same_as_one_that_does_not_exist(
    scoped: Any,
) -> None:
    client, headers = scoped
    other = await client.get(
        "/api/library/documents", params={"library": "ops"}, headers=headers["read"]
    )
    none = await client.get(
        "/api/library/documents", params={"library": "nowhere"}, headers=headers["read"]
    )
    assert other.status_code == none.status_code == 403
    assert other.json()["error"]["message"] == none.json()["error"]["message"]


async def test_listing_shows_only_the_key_s_libraries(scoped: Any) -> None:
    client, headers = scoped
    mine = (await client.get("/api/library/documents", headers=headers["read"])).json()
    assert mine["total"] > 0 and {d["library"] for d in mine["documents"]} == {"default"}
    ops = (await client.get("/api/library/documents", headers=headers["ops_admin"])).json()
    assert ops["total"] == 1 and ops["documents"][0]["library"] == "ops"
    every = (await client.get("/api/library/documents", headers=headers["read_everywhere"])).json()
    assert every["total"] == mine["total"] + 1


async def test_search_is_read_scoped_to_the_library(scoped: Any) -> None:
    client, headers = scoped
    query = {"q": "grounding threshold"}
    assert (
        await client.get("/api/library/search", params=query, headers=headers["read"])
    ).is_success
    refused = await client.get("/api/library/search", params=query, headers=headers["ops_admin"])
    assert refused.status_code == 403
    ops = {"q": "pager escalates", "library": "ops"}
    hits = (
        await client.get("/api/library/search", params=ops, headers=headers["ops_admin"])
    ).json()
    assert hits["hits"] and all(h["source"].endswith("oncall.txt") for h in hits["hits"])


@pytest.mark.parametrize(
    ("kind", "status"),
    [("read", 403), ("ingest", 200), ("admin", 200), ("ops_admin", 403), ("read_everywhere", 403)],
)
async def test_upload_needs_ingest_on_the_library(scoped: Any, kind: str, status: int) -> None:
    client, headers = scoped
    files = [
        ("files", ("new.md", b"# New\n\nThe release train leaves on Thursdays.", "text/markdown"))
    ]
    uploaded = await client.post("/api/library/documents", files=files, headers=headers[kind])
    assert uploaded.status_code == status, uploaded.text


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("read", 403, "forbidden"),
        ("ingest", 403, "forbidden"),
        ("read_everywhere", 403, "forbidden"),
        ("ops_admin", 404, "document_not_found"),  # another Library's: as if it did not exist
        ("admin", 200, "ok"),
    ],
)
async def test_delete_needs_admin_on_the_document_s_library(
    scoped: Any, kind: str, status: int, error: str
) -> None:
    client, headers = scoped
    listed = (await client.get("/api/library/documents", headers=headers["read"])).json()
    doomed = listed["documents"][0]["id"]
    deleted = await client.delete(f"/api/library/documents/{doomed}", headers=headers[kind])
    assert (deleted.status_code, code(deleted)) == (status, error)
    missing = await client.delete("/api/library/documents/999999", headers=headers["ops_admin"])
    assert (missing.status_code, code(missing)) == (404, "document_not_found")


async def test_health_deep_tells_library_details_to_an_admin_key_only(scoped: Any) -> None:
    client, headers = scoped
    anyone = (await client.get("/health/deep")).json()
    reader = (await client.get("/health/deep", headers=headers["read"])).json()
    admin = (await client.get("/health/deep", headers=headers["admin"])).json()
    assert anyone["status"] == reader["status"] == admin["status"] == "healthy"
    assert "search_index" not in anyone["details"] and "search_index" not in reader["details"]
    assert "search_index" in admin["details"]


async def test_config_answers_any_valid_key(scoped: Any) -> None:
    client, headers = scoped
    assert (await client.get("/api/config")).status_code == 401
    config = await client.get("/api/config", headers=headers["read"])
    assert config.is_success and config.json()["auth_required"] is True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_revocation_removal_and_damage_of_the_keys_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key, secret = KeyFile(path).create(name="ci", scope="read", libraries=["default"])
    clock = Clock()
    ring = Keyring(frozenset(), path, clock=clock)
    assert ring.identify(f"Bearer {secret}", "").key == key
    KeyFile(path).revoke(key.id)
    clock.now += 2  # the file is looked at again at most once a second
    with pytest.raises(Unauthorized):
        ring.identify(f"Bearer {secret}", "")
    _, other = KeyFile(path).create(name="ci2", scope="read", libraries=["default"])
    clock.now += 2
    assert ring.identify(f"Bearer {other}", "").key is not None
    path.write_text('{"keys": [{"id": 1}]}', encoding="utf-8")  # not a keys file
    clock.now += 2
    assert ring.identify(f"Bearer {other}", "").key is not None  # the keys last read stay
    path.unlink()
    clock.now += 2
    assert ring.required  # a configured file keeps the API closed, even gone
    with pytest.raises(Unauthorized):
        ring.identify(f"Bearer {other}", "")
    with pytest.raises(Unauthorized):
        ring.identify(None, "")


def test_the_file_keeps_only_hashes_and_the_cli_manages_it(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "keys",
            "create",
            "--scope",
            "ingest",
            "--library",
            "ops",
            "--name",
            "ci",
            "--file",
            str(path),
        ],
    )
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("pgk_") and secret not in path.read_text(encoding="utf-8")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    listed = runner.invoke(cli, ["keys", "list", "--file", str(path)])
    assert "ci" in listed.stdout and "ingest" in listed.stdout and secret not in listed.stdout
    key_id = KeyFile(path).load()[0].id
    assert runner.invoke(cli, ["keys", "revoke", key_id, "--file", str(path)]).exit_code == 0
    assert KeyFile(path).load() == []
    missing = runner.invoke(cli, ["keys", "revoke", key_id, "--file", str(path)])
    assert missing.exit_code == 1 and "no key with id" in missing.output
    bad = runner.invoke(
        cli, ["keys", "create", "--scope", "root", "--library", "x", "--file", str(path)]
    )
    assert bad.exit_code == 1 and "scope must be one of" in bad.output


def test_plain_keys_stay_admin_keys_for_every_library() -> None:
    ring = Keyring(frozenset({"k1"}))
    caller = ring.identify("Bearer k1", "")
    caller.require("admin", "any-library")  # raises nothing
    assert caller.libraries() is None
