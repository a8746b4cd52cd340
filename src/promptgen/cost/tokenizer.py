"""Exact token counts with tiktoken, offline: the BPE files ship in the package, SHA-256 checked."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import tiktoken

from promptgen.errors import TokenizerUnavailable

# The files are the ones tiktoken downloads from OpenAI; vendored from the litellm wheel
# (see encodings/SOURCES.md). The hashes are tiktoken's own expected_hash values.
EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
# Split patterns and special tokens as tiktoken_ext.openai_public defines them.
_PATTERNS = {
    "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}
_SPECIAL = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}
ENCODINGS = tuple(EXPECTED_SHA256)


def load_encoding(name: str) -> tiktoken.Encoding:
    """The named encoding from the package's files, after checking their SHA-256."""
    if name not in EXPECTED_SHA256:
        raise TokenizerUnavailable(f"unknown tokenizer {name!r}; known: {', '.join(ENCODINGS)}")
    try:
        data = resources.files("promptgen.cost").joinpath(f"encodings/{name}.tiktoken").read_bytes()
    except OSError as exc:
        raise TokenizerUnavailable(
            f"tokenizer file for {name} is missing; reinstall PromptGen"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXPECTED_SHA256[name]:
        raise TokenizerUnavailable(
            f"tokenizer file for {name} fails its checksum ({digest[:12]}…); reinstall PromptGen"
        )
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in data.splitlines() if line)
    }
    return PackagedEncoding(
        name=name, pat_str=_PATTERNS[name], mergeable_ranks=ranks, special_tokens=_SPECIAL[name]
    )


class PackagedEncoding(tiktoken.Encoding):
    """A tiktoken Encoding that does not keep its vocabulary as a Python dict.

    tiktoken's Rust core holds its own copy of the ranks; the Python ``dict[bytes, int]``
    (200k entries, ~30 MB for o200k_base, ~18 MB for cl100k_base, in every server worker) is
    only read again to pickle the encoding, which is pickled by name instead.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._mergeable_ranks = {}

    def __reduce__(self) -> tuple[Callable[[str], tiktoken.Encoding], tuple[str]]:
        return (load_encoding, (self.name,))


# A newline followed by a character that is neither whitespace nor "/" always ends one of the
# encodings' pre-tokenizer pieces (o200k_base's punctuation piece may take "/" after newlines),
# so the token count of a text is the sum of the counts of its lines cut there. Counting lines
# lets passages and template lines that recur across optimized prompts be counted once.
# tests/cost/test_tokenizer.py checks the equality on generated texts for both encodings.
_LINE_START = re.compile(r"(?<=\n)(?=[^\s/])")


class Tokenizer:
    """Counts tokens per encoding; each encoding is loaded once, on first use."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._encodings: dict[str, tiktoken.Encoding] = {}
        # Library passages are counted again and again (popular passages ground many drafts).
        self._cache: dict[tuple[str, str], int] = {}
        self._cache_size = cache_size

    def encoding(self, name: str) -> tiktoken.Encoding:
        """The loaded encoding ``name``."""
        if name not in self._encodings:
            self._encodings[name] = load_encoding(name)
        return self._encodings[name]

    def preload(self, name: str) -> None:
        """Load encoding ``name`` now (a server does it at startup, not in the first request)."""
        self.encoding(name)

    def count(self, text: str, encoding: str = "o200k_base") -> int:
        """Exact token count; special-token text is counted as ordinary text, never refused."""
        if "\n" not in text:
            return self._count_piece(text, encoding)
        return sum(self._count_piece(line, encoding) for line in _LINE_START.split(text) if line)

    def _count_piece(self, text: str, encoding: str) -> int:
        key = (encoding, text)
        cached = self._cache.get(key)
        if cached is None:
            cached = len(self.encoding(encoding).encode_ordinary(text))
            if self._cache_size > 0:
                if len(self._cache) >= self._cache_size:
                    # Oldest first (dicts keep order). Precomputes run in a thread pool: another
                    # thread may evict the same key or insert meanwhile; a miss is harmless.
                    with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                        self._cache.pop(next(iter(self._cache)))
                self._cache[key] = cached
        return cached
