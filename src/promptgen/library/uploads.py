"""Uploaded documents: kept in an upload folder so re-uploads diff by hash and --prune works."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from promptgen.errors import InvalidInput, ParseError
from promptgen.library.documents import DEFAULT_LIMITS, ParseLimits
from promptgen.library.parsers import parse_file

_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(filename: str | None) -> str:
    """A file name that cannot leave the upload folder."""
    name = _UNSAFE.sub("_", Path(filename or "").name).lstrip(".")
    if not name:
        raise InvalidInput("every uploaded file needs a file name with an extension (.md, .pdf, …)")
    return name


def stage_uploads(
    folder: Path,
    uploads: list[tuple[str | None, bytes]],
    limits: ParseLimits = DEFAULT_LIMITS,
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files that parse are moved into ``folder``; ones that do not are reported and leave no trace.

    A bad re-upload therefore never replaces the good file already ingested under that name.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[Path] = []
    failed: list[tuple[str, str]] = []
    for filename, data in uploads:
        name = safe_name(filename)
        temp = folder / f".upload-{uuid.uuid4().hex}{Path(name).suffix}"
        temp.write_bytes(data)
        try:
            parse_file(temp, limits)
        except ParseError as exc:
            failed.append((name, str(exc).split(": ", 1)[-1]))
            temp.unlink(missing_ok=True)
            continue
        final = folder / name
        temp.replace(final)
        staged.append(final)
    return staged, failed
