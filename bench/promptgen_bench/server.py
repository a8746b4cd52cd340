"""Run the real ``promptgen serve`` in its own process, configured for benchmarking."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class Served:
    """A running server: its address, process id and log file."""

    url: str
    pid: int
    log: Path
    workers: int


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def promptgen_command() -> list[str]:
    """How to start the ``promptgen`` CLI of this very environment."""
    script = Path(sys.executable).with_name("promptgen")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "promptgen"]


def server_env(database_url: str) -> dict[str, str]:
    """The environment: this Library, no rate limit, no API keys, JSON logs."""
    dropped = {"PROMETHEUS_MULTIPROC_DIR", "PROMPTGEN_API_KEYS", "PROMPTGEN_API_KEYS_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        PROMPTGEN_DATABASE_URL=database_url,
        PROMPTGEN_RATE_LIMIT_PER_MINUTE="0",
        PROMPTGEN_LOG_FORMAT="json",
    )
    return env


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float = STARTUP_TIMEOUT_S
) -> None:
    """Block until /health answers (the one place a bounded wait belongs); RuntimeError if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(
        f"server did not answer /health within {timeout:.0f} s: {log.read_text()[-2000:]}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's graceful stop) for the server and its workers; kill if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve(database_url: str, *, workers: int, log: Path) -> Iterator[Served]:
    """``promptgen serve --workers N`` on a free loopback port until the block ends."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        *promptgen_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=server_env(database_url), stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
        _wait_workers(log, workers)
        yield Served(url, process.pid, log, workers)
    finally:
        _stop(process)


def _wait_workers(log: Path, workers: int) -> None:
    """Block until every worker has built its engine (each logs "PromptGen imported" once)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while log.read_text(errors="replace").count("PromptGen imported") < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not all {workers} workers started: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    time.sleep(0.5)
