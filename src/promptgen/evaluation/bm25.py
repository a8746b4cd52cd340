"""Plain in-memory BM25 (k1=1.2, b=0.75) over whole documents: the anchor every number is compared to."""

from __future__ import annotations

import math
from collections import Counter

from promptgen.library.terms import query_terms, terms


class PlainBM25:
    """Okapi BM25 with Lucene's IDF on the same terms PromptGen indexes, no reranking, no fusion."""

    def __init__(self, documents: dict[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.ids = list(documents)
        self.tf = [Counter(terms(documents[i])) for i in self.ids]
        self.lengths = [sum(tf.values()) for tf in self.tf]
        self.average = sum(self.lengths) / max(len(self.lengths), 1)
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(self.ids)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.postings: dict[str, list[int]] = {}
        for index, tf in enumerate(self.tf):
            for term in tf:
                self.postings.setdefault(term, []).append(index)

    def rank(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best documents with their scores."""
        scores: dict[int, float] = {}
        for term in query_terms(query, limit=64):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for index in self.postings[term]:
                tf = self.tf[index][term]
                norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.average)
                scores[index] = scores.get(index, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda item: -item[1])[:k]
        return [(self.ids[i], s) for i, s in best]
