"""Retrieve: BM25 candidates from the Library, re-scored and measured for coverage of the draft."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from promptgen.library.store import Candidate, LibraryStore
from promptgen.library.terms import query_terms
from promptgen.types import Hit

# Candidates fetched per query before the Refusal Contract picks the context.
CANDIDATES = 20
# Long drafts are cut to their rarest terms: common terms cost FTS5 time and say little.
MAX_QUERY_TERMS = 24
K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Hits best first, with the query's terms, the Library's size and the query's total IDF."""

    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    library_chunks: int
    idf_total: float = 0.0


def idf(df: int, total: int) -> float:
    """BM25 inverse document frequency in Lucene's form, which is never negative or zero.

    FTS5's own bm25() clamps IDF to ~0 whenever a term is in half the chunks or more, which
    makes its scores meaningless in a small Library; this one degrades smoothly.
    """
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def bm25(tokens: tuple[str, ...], weights: dict[str, float], average_length: float) -> float:
    """Okapi BM25 (k1=1.2, b=0.75) of one chunk for the weighted query terms."""
    counts = Counter(t for t in tokens if t in weights)
    norm = K1 * (1 - B + B * len(tokens) / (average_length or 1.0))
    return sum(weights[t] * tf * (K1 + 1) / (tf + norm) for t, tf in counts.items())


def _score(candidate: Candidate, weights: dict[str, float], average_length: float) -> Hit:
    present = set(candidate.tokens)
    # Coverage counts every draft term, including ones the Library has never seen: a draft
    # whose distinctive words are absent is not grounded however well its common words match.
    coverage = sum(w for t, w in weights.items() if t in present) / (sum(weights.values()) or 1.0)
    return replace(
        candidate.hit, bm25=bm25(candidate.tokens, weights, average_length), coverage=coverage
    )


def retrieve(store: LibraryStore, text: str, *, library: str, k: int = CANDIDATES) -> Retrieval:
    """The ``k`` best passages for the draft by BM25, each with its IDF-weighted term coverage."""
    terms = query_terms(text, limit=64)
    corpus = store.corpus_stats(terms)
    if not terms or corpus.chunks == 0:
        return Retrieval((), tuple(terms), corpus.chunks)
    weights = {t: idf(corpus.frequencies.get(t, 0), corpus.chunks) for t in terms}
    searched = sorted((t for t in terms if corpus.frequencies.get(t)), key=lambda t: -weights[t])
    candidates = store.search(searched[:MAX_QUERY_TERMS], library=library, k=max(k, CANDIDATES))
    hits = sorted(
        (_score(c, weights, corpus.average_length) for c in candidates), key=lambda h: -h.bm25
    )
    return Retrieval(tuple(hits[:k]), tuple(terms), corpus.chunks, sum(weights.values()))
