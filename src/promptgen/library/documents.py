"""What parsing a file yields (documents of sections) and what it may cost (``ParseLimits``).

Every format's parser shares these, so they sit below all of them: ``parsers.py`` dispatches to
``html_text.py`` and ``pdf.py``, which could not import them from there without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from promptgen.errors import ParseError

if TYPE_CHECKING:
    from pathlib import Path

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


def too_much_text(path: Path, limits: ParseLimits) -> ParseError:
    """The error for a file yielding more than ``limits.max_text_chars`` characters of text."""
    return ParseError(
        f"{path}: more than {limits.max_text_chars:,} characters of text; the limit is "
        "PROMPTGEN_MAX_FILE_TEXT_CHARS; split the file or raise the limit"
    )
