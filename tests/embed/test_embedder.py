"""The static embedder: float16 table shared through the page cache, ids exactly the tokenizer's."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from promptgen.embed.embedder import MAX_TOKENS, WORD_CACHE_MIN_BATCH, Embedder

TEXTS = [
    "Deploy runbook\nWe deploy the billing service with blue-green releases.",
    "naïve café ΣΊΣΥΦΟΣ résumé Straße İstanbul ﬁne e\u0301",
    "a\x1fb c\x0bd e\u00a0f g\u3000h \u200bzero\u200bwidth",
    "中文没有空格的句子" * 120,
    "x[UNK]y [PAD] [unk] tab\there\r\nnew\n\n\n  spaced   out  ",
    "a" * 150 + " b, c; (d) 'e' \"f\" 🎉🎉",
    "",
    "   ",
    " ".join(f"word{i}" for i in range(700)),
    # Long drafts: read up to MAX_CHARS when that fills MAX_TOKENS, else whole; the same ids.
    "ERROR 2026-11-26T23:59:01Z billing-worker retry=3 payment_id=pi_3QxZ failed: timeout. " * 250,
    " " * 9000 + "which grounding threshold does PromptGen use?",
    "\n" * 9000 + "which grounding threshold?",
    " ".join(["deadbeef" * 20] * 100) + " what is this hash",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def _reference_ids(embedder: Embedder, texts: list[str]) -> list[list[int]]:
    encoded = embedder.tokenizer.encode_batch(texts, add_special_tokens=False)
    return [e.ids[:MAX_TOKENS] for e in encoded]


def test_word_by_word_ids_are_the_tokenizers(embedder: Embedder) -> None:
    batch = (TEXTS * WORD_CACHE_MIN_BATCH)[: max(WORD_CACHE_MIN_BATCH, len(TEXTS))]
    assert len(batch) >= WORD_CACHE_MIN_BATCH
    assert embedder.token_ids(batch) == _reference_ids(embedder, batch)
    assert embedder.token_ids(TEXTS[:3]) == _reference_ids(embedder, TEXTS[:3])  # small batch


def test_vectors_equal_those_of_a_float32_table(embedder: Embedder) -> None:
    batch = TEXTS * 2
    table32 = np.asarray(embedder.table, dtype=np.float32)
    expected = np.zeros((len(batch), embedder.dimensions), dtype=np.float32)
    for row, ids in enumerate(_reference_ids(embedder, batch)):
        if ids:
            expected[row] = table32[ids].mean(axis=0)
    norms = np.linalg.norm(expected, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    assert np.array_equal(embedder.embed(batch), expected / norms)
    assert np.array_equal(embedder.embed_one(TEXTS[0]), (expected / norms)[0])


def test_table_is_float16_and_mapped_not_copied(embedder: Embedder) -> None:
    assert embedder.table.dtype == np.float16
    assert not embedder.table.flags.owndata
    assert not embedder.table.flags.writeable


def test_bulk_mode_and_pickling_give_the_same_vectors(embedder: Embedder) -> None:
    batch = TEXTS * 2
    expected = embedder.embed(batch)
    copy = pickle.loads(pickle.dumps(embedder))
    assert copy.fingerprint == embedder.fingerprint
    bulk = copy.for_bulk()
    assert np.array_equal(bulk.embed(batch), expected)
    assert np.array_equal(bulk.embed(batch), expected)  # second call: from the word cache
    assert bulk.word_cache
    assert embedder.word_cache is None  # the original keeps nothing between calls
