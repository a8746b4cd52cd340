"""Term normalization shared by indexing and querying: lowercase, drop stopwords, stem."""

from __future__ import annotations

import re

import Stemmer

# Words too common to say anything about relevance; removing them keeps FTS5 posting
# lists short (DESIGN.md: naive OR queries over common words are what make FTS5 slow).
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "do",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "hadn",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "mustn",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "please",
        "same",
        "shan",
        "she",
        "should",
        "shouldn",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "wasn",
        "we",
        "were",
        "weren",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "won",
        "would",
        "wouldn",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "re",
        "ve",
        "y",
        "o",
        "can't",
        "don't",
        "i'm",
        "it's",
        "i've",
        "you're",
    ]
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# Chinese and Japanese are written without spaces, so a "word" would be a whole clause (often
# over MAX_TERM_CHARS, and then dropped). Runs of Han, kana and Hangul become overlapping
# character bigrams instead, as Lucene's CJK analyzer does: "部署应用" -> 部署 署应 应用.
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
# Part of every document's content hash (library/ingest.py): when the terms a text yields change,
# re-ingesting a folder re-indexes its documents instead of calling them unchanged.
TERMS_VERSION = 2
_STEMMER = Stemmer.Stemmer("english")
MAX_TERM_CHARS = 40


# Most words the term cache holds before it starts over (a server's drafts keep adding words).
TERM_CACHE_LIMIT = 200_000
# Lowercased word -> its index term, or None for a stopword or an overlong token.
_TERM_CACHE: dict[str, str | None] = {}


def _term(word: str) -> str | None:
    word = word.replace("’", "'")
    if word in STOPWORDS or len(word) > MAX_TERM_CHARS:
        return None
    return str(_STEMMER.stemWord(word.split("'")[0]))


def _bigrams(run: re.Match[str]) -> str:
    chars = run.group()
    if len(chars) == 1:
        return f" {chars} "
    return " " + " ".join(chars[i : i + 2] for i in range(len(chars) - 1)) + " "


def terms(text: str) -> list[str]:
    """Index terms of ``text`` in order: stemmed, lowercase, stopwords and overlong tokens removed.

    Runs of CJK characters give their overlapping character bigrams.
    """
    lowered = text.lower()
    if _CJK_RUN.search(lowered):
        lowered = _CJK_RUN.sub(_bigrams, lowered)
    words = _WORD.findall(lowered)
    cache = _TERM_CACHE
    try:
        found = list(map(cache.__getitem__, words))
    except KeyError:  # new words: work them out once each
        if len(cache) > TERM_CACHE_LIMIT:
            cache.clear()
        for word in words:
            if word not in cache:
                cache[word] = _term(word)
        found = list(map(cache.__getitem__, words))
    return [term for term in found if term is not None]


def query_terms(text: str, *, limit: int = 32) -> list[str]:
    """Distinct query terms of ``text`` in first-seen order, at most ``limit`` of them."""
    seen: dict[str, None] = {}
    for term in terms(text):
        seen.setdefault(term, None)
        if len(seen) >= limit:
            break
    return list(seen)
