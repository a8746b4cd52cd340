"""Parse files into documents: Markdown, text, HTML, PDF, JSONL corpora and chat exports."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from promptgen.errors import ParseError
from promptgen.library.conversations import parse_conversations


@dataclass(frozen=True, slots=True)
class Section:
    """A run of text under one heading path (e.g. ``Library › Chunking``)."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """One document found in a file; ``key`` tells documents of the same file apart."""

    key: str
    title: str
    kind: str
    sections: tuple[Section, ...]


MARKDOWN = (".md", ".markdown")
TEXT = (".txt", ".text", ".rst")
HTML = (".html", ".htm")
SUPPORTED_SUFFIXES = frozenset((*MARKDOWN, *TEXT, *HTML, ".pdf", ".json", ".jsonl"))

_ATX_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
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
            path.append(heading.group(2))
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


class _HTMLText(HTMLParser):
    """Collects visible text by heading, skipping scripts and styles."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
    _BLOCK = frozenset(
        {"p", "div", "li", "br", "tr", "section", "article", "pre", "table", "ul", "ol"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.sections: list[Section] = []
        self._heading = ""
        self._buffer: list[str] = []
        self._skip_depth = 0
        self._capture: str | None = None
        self._captured: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag == "title" or re.fullmatch(r"h[1-6]", tag):
            self._capture, self._captured = tag, []
        elif tag in self._BLOCK:
            self._buffer.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag == self._capture:
            text = " ".join("".join(self._captured).split())
            if tag == "title":
                self.title = text
            else:
                self.flush()
                self._heading = text
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        (self._captured if self._capture else self._buffer).append(data)

    def flush(self) -> None:
        body = re.sub(r"\n\s*\n\s*", "\n\n", re.sub(r"[ \t]+", " ", "".join(self._buffer))).strip()
        if body:
            self.sections.append(Section(self._heading or self.title, body))
        self._buffer = []


def parse_html(text: str, title: str) -> list[ParsedDocument]:
    """HTML: visible text only, sectioned by <h1>…<h6>."""
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    parser.flush()
    doc_title = parser.title or title
    sections = tuple(Section(s.heading or doc_title, s.text) for s in parser.sections)
    return [ParsedDocument("", doc_title, "html", sections)]


def parse_pdf(data: bytes, path: Path) -> list[ParsedDocument]:
    """PDF: the text layer of each page, one section per page."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ParseError(
            f"{path}: unreadable PDF ({exc}); check the file opens in a PDF viewer"
        ) from exc
    sections = tuple(Section(f"page {i}", p.strip()) for i, p in enumerate(pages, 1) if p.strip())
    if not sections:
        raise ParseError(f"{path}: the PDF has no text layer (scanned?); run OCR on it first")
    return [ParsedDocument("", str(meta_title or path.stem), "pdf", sections)]


def _jsonl_records(text: str, path: Path) -> list[Any]:
    records = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ParseError(f"{path}: line {number} is not valid JSON ({exc.msg})") from exc
    return records


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


def parse_json_file(text: str, path: Path, *, lines: bool) -> list[ParsedDocument]:
    """JSON/JSONL: a corpus of {id, title, text} records or an exported chat history."""
    if lines:
        records = _jsonl_records(text, path)
    else:
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
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


def parse_file(path: Path) -> list[ParsedDocument]:
    """The documents in one file, or ParseError saying what is wrong and what to do."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ParseError(
            f"{path}: unsupported file type {suffix or '(none)'}; supported: {supported}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(
            f"{path}: cannot read ({exc.strerror}); check it exists and is readable"
        ) from exc
    if suffix == ".pdf":
        return parse_pdf(data, path)
    text = decode(data, path)
    if suffix in (".json", ".jsonl"):
        return parse_json_file(text, path, lines=suffix == ".jsonl")
    if suffix in MARKDOWN:
        return parse_markdown(text, path.stem)
    if suffix in HTML:
        return parse_html(text, path.stem)
    return parse_text(text, path.stem)
