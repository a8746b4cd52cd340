"""The real thing: `promptgen serve` in its own process, checked with the spec's own requests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import PROMPTGEN, ingest_demo, serve, wait_for_log


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A served demo Library; yields its base URL and log file."""
    ingest_demo({**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"})
    with serve(tmp_path) as served:
        yield served.url, served.log


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
    text = wait_for_log(log, "✓ PromptGen imported", "Precompute complete:", "Precompute error:")
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


def test_metrics_add_up_across_workers(tmp_path: Path) -> None:
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db"}
    ingest_demo(env)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with serve(tmp_path, workers=2) as served, httpx.Client(base_url=served.url) as client:
        for _ in range(12):  # new connections, so both workers take some
            httpx.post(f"{served.url}/api/precompute", json={"text": "library integration context"})
        lines = client.get("/metrics").text.splitlines()
    count = sum(
        float(x.rsplit(" ", 1)[1])
        for x in lines
        if x.startswith("precompute_latency_seconds_count")
    )
    grounded = sum(
        float(x.rsplit(" ", 1)[1]) for x in lines if x.startswith("precompute_grounded_total")
    )
    assert count == 12 and grounded == 12
