"""A real PostgreSQL 15 for tests: one server per session in a temporary folder, one database per test.

Load it with ``pytest_plugins = ["tests.pg"]`` in a test module. PostgreSQL refuses to run as
root, so under root the server runs as the ``postgres`` user that Debian's package creates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.serving import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and how to make databases on it."""

    port: int
    folder: Path

    def url(self, database: str = "postgres") -> str:
        """A postgresql:// URL for ``database`` (trust authentication, no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database's name (template0: no copy of anything a test left behind)."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return name

    def stop(self) -> None:
        """Stop the server, as an outage would (clients lose their connections).

        Fast, not immediate: the test server runs without synchronous commits, so an immediate
        stop would lose the last writes, which a real (durable) server keeps.
        """
        subprocess.run(
            _as_server_user(str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"),
                            "-m", "fast", "-w", "stop"),
            check=True,
            capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        """Start the server on its port and data (pg_ctl -w: returns once it accepts)."""
        data, log = self.folder / "data", self.folder / "server.log"
        started = subprocess.run(
            _as_server_user(
                str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log),
                "-o", _options(self.port, self.folder), "-w", "-t", "60", "start",
            ),
            capture_output=True,
            text=True,
        )  # fmt: skip
        if started.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{server_log}")

    def drop_database(self, name: str) -> None:
        """Drop ``name``, ending any connection a test left open."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _options(port: int, folder: Path) -> str:
    """The server's options: loopback only, its socket in ``folder``, no durability (tests)."""
    return (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off"
    )


def _as_server_user(*args: str) -> list[str]:
    """The command, run as the server's user when we are root (initdb refuses root)."""
    return ["runuser", "-u", SERVER_USER, "--", *args] if os.geteuid() == 0 else list(args)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start PostgreSQL 15 on a free port in a temporary folder; stop it and delete the folder."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb): run `make postgres`")
    folder = Path(tempfile.mkdtemp(prefix="promptgen-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    data, port = folder / "data", free_port()
    try:
        subprocess.run(
            _as_server_user(
                str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                "--no-sync", "--no-locale", "-E", "UTF8",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        server = PostgresServer(port, folder)
        server.start()
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
                capture_output=True,
            )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session (databases are per test)."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database, dropped after the test."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)
