"""Start the real `promptgen serve` in its own process for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from promptgen_bench.server import free_port, wait_healthy

PROMPTGEN = Path(sys.executable).with_name("promptgen")
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Served:
    """A running server: where it answers and where it logs."""

    url: str
    log: Path


def ingest_demo(env: dict[str, str]) -> None:
    """Ingest the project's docs/ (the demo Library) with the CLI."""
    subprocess.run(
        [PROMPTGEN, "ingest", str(REPO / "docs")], env=env, check=True, capture_output=True
    )


@contextmanager
def serve(tmp_path: Path, *, workers: int = 1, **env_overrides: str) -> Iterator[Served]:
    """Run `promptgen serve` on a free port until the block ends."""
    env = {
        **os.environ,
        "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/library.db",
        **env_overrides,
    }
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                PROMPTGEN,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log, timeout=30)
        yield Served(url, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_log(log: Path, *phrases: str, timeout: float = 10.0) -> str:
    """The server log once it holds every phrase (a request's line is written after its response)."""
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text()
        if all(p in text for p in phrases) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)
