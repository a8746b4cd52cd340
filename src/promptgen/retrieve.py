"""Retrieve: BM25 candidates from the Library, re-ranked with feedback terms and dense similarity.

1. The search index (or the store's own full-text index) proposes a pool of chunks for the
   draft's rarest terms.
2. Each is re-scored with Okapi BM25 (k1=1.2, b=0.75) and its IDF-weighted coverage of the draft.
3. Pseudo-relevance feedback (drafts of 4 terms or more): the best few chunks lend their most
   telling terms to an expanded query (RM3-style), which re-scores the pool.
4. The static embedding of the draft is compared with each chunk's stored vector.
The final order fuses the three (weights measured in docs/quality.md).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from promptgen.cache import Memo
from promptgen.embed.embedder import from_blob
from promptgen.library.content import content_terms
from promptgen.library.store import Candidate, LibraryStore, Searchable
from promptgen.library.terms import query_terms
from promptgen.types import Hit
from promptgen.variables import mask

if TYPE_CHECKING:
    from promptgen.library.index import SearchIndex
    from promptgen.stages import Embedding

log = logging.getLogger(__name__)

# Candidates fetched per query: the pool that feedback and dense similarity re-rank.
POOL = 50
CANDIDATES = 20
# Long drafts are cut to their rarest terms: common terms cost FTS5 time and say little.
MAX_QUERY_TERMS = 12
# FTS5 ranks every chunk that matches any searched term, so the work grows with the summed
# posting lists: stop adding (ever more common) terms past this many postings. Measured at
# 100k chunks: p95 of the search 134 ms unbounded, 12 ms with 6,000 (docs/performance.md).
POSTINGS_BUDGET = 6000
# Feedback terms are chosen among this many of the best chunks' most frequent terms.
FEEDBACK_VOCABULARY = 60
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
    # Drafts with fewer terms than this skip feedback (its weight goes to BM25): twenty expansion
    # terms drown two or three typed words and drift off topic (docs/quality.md, Retrieval).
    feedback_min_terms: int = 4


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Hits best first, with the query's terms, the Library's size and the query's total IDF."""

    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    library_chunks: int
    idf_total: float = 0.0
    # Chunks holding each draft term, and the Library's mean chunk length in terms.
    frequencies: dict[str, int] = field(default_factory=dict)
    average_length: float = 0.0

    @property
    def content(self) -> list[str]:
        """The draft's terms that can ground it (library/content.py): what coverage counts."""
        return content_terms(self.terms)


def idf(df: int, total: int) -> float:
    """BM25 inverse document frequency in Lucene's form, which is never negative or zero.

    FTS5's own bm25() clamps IDF to ~0 whenever a term is in half the chunks or more, which
    makes its scores meaningless in a small Library; this one degrades smoothly.
    """
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def _bm25(
    counts: Counter[str], length: int, weights: dict[str, float], average_length: float
) -> float:
    norm = K1 * (1 - B + B * length / (average_length or 1.0))
    score = 0.0
    # filter() tests membership in C, in the query's order (so sums are reproducible): a chunk
    # holds a few of the query's up to ~80 terms, and this loop runs ~100 times per draft.
    for term in filter(counts.__contains__, weights):
        tf = counts[term]
        score += weights[term] * tf * (K1 + 1) / (tf + norm)
    return score


class TermCounts(Memo[str, tuple[Counter[str], int]]):
    """Term counts of recently ranked chunks, keyed by the chunk's stored term string.

    Splitting and counting a chunk's terms is most of the re-ranking's work, and the same chunks
    come back again and again: a draft is re-sent at every pause while it is typed, and popular
    passages ground many drafts. Keyed by the terms themselves, an edited chunk can never be
    served stale counts. The Counters it returns are shared between drafts (and threads): read
    them, never write to them. Called with a chunk's terms: its counts and length in terms.
    """

    def __init__(self, size: int = 1024) -> None:
        super().__init__(_count_terms, size)


def _count_terms(terms: str) -> tuple[Counter[str], int]:
    tokens = terms.split()
    return Counter(tokens), len(tokens)


@dataclass(slots=True)
class _Scored:
    """A candidate while it is being ranked (mutable, cheap; becomes a Hit at the end)."""

    candidate: Candidate
    counts: Counter[str]
    length: int
    bm25: float
    coverage: float
    similarity: float = 0.0
    fused: float = 0.0

    def hit(self) -> Hit:
        h = self.candidate.hit
        return Hit(
            h.chunk_id,
            h.document_id,
            h.source,
            h.title,
            h.heading,
            h.text,
            self.bm25,
            self.coverage,
            0.0,
            self.similarity,
        )


def _score(
    candidate: Candidate,
    counts: Counter[str],
    length: int,
    weights: dict[str, float],
    coverage_weights: dict[str, float],
    coverage_total: float,
    average_length: float,
) -> _Scored:
    # Coverage counts every content term of the draft, including ones the Library has never
    # seen: a draft whose distinctive words are absent is not grounded however well its common
    # words match. Numbers and filler are left out (library/content.py): they match anywhere.
    matched = sum(map(coverage_weights.__getitem__, filter(counts.__contains__, coverage_weights)))
    coverage = matched / coverage_total if coverage_total else 0.0
    score = _bm25(counts, length, weights, average_length)
    return _Scored(candidate, counts, length, score, coverage)


def _expanded_query(
    store: Searchable,
    ranked: list[_Scored],
    weights: dict[str, float],
    total: int,
    fusion: Fusion,
) -> dict[str, float]:
    """Draft terms plus the feedback terms of the best chunks, as BM25 term weights (IDF-scaled)."""
    top = ranked[: fusion.feedback_chunks]
    best = top[0].bm25
    mass = [math.exp(s.bm25 - best) for s in top]
    # Only the locally strongest terms can make the expansion: look up just those (I/O bound).
    local: dict[str, float] = {}
    for s, m in zip(top, mass, strict=True):
        for term, tf in s.counts.items():
            local[term] = local.get(term, 0.0) + m * tf / (s.length or 1)
    vocabulary = sorted(local, key=lambda t: -local[t])[:FEEDBACK_VOCABULARY]
    frequencies = store.corpus_stats(vocabulary).frequencies
    feedback: dict[str, float] = {}
    vocabulary_idf = {term: idf(df, total) for term, df in frequencies.items()}
    for scored, m in zip(top, mass, strict=True):
        share = m / sum(mass) / (scored.length or 1)
        for term in filter(scored.counts.__contains__, vocabulary_idf):
            weight = share * scored.counts[term] * vocabulary_idf[term]
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
    store: Searchable,
    scored: list[_Scored],
    weights: dict[str, float],
    *,
    total: int,
    average_length: float,
    query_vector: np.ndarray | None,
    fusion: Fusion,
) -> list[_Scored]:
    """The pool re-ordered by fused score, each keeping its own BM25 and gaining its similarity."""
    ranked = sorted(scored, key=lambda s: -s.bm25)
    if len(weights) < fusion.feedback_min_terms:
        feedback = [s.bm25 for s in ranked]
    else:
        expanded = _expanded_query(store, ranked, weights, total, fusion)
        feedback = [_bm25(s.counts, s.length, expanded, average_length) for s in ranked]
    if query_vector is not None:
        with_vectors = [s for s in ranked if s.candidate.vector]
        if with_vectors:
            blob = b"".join(s.candidate.vector or b"" for s in with_vectors)
            similarities = from_blob(blob).reshape(len(with_vectors), -1) @ query_vector
            for s, similarity in zip(with_vectors, similarities.tolist(), strict=True):
                s.similarity = similarity
    top_bm25 = ranked[0].bm25 or 1.0
    top_feedback = max(feedback) or 1.0
    for s, f in zip(ranked, feedback, strict=True):
        s.fused = (
            fusion.bm25 * s.bm25 / top_bm25
            + fusion.feedback * f / top_feedback
            + fusion.dense * s.similarity
        )
    return sorted(ranked, key=lambda s: -s.fused)


def _searched_terms(
    terms: list[str], weights: dict[str, float], frequencies: dict[str, int]
) -> list[str]:
    """The rarest draft terms, at most MAX_QUERY_TERMS and within the postings budget."""
    chosen: list[str] = []
    postings = 0
    for term in sorted((t for t in terms if frequencies.get(t)), key=lambda t: -weights[t]):
        if len(chosen) == MAX_QUERY_TERMS or (
            chosen and postings + frequencies[term] > POSTINGS_BUDGET
        ):
            break
        chosen.append(term)
        postings += frequencies[term]
    return chosen


def _scored(
    candidates: list[Candidate],
    terms: list[str],
    weights: dict[str, float],
    average_length: float,
    term_counts: Callable[[str], tuple[Counter[str], int]],
) -> list[_Scored]:
    """Each candidate's BM25 over all the draft's terms and its coverage of the content terms."""
    coverage_weights = {t: weights[t] for t in content_terms(terms)}
    coverage_total = sum(coverage_weights.values())  # once per draft, not once per candidate
    return [
        _score(c, *term_counts(c.terms), weights, coverage_weights, coverage_total, average_length)
        for c in candidates
    ]


def retrieve(
    store: Searchable,
    text: str,
    *,
    library: str,
    k: int = CANDIDATES,
    embedder: Embedding | None = None,
    fusion: Fusion | None = Fusion(),
    query_vector: np.ndarray | None = None,
    term_counts: Callable[[str], tuple[Counter[str], int]] = _count_terms,
) -> Retrieval:
    """The ``k`` best passages for the draft, each with its BM25, coverage and similarity.

    ``term_counts``: how a chunk's stored terms become counts (a ``TermCounts`` cache, or none).
    """
    terms = query_terms(mask(text), limit=64)  # template variables are never Library terms
    corpus = store.corpus_stats(terms)
    if not terms or corpus.chunks == 0:
        return Retrieval((), tuple(terms), corpus.chunks)
    weights = {t: idf(corpus.frequencies.get(t, 0), corpus.chunks) for t in terms}
    candidates = store.search(
        _searched_terms(terms, weights, corpus.frequencies), library=library, k=max(k, POOL)
    )
    scored = _scored(candidates, terms, weights, corpus.average_length, term_counts)
    if fusion is not None and scored:
        if query_vector is None and embedder is not None:
            query_vector = embedder.embed_one(text)
        scored = _fuse(
            store,
            scored,
            weights,
            total=corpus.chunks,
            average_length=corpus.average_length,
            query_vector=query_vector,
            fusion=fusion,
        )
    else:
        scored.sort(key=lambda s: -s.bm25)
    hits = tuple(s.hit() for s in scored[:k])
    return Retrieval(
        hits,
        tuple(terms),
        corpus.chunks,
        sum(weights.values()),
        corpus.frequencies,
        corpus.average_length,
    )


class Retriever:
    """The retrieval stage: searches the index when it is current, else the store.

    The index is derived data: when it fails mid-search the store answers this draft and the
    index catches up in the background. Owns the term-count cache shared by every draft.
    """

    def __init__(
        self,
        store: LibraryStore,
        index: SearchIndex | None = None,
        *,
        embedder: Embedding | None = None,
        k: int = CANDIDATES,
    ) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder
        self.k = k
        self._term_counts = TermCounts()

    def source(self, generation: tuple[str, int] | None = None) -> Searchable:
        """The index when it is current, else the store (the index catches up meanwhile).

        ``generation``: the store's, when the caller has just read it (one read per request).
        """
        return self.store if self.index is None else self.index.reader(generation)

    def retrieve(
        self,
        text: str,
        *,
        library: str,
        vector: np.ndarray | None = None,
        generation: tuple[str, int] | None = None,
        k: int | None = None,
    ) -> Retrieval:
        """The passages for ``text``; LibraryUnavailable when the store cannot be read."""

        def search(source: Searchable) -> Retrieval:
            return retrieve(
                source,
                text,
                library=library,
                k=k or self.k,
                embedder=self.embedder,
                query_vector=vector,
                term_counts=self._term_counts,
            )

        source = self.source(generation)
        try:
            return search(source)
        except (OSError, ValueError) as exc:  # the index failed: the store still answers
            if source is self.store or self.index is None:
                raise
            log.warning("Search index failed, the store searched instead: %s", exc)
            self.index.damaged(exc)  # rebuilt in the background; the store answers meanwhile
            return search(self.store)
