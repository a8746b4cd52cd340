"""Retrieve: BM25 candidates from the Library, each scored by how much of the draft it covers."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from promptgen.library.store import LibraryStore
from promptgen.library.terms import query_terms
from promptgen.types import Hit

# Candidates fetched per query before the Refusal Contract picks the context.
CANDIDATES = 20
# Long drafts are cut to their rarest terms: common terms cost FTS5 time and say little.
MAX_QUERY_TERMS = 24


@dataclass(frozen=True, slots=True)
class Retrieval:
    """Hits best first, with the query's terms and the Library's size."""

    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    library_chunks: int
    idf_total: float = 0.0


def idf(df: int, total: int) -> float:
    """BM25's inverse document frequency (never negative)."""
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def retrieve(store: LibraryStore, text: str, *, library: str, k: int = CANDIDATES) -> Retrieval:
    """The ``k`` best passages for the draft, each with its IDF-weighted term coverage."""
    terms = query_terms(text, limit=64)
    total, frequencies = store.document_frequencies(terms)
    if not terms or total == 0:
        return Retrieval((), tuple(terms), total)
    weights = {t: idf(frequencies.get(t, 0), total) for t in terms}
    searched = sorted(terms, key=lambda t: -weights[t])[:MAX_QUERY_TERMS]
    candidates = store.search([t for t in searched if frequencies.get(t, 0)], library=library, k=k)
    # Coverage counts every draft term, including ones the Library has never seen: a draft
    # whose distinctive words are absent is not grounded however well its common words match.
    denominator = sum(weights.values())
    hits = tuple(
        replace(c.hit, coverage=sum(w for t, w in weights.items() if t in c.terms) / denominator)
        for c in candidates
    )
    return Retrieval(hits, tuple(terms), total, denominator)
