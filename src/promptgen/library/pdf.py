"""PDF into a document: the text layer of each page, bounded by the parse limits."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from promptgen.errors import ParseError
from promptgen.library.documents import (
    DEFAULT_LIMITS,
    ParsedDocument,
    ParseLimits,
    Section,
    too_much_text,
)

if TYPE_CHECKING:
    from pathlib import Path


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
                raise too_much_text(path, limits)
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
