"""Retrieve: BM25 candidates from the Library, re-ranked with feedback terms and dense similarity.

1. FTS5 proposes a pool of chunks for the draft's rarest terms.
2. Each is re-scored with Okapi BM25 (k1=1.2, b=0.75) and its IDF-weighted coverage of the draft.
3. Pseudo-relevance feedback: the best few chunks lend their most telling terms to an expanded
   query (RM3-style), which re-scores the pool.
4. The static embedding of the draft is compared with each chunk's stored vector.
The final order fuses the three (weights measured in docs/quality.md).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from promptgen.embed.embedder import Embedder, from_blob
from promptgen.library.store import Candidate, LibraryStore
from promptgen.library.terms import query_terms
from promptgen.types import Hit

# Candidates fetched per query: the pool that feedback and dense similarity re-rank.
POOL = 50
CANDIDATES = 20
# Long drafts are cut to their rarest terms: common terms cost FTS5 time and say little.
MAX_QUERY_TERMS = 24
K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class Fusion:
    """How the final order mixes plain BM25, feedback-expanded BM25 and dense similarity."""

    bm25: float = 0.1
    feedback: float = 0.5
    dense: float = 0.4
    feedback_chunks: int = 5
    feedback_terms: int = 20


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


def _expanded_query(
    store: LibraryStore,
    ranked: list[tuple[Candidate, Hit]],
    weights: dict[str, float],
    total: int,
    fusion: Fusion,
) -> dict[str, float]:
    """Draft terms plus the feedback terms of the best chunks, as BM25 term weights (IDF-scaled)."""
    top = ranked[: fusion.feedback_chunks]
    best = top[0][1].bm25
    mass = [math.exp(hit.bm25 - best) for _, hit in top]
    vocabulary = sorted({t for candidate, _ in top for t in candidate.tokens})
    frequencies = store.corpus_stats(vocabulary).frequencies
    feedback: dict[str, float] = {}
    for (candidate, _), m in zip(top, mass, strict=True):
        counts = Counter(candidate.tokens)
        length = len(candidate.tokens) or 1
        for term, tf in counts.items():
            weight = m / sum(mass) * tf / length * idf(frequencies.get(term, 0), total)
            feedback[term] = feedback.get(term, 0.0) + weight
    best_terms = sorted(feedback, key=lambda t: -feedback[t])[: fusion.feedback_terms]
    expansion = {t: feedback[t] for t in best_terms}
    norm = sum(expansion.values()) or 1.0
    mixed = {t: 0.5 / len(weights) for t in weights}
    for term, value in expansion.items():
        mixed[term] = mixed.get(term, 0.0) + 0.5 * value / norm
    idfs = {**{t: idf(frequencies.get(t, 0), total) for t in mixed}, **weights}
    return {t: w * idfs[t] for t, w in mixed.items()}


def _fuse(
    store: LibraryStore,
    candidates: list[Candidate],
    hits: list[Hit],
    weights: dict[str, float],
    *,
    total: int,
    average_length: float,
    query_vector: np.ndarray | None,
    fusion: Fusion,
) -> list[Hit]:
    """The pool re-ordered by fused score; each hit keeps its own BM25 and gains its similarity."""
    ranked = sorted(zip(candidates, hits, strict=True), key=lambda pair: -pair[1].bm25)
    expanded = _expanded_query(store, ranked, weights, total, fusion)
    feedback = [bm25(c.tokens, expanded, average_length) for c, _ in ranked]
    similarity = [
        float(from_blob(c.vector) @ query_vector) if query_vector is not None and c.vector else 0.0
        for c, _ in ranked
    ]
    top_bm25 = ranked[0][1].bm25 or 1.0
    top_feedback = max(feedback) or 1.0
    fused = [
        fusion.bm25 * hit.bm25 / top_bm25 + fusion.feedback * f / top_feedback + fusion.dense * s
        for (_, hit), f, s in zip(ranked, feedback, similarity, strict=True)
    ]
    order = sorted(range(len(ranked)), key=lambda i: -fused[i])
    return [replace(ranked[i][1], similarity=similarity[i]) for i in order]


def retrieve(
    store: LibraryStore,
    text: str,
    *,
    library: str,
    k: int = CANDIDATES,
    embedder: Embedder | None = None,
    fusion: Fusion | None = Fusion(),
) -> Retrieval:
    """The ``k`` best passages for the draft, each with its BM25, coverage and similarity."""
    terms = query_terms(text, limit=64)
    corpus = store.corpus_stats(terms)
    if not terms or corpus.chunks == 0:
        return Retrieval((), tuple(terms), corpus.chunks)
    weights = {t: idf(corpus.frequencies.get(t, 0), corpus.chunks) for t in terms}
    searched = sorted((t for t in terms if corpus.frequencies.get(t)), key=lambda t: -weights[t])
    candidates = store.search(searched[:MAX_QUERY_TERMS], library=library, k=max(k, POOL))
    hits = [_score(c, weights, corpus.average_length) for c in candidates]
    if fusion is not None and hits:
        query_vector = embedder.embed_one(text) if embedder is not None else None
        hits = _fuse(
            store,
            candidates,
            hits,
            weights,
            total=corpus.chunks,
            average_length=corpus.average_length,
            query_vector=query_vector,
            fusion=fusion,
        )
    else:
        hits.sort(key=lambda h: -h.bm25)
    return Retrieval(tuple(hits[:k]), tuple(terms), corpus.chunks, sum(weights.values()))
