"""The real thing: `promptgen serve` in its own process, checked with the spec's own requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO

PROMPTGEN = Path(sys.executable).with_name("promptgen")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A served demo Library; yields its base URL and log file, stops it afterwards."""
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"}
    subprocess.run(
        [PROMPTGEN, "ingest", str(REPO / "docs")], env=env, check=True, capture_output=True
    )
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [PROMPTGEN, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        # Waiting for a separate process to bind its port is the one place a bounded wait belongs.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"server did not answer /health: {log.read_text()}")
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_spec_checks_against_the_real_server(server: tuple[str, Path]) -> None:
    url, log = server
    grounded = httpx.post(
        f"{url}/api/precompute", json={"text": "library integration context"}
    ).json()
    assert grounded["grounded"] is True and grounded["context"]
    refused = httpx.post(f"{url}/api/precompute", json={"text": "random unindexed query"}).json()
    assert refused["grounded"] is False and refused["refusal"]["code"] == "no_grounding"
    auth = httpx.post(f"{url}/api/precompute", json={"text": "implement authentication"}).json()
    assert auth["intent"]["label"] == "code"
    deep = httpx.get(f"{url}/health/deep").json()
    assert deep["status"] == "healthy" and all(deep["checks"].values())
    metrics = httpx.get(f"{url}/metrics").text
    for name in (
        "precompute_requests_total",
        "precompute_latency_seconds_bucket",
        "precompute_grounded_total",
        "precompute_refusals_total",
        "precompute_confidence_bucket",
        "precompute_errors_total",
    ):
        assert any(line.startswith(name) for line in metrics.splitlines()), name
    bad = httpx.post(
        f"{url}/api/precompute", content='{"text":', headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
    text = log.read_text()
    assert (
        "✓ PromptGen imported" in text
        and "Precompute complete:" in text
        and "Precompute error:" in text
    )
    # Drafts are private: never in the info-level log.
    assert "library integration context" not in text and "implement authentication" not in text


def test_public_bind_without_keys_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"}
    result = subprocess.run(
        [PROMPTGEN, "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and "--insecure" in result.stderr
