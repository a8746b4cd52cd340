"""Chunking properties: nothing lost, nothing over the limit."""

from hypothesis import given
from hypothesis import strategies as st

from promptgen.library.chunking import chunk_text
from promptgen.library.store import ChunkRecord  # noqa: F401 - the type chunks end up in

words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=3000)


@given(words, st.integers(min_value=5, max_value=80))
def test_chunks_rejoin_to_the_source_and_respect_the_limit(text: str, max_words: int) -> None:
    chunks = chunk_text(text, target_words=max(1, max_words // 2), max_words=max_words)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    assert all(0 < len(c.split()) <= max_words for c in chunks)


def test_paragraphs_are_packed_towards_the_target() -> None:
    paragraph = " ".join(["word"] * 50)
    chunks = chunk_text("\n\n".join([paragraph] * 10), target_words=100, max_words=150)
    assert [len(c.split()) for c in chunks] == [100] * 5
