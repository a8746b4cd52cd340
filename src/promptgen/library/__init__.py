"""The Library: parse, chunk, store and search the team's documents."""

from __future__ import annotations

from promptgen.library.sqlite import SQLiteStore
from promptgen.library.store import LibraryStore
from promptgen.settings import Settings


def open_store(settings: Settings) -> LibraryStore:
    """The store named by ``settings.database_url``: a SQLite file or a PostgreSQL database."""
    path = settings.sqlite_path
    if path is not None:
        return SQLiteStore(path, busy_timeout=settings.sqlite_busy_timeout)
    # Imported here so SQLite users never load psycopg.
    from promptgen.library.postgres import PostgresStore

    return PostgresStore(settings.database_url)


__all__ = ["LibraryStore", "SQLiteStore", "open_store"]
