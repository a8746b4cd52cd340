"""Plain BM25 over whole documents: the anchor every retrieval and refusal number is compared to.

An anchor must not share code with what it judges, so none of PromptGen's retrieval is used
here: the maintained ``bm25s`` library scores (Okapi BM25, k1=1.2, b=0.75, Lucene's IDF), over
its own tokenization (lowercased words of two or more letters, bm25s' English stopwords,
Snowball English stems from PyStemmer), not the terms PromptGen indexes
(promptgen.library.terms). No reranking, no fusion, no heading weights.
"""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer


class PlainBM25:
    """The ``k`` best documents for a query by plain BM25 (bm25s), with their scores."""

    def __init__(self, documents: dict[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = list(documents)
        self._stem = Stemmer.Stemmer("english").stemWords
        self._index = bm25s.BM25(k1=k1, b=b, method="lucene")
        if self.ids:
            self._index.index(self._tokens([documents[i] for i in self.ids]), show_progress=False)

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        tokens: list[list[str]] = bm25s.tokenize(
            texts, stopwords="en", stemmer=self._stem, return_ids=False, show_progress=False
        )
        return tokens

    def rank(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best documents with their scores (only documents sharing a query term)."""
        if not self.ids:
            return []
        known = self._index.get_tokens_ids(self._tokens([query])[0])
        if not known:
            return []
        scores = np.asarray(self._index.get_scores(known), dtype=np.float64)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]
