"""Pure text → chunks: pack paragraphs into passages of a bounded number of words."""

from __future__ import annotations

import re

TARGET_WORDS = 180
MAX_WORDS = 260

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _pieces(paragraph: str, max_words: int) -> list[str]:
    """Split one paragraph into pieces of at most ``max_words`` words, on sentences when possible."""
    if len(paragraph.split()) <= max_words:
        return [paragraph]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        words = sentence.split()
        for start in range(0, len(words), max_words):
            pieces.append(" ".join(words[start : start + max_words]))
    return pieces


def chunk_text(
    text: str, *, target_words: int = TARGET_WORDS, max_words: int = MAX_WORDS
) -> list[str]:
    """Chunks of ``text`` that each hold at most ``max_words`` words and, rejoined, give its words back."""
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for paragraph in _PARAGRAPH_BREAK.split(text):
        for piece in _pieces(paragraph.strip(), max_words):
            words = len(piece.split())
            if not words:
                continue
            if current and (count + words > max_words or count >= target_words):
                chunks.append("\n\n".join(current))
                current, count = [], 0
            current.append(piece)
            count += words
    if current:
        chunks.append("\n\n".join(current))
    return chunks
