"""The Library: parse, chunk, store and search the team's documents."""

from __future__ import annotations

from promptgen.errors import LibraryUnavailable
from promptgen.library.sqlite import SQLiteStore
from promptgen.library.store import LibraryStore
from promptgen.settings import Settings


def open_store(settings: Settings) -> LibraryStore:
    """The store named by ``settings.database_url``."""
    path = settings.sqlite_path
    if path is None:
        raise LibraryUnavailable(
            "PostgreSQL Libraries are not supported by this version; "
            "use PROMPTGEN_DATABASE_URL=sqlite:///path/to/library.db"
        )
    return SQLiteStore(path)


__all__ = ["LibraryStore", "SQLiteStore", "open_store"]
