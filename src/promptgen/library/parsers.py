"""Parse files into documents: read within the limits, pick the parser by suffix; Markdown, text,
JSONL corpora and chat exports here, HTML in ``html_text.py``, PDF in ``pdf.py``."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from promptgen.errors import ParseError
from promptgen.library.conversations import parse_conversations
from promptgen.library.documents import (
    DEFAULT_LIMITS,
    ParsedDocument,
    ParseLimits,
    Section,
    too_much_text,
)
from promptgen.library.html_text import parse_html
from promptgen.library.pdf import parse_pdf

MARKDOWN = (".md", ".markdown")
TEXT = (".txt", ".text", ".rst")
HTML = (".html", ".htm")
SUPPORTED_SUFFIXES = frozenset((*MARKDOWN, *TEXT, *HTML, ".pdf", ".json", ".jsonl"))

_ATX_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def decode(data: bytes, path: Path) -> str:
    """Bytes → text, refusing binary files and invalid UTF-8 with a reason a person can act on."""
    if b"\x00" in data[:8192]:
        raise ParseError(
            f"{path}: looks like a binary file (NUL bytes); only text formats are ingested"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"{path}: not valid UTF-8 at byte {exc.start}; re-save the file as UTF-8"
        ) from exc


def parse_markdown(text: str, title: str) -> list[ParsedDocument]:
    """Split Markdown by ATX headings, keeping the heading path of each section."""
    sections: list[Section] = []
    path: list[str] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            sections.append(Section(" › ".join(path) or title, body))
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _ATX_HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            del path[level - 1 :]
            path.extend([""] * (level - 1 - len(path)))
            # The optional closing sequence: trailing spaces, then #s, then spaces.
            path.append(heading.group(2).rstrip().rstrip("#").rstrip())
            path[:] = [p for p in path if p]
            continue
        lines.append(line)
    flush()
    doc_title = next((s.heading.split(" › ")[0] for s in sections), title)
    return [ParsedDocument("", doc_title, "markdown", tuple(sections))]


def parse_text(text: str, title: str) -> list[ParsedDocument]:
    """Plain text: one document, one section."""
    body = text.strip()
    return [ParsedDocument("", title, "text", (Section(title, body),) if body else ())]


def _json_depth_exceeded(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _load_json(text: str, path: Path, limits: ParseLimits, where: str = "") -> Any:
    """One JSON value, or ParseError: invalid, nested too deep, or a number too long."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if where:
            raise ParseError(f"{path}: {where} is not valid JSON ({exc.msg})") from exc
        raise ParseError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise _too_deep(path, limits, where) from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ParseError(f"{path}: {where or 'the file'} is not usable JSON ({exc})") from exc
    if _json_depth_exceeded(value, limits.max_json_depth):
        raise _too_deep(path, limits, where)
    return value


def _too_deep(path: Path, limits: ParseLimits, where: str) -> ParseError:
    return ParseError(
        f"{path}: {where or 'the JSON'} nests lists and objects more than "
        f"{limits.max_json_depth} levels deep (PROMPTGEN_MAX_JSON_DEPTH); "
        "an export is never this deep: check the file"
    )


def _jsonl_records(text: str, path: Path, limits: ParseLimits = DEFAULT_LIMITS) -> list[Any]:
    return [
        _load_json(line, path, limits, f"line {number}")
        for number, line in enumerate(text.split("\n"), 1)
        if line.strip()
    ]


def _corpus_documents(records: list[Any], path: Path) -> list[ParsedDocument]:
    docs: list[ParsedDocument] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ParseError(f"{path}: record {number} needs a string 'text' field")
        doc_id = str(record.get("id", number))
        if doc_id in seen:
            # Each id is one document: a repeat would silently replace the earlier text.
            raise ParseError(
                f"{path}: record {number} repeats id {doc_id!r} of record {seen[doc_id]}; "
                "ids must be unique in a file (rename or drop one)"
            )
        seen[doc_id] = number
        title = str(record.get("title") or doc_id)
        body = record["text"].strip()
        docs.append(ParsedDocument(doc_id, title, "jsonl", (Section(title, body),) if body else ()))
    return docs


def _is_corpus(records: Any) -> bool:
    """A list of {id, title, text} records, as opposed to a chat export."""
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return False
    first = records[0]
    return "text" in first and "role" not in first and "chat_messages" not in first


def parse_json_file(
    text: str, path: Path, *, lines: bool, limits: ParseLimits = DEFAULT_LIMITS
) -> list[ParsedDocument]:
    """JSON/JSONL: a corpus of {id, title, text} records or an exported chat history."""
    records = _jsonl_records(text, path, limits) if lines else _load_json(text, path, limits)
    if _is_corpus(records):
        return _corpus_documents(records, path)
    try:
        conversations = parse_conversations(records, default_title=path.stem)
    except ValueError as exc:
        raise ParseError(f"{path}: {exc}") from exc
    return [
        ParsedDocument(
            c.key, c.title, "conversation", (Section(c.title, c.text),) if c.text else ()
        )
        for c in conversations
    ]


def parse_file(path: Path, limits: ParseLimits = DEFAULT_LIMITS) -> list[ParsedDocument]:
    """The documents in one file, or ParseError saying what is wrong and what to do.

    A file larger than ``limits`` allow, or yielding more text, is refused, not truncated.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ParseError(
            f"{path}: unsupported file type {suffix or '(none)'}; supported: {supported}"
        )
    data = _read(path, limits)
    if suffix == ".pdf":
        docs = parse_pdf(data, path, limits)
    else:
        text = decode(data, path)
        if suffix in (".json", ".jsonl"):
            docs = parse_json_file(text, path, lines=suffix == ".jsonl", limits=limits)
        elif suffix in MARKDOWN:
            docs = parse_markdown(text, path.stem)
        elif suffix in HTML:
            docs = parse_html(text, path.stem)
        else:
            docs = parse_text(text, path.stem)
    return _storable(docs, path, limits)


def _read(path: Path, limits: ParseLimits) -> bytes:
    """The file's bytes, refusing one over ``limits.max_file_bytes`` before reading it."""
    too_big = (
        f"the limit is {limits.max_file_bytes:,} bytes (PROMPTGEN_MAX_FILE_BYTES); "
        "split the file or raise the limit"
    )
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise ParseError(f"{path}: the file is {size:,} bytes; {too_big}")
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)  # it may have grown since
    except OSError as exc:
        raise ParseError(
            f"{path}: cannot read ({exc.strerror or exc}); check it exists and is readable"
        ) from exc
    if len(data) > limits.max_file_bytes:
        raise ParseError(f"{path}: the file is over {limits.max_file_bytes:,} bytes; {too_big}")
    return data


# Lone surrogates (from JSON escapes such as "\\ud800") cannot be encoded as UTF-8: one failed
# the whole ingest when the store wrote it. (NUL characters are the stores' own business.)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _storable(docs: list[ParsedDocument], path: Path, limits: ParseLimits) -> list[ParsedDocument]:
    """``docs`` with text every store can keep, or ParseError past the text limit."""
    total = sum(len(d.title) + sum(len(s.heading) + len(s.text) for s in d.sections) for d in docs)
    if total > limits.max_text_chars:
        raise too_much_text(path, limits)
    return [
        replace(
            doc,
            key=_clean(doc.key),
            title=_clean(doc.title),
            sections=tuple(Section(_clean(s.heading), _clean(s.text)) for s in doc.sections),
        )
        for doc in docs
    ]
