"""Folder sync: one pass mirrors the folder; the loop repeats it; the CLI runs it until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from promptgen.cli import app
from promptgen.errors import LibraryUnavailable
from promptgen.library.ingest import IngestReport, ingest
from promptgen.library.sqlite import SQLiteStore
from promptgen.library.sync import FolderSync, is_idle, watch
from tests.serving import PROMPTGEN


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """An empty SQLite Library in tmp_path."""
    opened = SQLiteStore(tmp_path / "library.db")
    yield opened
    opened.close()


def sources(store: SQLiteStore) -> list[str]:
    """File names of the stored documents, sorted (JSONL files count once per record)."""
    return sorted(Path(d.path).name for d in store.documents())


def counts(report: IngestReport) -> tuple[int, int, int, int, int]:
    """(files read, added, updated, unchanged, removed)."""
    return report.files, report.added, report.updated, report.unchanged, report.removed


def test_a_pass_mirrors_the_folder_and_skips_unchanged_files(
    store: SQLiteStore, notes: Path
) -> None:
    sync = FolderSync(store, notes)
    assert counts(sync.run_once()) == (4, 5, 0, 0, 0)
    idle = sync.run_once()
    assert is_idle(idle) and counts(idle) == (0, 0, 0, 0, 0)
    (notes / "oncall.txt").write_text("The pager escalates after five minutes.", "utf-8")
    (notes / "new.md").write_text("# New\n\nA brand new runbook.", "utf-8")
    (notes / "page.html").unlink()
    assert counts(sync.run_once()) == (2, 1, 1, 0, 1)
    assert "page.html" not in sources(store) and "new.md" in sources(store)
    assert store.stats().documents == 5


def test_same_size_and_mtime_means_the_file_is_not_read_again(
    store: SQLiteStore, notes: Path
) -> None:
    sync = FolderSync(store, notes)
    sync.run_once()
    path = notes / "oncall.txt"
    before = path.stat()
    path.write_text("X" * before.st_size, "utf-8")  # new text, same size ...
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ... and same mtime
    assert is_idle(sync.run_once())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert counts(sync.run_once()) == (1, 0, 1, 0, 0)


def test_a_new_process_rereads_files_but_writes_nothing_unchanged(
    store: SQLiteStore, notes: Path
) -> None:
    FolderSync(store, notes).run_once()
    ingests = store.stats().last_ingest
    report = FolderSync(store, notes).run_once()
    assert counts(report) == (4, 0, 0, 5, 0)
    assert store.stats().last_ingest == ingests


def test_only_documents_from_the_folder_are_pruned(
    store: SQLiteStore, notes: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("# Elsewhere\n\nKept.", "utf-8")
    ingest(store, [elsewhere])
    elsewhere.unlink()  # gone from disk, but not from the watched folder
    sync = FolderSync(store, notes)
    sync.run_once()
    (notes / "deploy.md").rename(notes / ".deploy.md")  # hidden files are not part of it
    assert sync.run_once().removed == 1
    assert "elsewhere.md" in sources(store) and "deploy.md" not in sources(store)


def test_a_failing_file_is_reported_once_until_it_changes(store: SQLiteStore, notes: Path) -> None:
    (notes / "bad.txt").write_bytes(b"caf\xe9")
    sync = FolderSync(store, notes)
    assert [Path(p).name for p, _ in sync.run_once().failed] == ["bad.txt"]
    assert is_idle(sync.run_once())
    (notes / "bad.txt").write_text("café, fixed", "utf-8")
    assert sync.run_once().added == 1


def test_a_missing_folder_prunes_nothing(store: SQLiteStore, tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nalpha", "utf-8")
    sync = FolderSync(store, folder)
    sync.run_once()
    (folder / "a.md").unlink()
    folder.rmdir()  # an unmounted share looks like this
    report = sync.run_once()
    assert report.failed and report.removed == 0 and store.stats().documents == 1


def test_the_loop_sleeps_between_passes_and_follows_changes(
    store: SQLiteStore, notes: Path
) -> None:
    slept: list[float] = []
    reports: list[IngestReport] = []
    edits = iter(
        [
            lambda: (notes / "extra.md").write_text("# Extra\n\nMore.", "utf-8"),
            lambda: (notes / "extra.md").unlink(),
        ]
    )

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        next(edits)()

    sync = FolderSync(store, notes)
    assert watch(sync, interval=2.5, sleep=sleep, on_pass=reports.append, passes=3) == 3
    assert slept == [2.5, 2.5]
    assert [(r.added, r.removed) for r in reports] == [(5, 0), (1, 0), (0, 1)]


def test_the_loop_survives_an_unavailable_library_and_retries(
    store: SQLiteStore, notes: Path
) -> None:
    conn = sqlite3.connect(store.path)
    conn.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON documents"
        " BEGIN SELECT RAISE(ABORT, 'database is down (simulated)'); END"
    )
    conn.commit()
    with pytest.raises(LibraryUnavailable):  # without on_error, the first failure ends the loop
        watch(FolderSync(store, notes), passes=2)
    errors: list[LibraryUnavailable] = []
    reports: list[IngestReport] = []

    def sleep(_seconds: float) -> None:
        conn.execute("DROP TRIGGER refuse")
        conn.commit()

    sync = FolderSync(store, notes)
    watch(sync, sleep=sleep, on_pass=reports.append, on_error=errors.append, passes=2)
    conn.close()
    assert len(errors) == 1 and "database is down" in errors[0].message
    assert [r.added for r in reports] == [5]


def test_cli_needs_paths_or_watch_but_not_both(notes: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["ingest"]).exit_code == 2
    assert runner.invoke(app, ["ingest", str(notes), "--watch", str(notes)]).exit_code == 2
    assert runner.invoke(app, ["ingest", "--watch", str(notes / "missing")]).exit_code == 2


def test_cli_watch_syncs_until_interrupted(notes: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/watched.db"}
    process = subprocess.Popen(
        [PROMPTGEN, "ingest", "--watch", str(notes), "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Waiting for another process is the one place a bounded wait belongs.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (tmp_path / "watched.db").exists():
            time.sleep(0.1)
        store = SQLiteStore(tmp_path / "watched.db")
        while time.monotonic() < deadline and store.stats().documents < 5:
            time.sleep(0.1)
        (notes / "late.md").write_text("# Late\n\nArrived later.", "utf-8")
        while time.monotonic() < deadline and store.stats().documents < 6:
            time.sleep(0.1)
        store.close()
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "5 added" in stdout and "1 added" in stdout and "stopped watching" in stderr
