"""Parse files into documents: Markdown, text, HTML, PDF, JSONL corpora and chat exports."""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptgen.errors import ParseError
from promptgen.library.conversations import parse_conversations

if TYPE_CHECKING:
    from promptgen.settings import Settings


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


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What one file may cost to parse; a file beyond any bound fails, saying which and why.

    The defaults are the settings' (``PROMPTGEN_MAX_FILE_BYTES`` …, see settings.py).
    """

    max_file_bytes: int = 100_000_000
    max_pdf_pages: int = 2_000
    max_json_depth: int = 64
    max_text_chars: int = 50_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        """The limits configured in ``settings``."""
        return cls(
            max_file_bytes=settings.max_file_bytes,
            max_pdf_pages=settings.max_pdf_pages,
            max_json_depth=settings.max_json_depth,
            max_text_chars=settings.max_file_text_chars,
        )


DEFAULT_LIMITS = ParseLimits()

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


# One piece of markup, HTML5-style: a construct left open runs to the end of the file rather than
# being scanned again from every later "<" (html.parser's quadratic time on unclosed tags).
_MARKUP = re.compile(
    r"""
    <!--.*?(?:-->|\Z)                                    # comment
  | <(?P<end>/?)(?P<name>[a-zA-Z][^\s/>]*+)             # tag, with its attributes:
    (?P<attrs>(?:[^>=]|=\s*+"[^"]*+"?|=\s*+'[^']*+'?|=)*+)(?:>|\Z)   # '>' in a quoted value
  | <[!?/][^>]*+(?:>|\Z)                                # doctype, CDATA, <?…?>, bogus </…>
    """,
    re.S | re.X,
)
# Elements whose content is raw text up to their end tag, never markup.
_RAW_TEXT = frozenset({"script", "style", "title", "textarea"})


class _HTMLText:
    """Collects visible text by heading, skipping scripts and styles."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
    _BLOCK = frozenset(
        {"p", "div", "li", "br", "tr", "section", "article", "pre", "table", "ul", "ol"}
    )

    def __init__(self) -> None:
        self.title = ""
        self.sections: list[Section] = []
        self._heading = ""
        self._buffer: list[str] = []
        self._skip_depth = 0
        self._capture: str | None = None
        self._captured: list[str] = []

    def feed(self, text: str) -> None:
        """Every tag and run of text of ``text``, in order, in one pass."""
        pos = 0
        while (match := _MARKUP.search(text, pos)) is not None:
            if match.start() > pos:
                self.handle_data(html.unescape(text[pos : match.start()]))
            pos = match.end()
            name = (match.group("name") or "").lower()
            if not name:
                continue  # comment, declaration or bogus end tag
            if match.group("end"):
                self.handle_endtag(name)
                continue
            self.handle_starttag(name)
            if name in _RAW_TEXT:
                close = re.compile(rf"</{re.escape(name)}[\s/>]", re.I).search(text, pos)
                end = close.start() if close else len(text)  # unclosed: runs to the end
                raw = text[pos:end]
                self.handle_data(raw if name in ("script", "style") else html.unescape(raw))
                pos = end
            elif (match.group("attrs") or "").rstrip().endswith("/"):
                self.handle_endtag(name)
        if pos < len(text):
            self.handle_data(html.unescape(text[pos:]))

    def handle_starttag(self, tag: str) -> None:
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
    parser.flush()
    doc_title = parser.title or title
    sections = tuple(Section(s.heading or doc_title, s.text) for s in parser.sections)
    return [ParsedDocument("", doc_title, "html", sections)]


def parse_pdf(
    data: bytes, path: Path, limits: ParseLimits = DEFAULT_LIMITS
) -> list[ParsedDocument]:
    """PDF: the text layer of each page, one section per page.

    pypdf bounds what a stream may decompress to (a decompression bomb stops at its limit);
    ``limits`` bounds the pages read and the text kept.
    """
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    pages: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        # Encrypted for permissions only, a PDF opens with the empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError(
                f"{path}: the PDF is password-protected; save an unprotected copy to ingest it"
            )
        count = len(reader.pages)
        if count > limits.max_pdf_pages:
            raise ParseError(
                f"{path}: the PDF has {count:,} pages; the limit is {limits.max_pdf_pages:,} "
                "(PROMPTGEN_MAX_PDF_PAGES); split it or raise the limit"
            )
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            total += len(text)
            if total > limits.max_text_chars:
                raise _too_much_text(path, limits)
            pages.append(text)
        meta_title = reader.metadata.title if reader.metadata else None
    except ParseError:
        raise
    except LimitReachedError as exc:
        raise ParseError(
            f"{path}: the PDF exceeds a safety limit of the PDF reader ({exc}); "
            "a decompression bomb or a damaged file"
        ) from exc
    except Exception as exc:
        # pypdf raises many kinds of errors on damaged files (PdfReadError, ValueError,
        # KeyError, TypeError, AssertionError, ...): each is the same answer to a person.
        raise ParseError(
            f"{path}: unreadable PDF ({type(exc).__name__}: {exc}); "
            "check the file opens in a PDF viewer"
        ) from exc
    sections = tuple(Section(f"page {i}", p.strip()) for i, p in enumerate(pages, 1) if p.strip())
    if not sections:
        raise ParseError(f"{path}: the PDF has no text layer (scanned?); run OCR on it first")
    return [ParsedDocument("", str(meta_title or path.stem), "pdf", sections)]


def _too_much_text(path: Path, limits: ParseLimits) -> ParseError:
    return ParseError(
        f"{path}: more than {limits.max_text_chars:,} characters of text; the limit is "
        "PROMPTGEN_MAX_FILE_TEXT_CHARS; split the file or raise the limit"
    )


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
        raise _too_much_text(path, limits)
    return [
        replace(
            doc,
            key=_clean(doc.key),
            title=_clean(doc.title),
            sections=tuple(Section(_clean(s.heading), _clean(s.text)) for s in doc.sections),
        )
        for doc in docs
    ]
