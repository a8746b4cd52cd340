"""Faults of a SQLite Library under a running PromptGen (issue #14): the file write-locked by
another process, removed or replaced, unwritable, and `promptgen ingest` killed with SIGKILL in
the middle of its write. Each is decided by what happens (a lock taken, a file grown), never by
how long something takes; every wait has a bound.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from promptgen import PromptGen, Settings
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.tokenizer import Tokenizer
from promptgen.errors import LibraryUnavailable
from promptgen.intent.classifier import IntentClassifier
from promptgen.server.health import deep_health

DRAFT = "how do we roll back the billing service deploy?"
# Holds SQLite's write lock on the file argv[1] (as another process's ingest would) until a line
# arrives on stdin; says "locked" once it holds it.
HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""
# Upper bound for any wait on another process (never reached unless something is broken).
BOUND = 120.0


def build(
    tmp_path: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
    **overrides: object,
) -> PromptGen:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/library.db", **overrides)
    return PromptGen(settings, classifier=classifier, catalog=catalog, tokenizer=tokenizer)


def contents(pg: PromptGen) -> list[tuple[str, str]]:
    """What the Library holds, document by document."""
    return [(d.key, d.content_hash) for d in pg.library.store.documents()]


@contextmanager
def bounded(process: subprocess.Popen[str], seconds: float = BOUND) -> Iterator[None]:
    """Kill ``process`` if it still runs after ``seconds`` (so a read from it cannot hang)."""
    watchdog = threading.Timer(seconds, process.kill)
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
        process.wait(timeout=BOUND)


def test_a_write_lock_held_by_another_process_fails_the_ingest_clearly_and_reads_go_on(
    tmp_path: Path,
    notes: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    # A short busy timeout (PROMPTGEN_SQLITE_BUSY_TIMEOUT) keeps the test quick; the lock is
    # held by a real second process until the test lets it go.
    pg = build(tmp_path, classifier, catalog, tokenizer, sqlite_busy_timeout=0.2)
    try:
        pg.ingest([notes / "deploy.md"])
        before = contents(pg)
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_WRITE_LOCK, str(tmp_path / "library.db")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        with bounded(holder):
            assert holder.stdout is not None and holder.stdin is not None
            assert holder.stdout.readline() == "locked\n"
            assert pg.precompute(DRAFT, fresh=True).grounded  # WAL: readers never wait
            with pytest.raises(LibraryUnavailable) as failed:
                pg.ingest([notes / "oncall.txt"])
            assert failed.value.code == "library_unavailable"
            assert "another process held the Library's write lock" in failed.value.message
            assert "nothing was written" in failed.value.message
            assert contents(pg) == before
            holder.stdin.write("done\n")
            holder.stdin.flush()
            assert holder.wait(timeout=BOUND) == 0
        assert pg.ingest([notes / "oncall.txt"]).added == 1  # the lock gone, the same ingest works
    finally:
        pg.close()


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_library_file_removed_or_replaced_under_a_running_engine_refuses_writes(
    how: str,
    tmp_path: Path,
    notes: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    # Issue #14: the open connection went on writing the unlinked file, so every ingest after an
    # `rm library.db` "succeeded" and was lost; and the index's catch-up made a new empty file.
    db = tmp_path / "library.db"
    pg = build(tmp_path, classifier, catalog, tokenizer)
    try:
        pg.ingest([notes / "deploy.md"])
        if how == "replaced":  # e.g. a backup restored with mv while the server runs
            backup = tmp_path / "backup.db"
            with sqlite3.connect(db) as source, sqlite3.connect(backup) as copy:
                source.backup(copy)
            copy.close()
            backup.replace(db)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        with pytest.raises(LibraryUnavailable, match=f"was {how}"):
            pg.ingest([notes / "oncall.txt"])
        assert pg.library.index is not None
        pg.library.index.forget()  # its catch-up reads the changes through a new connection
        with pytest.raises(LibraryUnavailable, match=f"was {how}"):
            pg.library.index.sync()
        health = deep_health(pg, None)
        assert health.status == "unhealthy" and health.checks["database"] is False
        assert f"{db} was {how}" in health.details["database"]
        assert "Restart PromptGen" in health.details["database"]
        assert db.exists() == (how == "replaced")  # no new empty file made behind its back
    finally:
        pg.close()
    restarted = build(tmp_path, classifier, catalog, tokenizer)  # what the message says to do
    try:
        assert restarted.ingest([notes / "oncall.txt"]).added == 1
        expected = {"replaced": 2, "removed": 1}[how]
        assert len(restarted.library.store.documents()) == expected
    finally:
        restarted.close()


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Files no process can write to, root included (chattr +i; -shm must stay writable: SQLite
    maps it, and a write to a mapped immutable file is a SIGBUS). Skips where chattr cannot."""
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("needs chattr (e2fsprogs) to make a file unwritable for root")
    done = subprocess.run([chattr, "+i", *map(str, paths)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"chattr +i is not allowed here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", *map(str, paths)], check=True)


def test_an_unwritable_library_fails_writes_clearly_and_keeps_answering(
    tmp_path: Path,
    notes: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    # As root, chmod stops nothing (and an open descriptor keeps its write access anyway), so
    # the files are made immutable: every write to them fails with EPERM, as on a disk that was
    # remounted read-only after an error (EROFS), while the engine keeps its connection open.
    db = tmp_path / "library.db"
    pg = build(tmp_path, classifier, catalog, tokenizer)
    try:
        pg.ingest([notes / "deploy.md"])
        before = contents(pg)
        with immutable(db, Path(f"{db}-wal")):
            with pytest.raises(LibraryUnavailable) as failed:
                pg.ingest([notes / "oncall.txt"])
            assert failed.value.code == "library_unavailable"
            assert "the Library's files cannot be written" in failed.value.message
            assert "SQLITE_IOERR" in failed.value.message
            assert pg.precompute(DRAFT, fresh=True).grounded
            assert contents(pg) == before
            assert deep_health(pg, None).checks["database"] is True  # reads work: ready
        assert pg.ingest([notes / "oncall.txt"]).added == 1
    finally:
        pg.close()


def write_notes(folder: Path, files: int, chars: int) -> list[str]:
    """``files`` Markdown notes of about ``chars`` characters of varied words each; the words."""
    rng = random.Random(14)
    words = [f"w{n}x{rng.randint(0, 99)}" for n in range(20_000)]
    folder.mkdir()
    for n in range(files):
        paragraphs, size = [], 0
        while size < chars:
            paragraph = " ".join(rng.choices(words, k=80)) + "."
            paragraphs.append(paragraph)
            size += len(paragraph)
        text = f"# Note {n}\n\n" + "\n\n".join(paragraphs)
        (folder / f"note{n:04d}.md").write_text(text, encoding="utf-8")
    return words


def wal_size(db: Path) -> int:
    try:
        return Path(f"{db}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def test_an_ingest_killed_during_its_write_leaves_the_library_as_it_was(
    tmp_path: Path,
    notes: Path,
    classifier: IntentClassifier,
    catalog: ModelCatalog,
    tokenizer: Tokenizer,
) -> None:
    db = tmp_path / "library.db"
    pg = build(tmp_path, classifier, catalog, tokenizer)
    pg.ingest([notes])
    before = contents(pg)
    generation = pg.library.store.generation()
    pg.close()  # the last connection: SQLite checkpoints and removes the WAL
    assert wal_size(db) == 0
    big = tmp_path / "big"
    # ~4 MB: a write of ~20 MB of pages, far more than SQLite's page cache, so the transaction
    # spills into the WAL long before it commits. Only that transaction writes to this file.
    words = write_notes(big, files=200, chars=20_000)
    env = {**os.environ, "PROMPTGEN_DATABASE_URL": f"sqlite:///{db}"}
    command = [sys.executable, "-m", "promptgen", "ingest", str(big)]
    ingest = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    # Lower its priority so this process sees the WAL grow as soon as it does.
    os.setpriority(os.PRIO_PROCESS, ingest.pid, 10)
    deadline = time.monotonic() + BOUND
    # 1 MB of WAL frames: the ingest's one write transaction is under way (nothing else
    # writes to the file; opening a current Library writes nothing).
    while ingest.poll() is None and wal_size(db) < 1_000_000 and time.monotonic() < deadline:
        time.sleep(0.001)
    os.killpg(ingest.pid, signal.SIGKILL)  # the ingest and any worker it still has
    output = ingest.communicate(timeout=BOUND)[0].decode(errors="replace")
    assert ingest.returncode == -signal.SIGKILL, f"ended before its write was seen: {output}"

    with sqlite3.connect(db) as conn:  # recovery: the WAL's uncommitted frames are ignored
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('integrity-check')")
    conn.close()
    pg = build(tmp_path, classifier, catalog, tokenizer)
    try:
        assert contents(pg) == before
        assert pg.library.store.generation() == generation
    finally:
        pg.close()

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=BOUND)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "200 added" in rerun.stdout
    pg = build(tmp_path, classifier, catalog, tokenizer)
    try:
        assert len(contents(pg)) == len(before) + 200
        assert pg.search(f"{words[1]} {words[2]}")  # words of the new notes, found
    finally:
        pg.close()
