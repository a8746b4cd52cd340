"""The shipped models: one folder each under ``promptgen/models/<name>/``, with a manifest.

Every folder holds its model's files and a ``MANIFEST.json``: ``name``, ``what``, ``files``
(``{file: {"sha256", "size"}}``), ``source``, ``licence``, ``built_by`` (the code that builds it)
and ``command`` (how to rebuild it), plus anything the model wants to record. A shipped file is
read through ``read`` or ``verified``, which check its size and sha256 against the manifest
first: a missing, truncated or altered file raises the model's own error, naming the file.
The training code (``training/``) writes the manifest with ``write_manifest``.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from promptgen.errors import PromptGenError

MANIFEST = "MANIFEST.json"
# Where the folders live, as a file-system path (for the scripts that write them).
ROOT = Path(__file__).resolve().parent


def folder(name: str) -> Traversable:
    """The shipped folder of model ``name`` (inside the installed package)."""
    return resources.files(__name__) / name


def manifest(name: str, error: type[PromptGenError]) -> dict[str, Any]:
    """Model ``name``'s parsed MANIFEST.json; ``error`` when it is missing or malformed."""
    where = f"models/{name}/{MANIFEST}"
    try:
        data = json.loads((folder(name) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise error(f"cannot read {where}: {exc}; reinstall PromptGen") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise error(f"{where} lists no files; reinstall PromptGen")
    return data


def _expected(name: str, file: str, error: type[PromptGenError]) -> tuple[str, int]:
    entry = manifest(name, error)["files"].get(file)
    if not isinstance(entry, dict) or "sha256" not in entry or "size" not in entry:
        raise error(f"models/{name}/{file} is not listed in its {MANIFEST}; reinstall PromptGen")
    return str(entry["sha256"]), int(entry["size"])


def _mismatch(name: str, file: str, error: type[PromptGenError], why: str) -> PromptGenError:
    return error(
        f"models/{name}/{file} does not match its {MANIFEST} ({why}): the file is damaged or "
        "was changed without rebuilding the manifest; reinstall PromptGen"
    )


def _check(name: str, file: str, error: type[PromptGenError], size: int, digest: str) -> None:
    want_digest, want_size = _expected(name, file, error)
    if size != want_size:
        raise _mismatch(name, file, error, f"{size} bytes, expected {want_size}")
    if digest != want_digest:
        raise _mismatch(name, file, error, "sha256 differs")


def read(name: str, file: str, error: type[PromptGenError]) -> bytes:
    """The bytes of model ``name``'s shipped ``file``, once they match the manifest."""
    try:
        raw = (folder(name) / file).read_bytes()
    except OSError as exc:
        raise error(f"cannot read models/{name}/{file}: {exc}; reinstall PromptGen") from exc
    _check(name, file, error, len(raw), hashlib.sha256(raw).hexdigest())
    return raw


def verified(name: str, file: str, error: type[PromptGenError]) -> Traversable:
    """Model ``name``'s shipped ``file``, checked against the manifest without keeping its bytes
    (for a file the caller memory-maps)."""
    source = folder(name) / file
    digest, size = hashlib.sha256(), 0
    try:
        with source.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise error(f"cannot read models/{name}/{file}: {exc}; reinstall PromptGen") from exc
    _check(name, file, error, size, digest.hexdigest())
    return source


def describe(path: Path) -> dict[str, object]:
    """A file's manifest entry: its sha256 and size."""
    raw = path.read_bytes()
    return {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}


def write_manifest(
    directory: Path, name: str, files: list[str], **provenance: object
) -> dict[str, object]:
    """Write ``directory``/MANIFEST.json for model ``name``: ``files`` (names inside it) with
    their checksums, and the ``provenance`` (what, source, licence, built_by, command, ...)."""
    data: dict[str, object] = {
        "name": name,
        **provenance,
        "files": {file: describe(directory / file) for file in sorted(files)},
    }
    (directory / MANIFEST).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data
