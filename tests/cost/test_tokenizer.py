"""Token counts: counting a text line by line gives exactly the count of the whole text."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from promptgen.cost.tokenizer import Tokenizer

# Pieces that sit on and around line boundaries in real prompts: newline runs, CRLF, other
# whitespace (including Unicode line and paragraph separators), punctuation that tokenizers
# glue to newlines, slashes, digits, contractions, markup and non-Latin text.
PIECES = [
    "\n", "\n\n", "\r\n", "\r", " ", "  ", "\t", "\u00a0", "\u2028", "\u2029", "\x0b", "\x0c",
    ".", "end.", ":", "?", "!", "...", "—", "-", "- ", "#", "## ", "/", "//", "\\", "*", "`",
    "```", "word", "Word", "WORD", "123", "4567", "3.14", "'s", "'ll", "n't", "é", "ß",
    "日本語", "한국어", "😀", "(", ")", "[", "]", "<passage id=\"1\">", "</passage>", "\"",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=40).map("".join) | st.text(
    max_size=200
)


@pytest.fixture(scope="module")
def counter() -> Tokenizer:
    return Tokenizer(cache_size=0)  # every count encodes: nothing hides behind the cache


@settings(max_examples=400, deadline=None)
@given(text=texts)
@example(text="end.\n/usr/bin")  # o200k_base: ".\n/" is one token, so no cut before "/"
@example(text="a)\n\n//x\r\n\u2028y")
def test_line_by_line_counts_equal_whole_text_counts(counter: Tokenizer, text: str) -> None:
    for encoding in ("o200k_base", "cl100k_base"):
        whole = len(counter.encoding(encoding).encode_ordinary(text))
        assert counter.count(text, encoding) == whole


def test_lines_of_a_prompt_are_counted_once_and_reused() -> None:
    tokenizer = Tokenizer()
    passage = "The billing router retries three times.\nThen it pages the on-call engineer.\n"
    first = tokenizer.count(f"## Task\nWhy does it page?\n\n{passage}")
    again = tokenizer.count(f"## Task\nHow many retries?\n\n{passage}")
    encoding = tokenizer.encoding("o200k_base")
    assert first == len(encoding.encode_ordinary(f"## Task\nWhy does it page?\n\n{passage}"))
    assert again == len(encoding.encode_ordinary(f"## Task\nHow many retries?\n\n{passage}"))
    assert ("o200k_base", "Then it pages the on-call engineer.\n") in tokenizer._cache
