"""Term normalization shared by indexing and querying: lowercase, drop stopwords, stem."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import regex
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

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")  # ASCII text
# Beyond ASCII a word keeps its combining marks: the vowel signs of Hindi, Bengali or Tamil and
# Thai's tone marks are marks, not letters, and re's \w cut "हिंदी" into ह and द.
_WORD_ANY = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)?")
# Chinese, Japanese, Thai, Lao, Khmer and Burmese are written without spaces between words, so a
# "word" would be a whole clause (often over MAX_TERM_CHARS, and then dropped). Runs of these
# scripts become overlapping bigrams of characters (of grapheme clusters, so a Thai consonant
# keeps its vowel and tone marks) instead, as Lucene's CJK analyzer does for Chinese and
# Japanese: "部署应用" -> 部署 署应 应用. The runs: the iteration and ideographic marks 々〆〇,
# hiragana, katakana (not the middle dot ・ or the sound marks, which separate or decorate
# words), CJK ideographs and Hangul syllables (Korean is spaced, but bigrammed as Lucene does),
# the letters and marks of Thai, Lao, Khmer and Myanmar (not their digits or punctuation).
# Non-ASCII text is NFKC-normalized first (as Lucene's CJK width filter does): half-width katakana
# and full-width Latin fold to their usual forms, and decomposed kana and Hangul are composed.
_UNSPACED_RUN = regex.compile(
    "[\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\u0e01-\u0e3a\u0e40-\u0e4e\u0e81-\u0ece\u1000-\u103f\u1780-\u17d3]+"
)
_GRAPHEME = regex.compile(r"\X")
# When drafts are measured in words (query_terms' limit, the grounding rule's minimum), these
# scripts count this many characters to a word: Chinese and Japanese words run two to three.
UNSPACED_WORD_CHARS = 3
# Part of every document's content hash (library/ingest.py): when the terms a text yields change,
# re-ingesting a folder re-indexes its documents instead of calling them unchanged. 2: CJK
# bigrams and NFKC; 3: combining marks stay in their word, Thai, Lao, Khmer and Burmese bigrams.
TERMS_VERSION = 3
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


def _bigrams(run: regex.Match[str]) -> str:
    units = _GRAPHEME.findall(run.group())
    if len(units) == 1:
        return f" {units[0]} "
    return " " + " ".join(units[i] + units[i + 1] for i in range(len(units) - 1)) + " "


def terms(text: str) -> list[str]:
    """Index terms of ``text`` in order: stemmed, lowercase, stopwords and overlong tokens removed.

    Runs of scripts written without spaces give their overlapping character bigrams.
    """
    if text.isascii():  # most text: no normalization or script scan (a quarter of the time)
        words = _WORD.findall(text.lower())
    else:
        lowered = unicodedata.normalize("NFKC", text).lower()
        if _UNSPACED_RUN.search(lowered):
            lowered = _UNSPACED_RUN.sub(_bigrams, lowered)
        words = _WORD_ANY.findall(lowered)
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


def _is_unspaced(term: str) -> bool:
    """Whether ``term`` is a CJK bigram or single character (terms never mix the two)."""
    return not term.isascii() and _UNSPACED_RUN.match(term) is not None


def query_terms(text: str, *, limit: int = 32) -> list[str]:
    """Distinct query terms of ``text`` in first-seen order, up to ``limit`` words' worth.

    A CJK bigram is 1/UNSPACED_WORD_CHARS of a word, so a Chinese draft keeps as much of its text as
    an English one (64 words: about 190 characters, not the first 64).
    """
    seen: dict[str, None] = {}
    budget = limit * UNSPACED_WORD_CHARS
    for term in terms(text):
        if term in seen:
            continue
        seen[term] = None
        budget -= 1 if _is_unspaced(term) else UNSPACED_WORD_CHARS
        if budget <= 0:
            break
    return list(seen)


def searchable_words(distinct_terms: Iterable[str]) -> int:
    """How many words ``distinct_terms`` stand for: one per term, and for CJK text one per
    UNSPACED_WORD_CHARS characters of each run (at least one), so "生产环境" is one word, not three
    bigrams, and Korean "배포 절차" is two. Runs are rebuilt by joining bigrams that share a
    character."""
    words = 0
    parent: dict[str, str] = {}

    def root(char: str) -> str:
        while parent[char] != char:
            parent[char] = parent[parent[char]]
            char = parent[char]
        return char

    for term in distinct_terms:
        if not _is_unspaced(term):
            words += 1
            continue
        for char in term:
            parent.setdefault(char, char)
        if len(term) == 2:
            parent[root(term[0])] = root(term[1])
    runs: dict[str, int] = {}
    for char in parent:
        runs[root(char)] = runs.get(root(char), 0) + 1
    return words + sum(max(1, size // UNSPACED_WORD_CHARS) for size in runs.values())
