"""HTML into a document: visible text only, sectioned by its headings, in one linear pass."""

from __future__ import annotations

import html
import re

from promptgen.library.documents import ParsedDocument, Section

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
