"""What went wrong with the SQLite Library's file and how to say it, each message with what to do.

A full disk, a write lock held too long, files that cannot be opened or written, a file removed or
replaced under the open connection: ``sqlite.py`` raises each as ``LibraryUnavailable``.
"""

from __future__ import annotations

import os
import sqlite3
from typing import TYPE_CHECKING

from promptgen.errors import LibraryUnavailable

if TYPE_CHECKING:
    from pathlib import Path


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction unless SQLite already has.

    On a full disk (SQLITE_FULL) or an I/O error SQLite may roll back by itself; a ROLLBACK then
    fails with "no transaction is active", which would hide the error that matters.
    """
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def cannot_open(path: Path, exc: sqlite3.Error | OSError) -> str:
    """Why the Library at ``path`` would not open and what to do, for a LibraryUnavailable."""
    return (
        f"cannot open the Library at {path}: {exc}. If the file is damaged, move it aside "
        "and ingest again, or point PROMPTGEN_DATABASE_URL at another file."
    )


def failure(doing: str, path: Path, exc: sqlite3.Error, busy_timeout: float = 5.0) -> str:
    """What went wrong and what to do, for a LibraryUnavailable message."""
    code = getattr(exc, "sqlite_errorcode", None)
    # An extended code (SQLITE_IOERR_WRITE, ...) keeps its primary code in the low byte.
    primary = None if code is None else code & 0xFF
    if primary == sqlite3.SQLITE_FULL:
        return (
            f"{doing} failed at {path}: the disk is full ({exc}). Nothing was written: the "
            f"Library is as it was. Free space on the disk that holds {path.parent} (or raise "
            "its size limit), then run it again."
        )
    if primary == sqlite3.SQLITE_BUSY:
        return (
            f"{doing} failed at {path}: another process held the Library's write lock for "
            f"longer than {busy_timeout:g} s ({exc}); nothing was written. Run it again when "
            "that write has finished (PROMPTGEN_SQLITE_BUSY_TIMEOUT sets how long to wait)."
        )
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN):
        name = str(getattr(exc, "sqlite_errorname", "SQLITE_IOERR"))
        if primary == sqlite3.SQLITE_CANTOPEN:
            what = "cannot be opened"
        elif primary == sqlite3.SQLITE_READONLY or name.endswith(("WRITE", "FSYNC", "TRUNCATE")):
            what = "cannot be written"
        else:
            what = "cannot be read or written"
        return (
            f"{doing} failed at {path}: the Library's files {what} ({exc}, {name}). Check that "
            f"{path}, its -wal and -shm files and {path.parent} exist, can be written by this "
            "process and are on a disk mounted read-write, then run it again."
        )
    return f"{doing} failed at {path}: {exc}"


def file_identity(path: Path) -> tuple[int, int]:
    """Which file ``path`` names now (device, inode): a file removed or replaced differs."""
    status = os.stat(path)
    return status.st_dev, status.st_ino


def ensure_same_file(doing: str, path: Path, opened: tuple[int, int]) -> None:
    """LibraryUnavailable when ``path`` no longer names the file ``opened`` identified.

    The open connection would go on reading and writing the old file, which nothing else
    sees any more: every write from then on would be lost without an error.
    """
    try:
        now: tuple[int, int] | None = file_identity(path)
    except OSError:
        now = None
    if now != opened:
        what = "removed" if now is None else "replaced by another file"
        raise LibraryUnavailable(
            f"Library {doing} refused: {path} was {what} while PromptGen had it open, "
            "so a write would be lost. Restart PromptGen to open the file now at that path "
            "(an empty Library if none is there: ingest again)."
        )
