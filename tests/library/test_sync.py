"""Folder sync: one pass mirrors the folder; the watch runs one after each batch of changes
(watchfiles); the CLI runs it until Ctrl-C, which stops it in any state."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from promptgen.cli import app
from promptgen.errors import LibraryUnavailable
from promptgen.library import sync as sync_module
from promptgen.library.ingest import IngestReport, ingest
from promptgen.library.sqlite import SQLiteStore
from promptgen.library.sync import Batch, FolderSync, folder_changes, is_idle, watch
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


def test_a_pass_reads_the_changed_files_through_ingest(
    store: SQLiteStore, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def spy(store: SQLiteStore, paths: list[Path], **options: Any) -> IngestReport:
        calls.append(sorted(p.name for p in paths))
        return ingest(store, paths, **options)

    monkeypatch.setattr(sync_module, "ingest", spy)
    sync = FolderSync(store, notes)
    sync.run_once()
    (notes / "oncall.txt").write_text("The pager escalates after five minutes.", "utf-8")
    sync.run_once()
    assert calls == [["corpus.jsonl", "deploy.md", "oncall.txt", "page.html"], ["oncall.txt"]]


def quiet() -> Batch:
    """A quiet spell: no changes for ``retry`` seconds."""
    return ()


def test_the_loop_passes_on_each_batch_of_changes(store: SQLiteStore, notes: Path) -> None:
    reports: list[IngestReport] = []

    def changes() -> Iterator[Batch]:
        (notes / "extra.md").write_text("# Extra\n\nMore.", "utf-8")
        yield [str(notes / "extra.md")]
        yield quiet()  # nothing to retry: no pass
        (notes / "extra.md").unlink()
        yield [str(notes / "extra.md")]

    sync = FolderSync(store, notes)
    assert watch(sync, changes=changes(), on_pass=reports.append) == 3
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
        watch(FolderSync(store, notes), changes=[])
    errors: list[LibraryUnavailable] = []
    reports: list[IngestReport] = []

    def changes() -> Iterator[Batch]:
        conn.execute("DROP TRIGGER refuse")
        conn.commit()
        yield quiet()  # the failed pass is due again: retried
        yield quiet()  # nothing due: no pass

    sync = FolderSync(store, notes)
    passes = watch(sync, changes=changes(), on_pass=reports.append, on_error=errors.append)
    conn.close()
    assert passes == 2 and len(errors) == 1 and "database is down" in errors[0].message
    assert [r.added for r in reports] == [5]


def test_a_folder_that_went_away_is_retried_until_it_is_back(
    store: SQLiteStore, tmp_path: Path
) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nalpha", "utf-8")
    reports: list[IngestReport] = []

    def changes() -> Iterator[Batch]:
        (folder / "a.md").rename(tmp_path / "a.md")
        folder.rmdir()  # unmounted
        yield [str(folder)]
        yield quiet()  # still gone: retried, prunes nothing
        folder.mkdir()
        (tmp_path / "a.md").rename(folder / "a.md")
        yield quiet()  # back: retried, finds the file as it was
        yield quiet()  # nothing due

    assert watch(FolderSync(store, folder), changes=changes(), on_pass=reports.append) == 4
    assert [(r.added, r.removed, len(r.failed)) for r in reports] == [
        (1, 0, 0),
        (0, 0, 1),
        (0, 0, 1),
        (0, 0, 0),
    ]
    assert store.stats().documents == 1


def next_batch(batches: queue.Queue[Batch], wanted: Callable[[Batch], bool]) -> list[Batch]:
    """The batches up to and including the first ``wanted`` one (at most 20 s of waiting)."""
    seen: list[Batch] = []
    deadline = time.monotonic() + 20
    while not (seen and wanted(seen[-1])):
        seen.append(batches.get(timeout=max(0.0, deadline - time.monotonic())))
    return seen


def test_folder_changes_follow_the_files_and_a_replaced_folder(notes: Path) -> None:
    batches: queue.Queue[Batch] = queue.Queue()
    stop = threading.Event()

    def follow() -> None:
        for batch in folder_changes(notes, retry=0.2, stop=stop, debounce_ms=200):
            batches.put(batch)

    watcher = threading.Thread(target=follow)
    watcher.start()
    try:
        # Watching has begun once a batch comes: the first quiet spell yields the folder.
        assert next_batch(batches, bool)[-1] == (str(notes.resolve()),)
        (notes / ".draft.md").write_text("# Hidden", "utf-8")
        (notes / "library.db").write_bytes(b"not a document")
        (notes / "new.md").write_text("# New\n\nA runbook.", "utf-8")
        seen = next_batch(batches, lambda b: str(notes.resolve() / "new.md") in b)
        assert not any(name.endswith((".draft.md", "library.db")) for b in seen for name in b)
        shutil.rmtree(notes)  # an unmounted share comes back as a new folder ...
        notes.mkdir()
        next_batch(batches, lambda b: b == (str(notes.resolve()),))  # ... which is watched anew
        (notes / "late.md").write_text("# Late", "utf-8")
        next_batch(batches, lambda b: str(notes.resolve() / "late.md") in b)
    finally:
        stop.set()
        watcher.join(timeout=20)
    assert not watcher.is_alive()


def test_cli_needs_paths_or_watch_but_not_both(notes: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["ingest"]).exit_code == 2
    assert runner.invoke(app, ["ingest", str(notes), "--watch", str(notes)]).exit_code == 2
    assert runner.invoke(app, ["ingest", "--watch", str(notes / "missing")]).exit_code == 2


def lines_of(stream: IO[str]) -> queue.Queue[str]:
    """The lines a child process writes to ``stream``, as they come."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def wait_for(lines: queue.Queue[str], text: str, seen: list[str]) -> None:
    """Read ``lines`` into ``seen`` until one contains ``text`` (at most 60 s of waiting)."""
    deadline = time.monotonic() + 60
    while not (seen and text in seen[-1]):
        seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))


def test_cli_watch_syncs_until_interrupted(notes: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/watched.db"}
    process = subprocess.Popen(
        [PROMPTGEN, "ingest", "--watch", str(notes), "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout: list[str] = []
    stderr: list[str] = []
    try:
        out_lines, err_lines = lines_of(process.stdout), lines_of(process.stderr)  # type: ignore[arg-type]
        wait_for(out_lines, "5 added", stdout)  # the first pass
        (notes / "late.md").write_text("# Late\n\nArrived later.", "utf-8")
        wait_for(out_lines, "1 added", stdout)  # the watch saw it
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    wait_for(err_lines, "stopped watching", stderr)
    assert process.returncode == 0, "".join(stderr)


# `promptgen ingest --watch` whose parsing of deploy.md says so on stderr and then takes as long
# as it takes: a pass that is in the middle of its ingest when Ctrl-C comes.
SLOW_PARSE = """
import sys, threading
from promptgen.cli import main
from promptgen.library import ingest

parse_file = ingest.parse_file


def slow_parse(path, *args):
    if path.name == "deploy.md":
        print("parsing deploy.md", file=sys.stderr, flush=True)
        threading.Event().wait()
    return parse_file(path, *args)


ingest.parse_file = slow_parse
sys.argv = ["promptgen", "ingest", "--watch", sys.argv[1]]
main()
"""


def test_ctrl_c_while_a_pass_ingests_stops_the_watch(notes: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{tmp_path}/watched.db"}
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_PARSE, str(notes)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr: list[str] = []
    try:
        err_lines = lines_of(process.stderr)  # type: ignore[arg-type]
        wait_for(err_lines, "parsing deploy.md", stderr)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    wait_for(err_lines, "stopped watching", stderr)
    assert process.returncode == 0, "".join(stderr)
    store = SQLiteStore(tmp_path / "watched.db")
    try:
        assert store.stats().documents == 0  # the interrupted pass wrote nothing
    finally:
        store.close()
