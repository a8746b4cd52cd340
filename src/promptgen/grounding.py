"""The Refusal Contract: decide whether the Library grounds the draft, and how sure we are."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from promptgen.cache import Memo
from promptgen.library.background import Background
from promptgen.library.terms import searchable_words
from promptgen.models import grounding as params
from promptgen.retrieve import Retrieval
from promptgen.screening import flags as screen_flags
from promptgen.types import FLAGGED_MODES, FlaggedMode, Grounding, Hit, Refusal

FEATURES = ("coverage", "score", "length", "margin", "similarity")
# More of these is more evidence: their weights must be positive, so that the probability never
# falls when one of them rises (training/grounding/fit.py refuses to write a model that breaks it).
EVIDENCE = ("coverage", "score", "margin", "similarity")


def features(hit: Hit, retrieval: Retrieval) -> tuple[float, ...]:
    """What the grounding model looks at for one passage (see FEATURES).

    coverage: IDF-weighted share of the draft's terms in the passage. score: its BM25 divided by
    the draft's total IDF, so the scale does not depend on the Library's size. length: log of the
    number of draft terms. margin: how far its score stands above the best passage of any other
    document (a real answer tends to stand out; a near-miss Library tends to be flat).
    similarity: cosine of the draft's and the passage's static embeddings.
    """
    total = retrieval.idf_total or 1.0
    runner_up = max(
        (h.bm25 for h in retrieval.hits if h.document_id != hit.document_id), default=0.0
    )
    return (
        hit.coverage,
        hit.bm25 / total,
        math.log(1 + len(retrieval.terms)),
        (hit.bm25 - runner_up) / total,
        hit.similarity,
    )


def affinity(retrieval: Retrieval, background: Background) -> float:
    """How much more the Library uses the draft's content terms than ordinary English does."""
    return background.affinity(
        retrieval.content, retrieval.frequencies, retrieval.library_chunks, retrieval.average_length
    )


@dataclass(frozen=True, slots=True)
class GroundingModel:
    """Calibrated logistic model of P(the Library grounds the draft, given this passage).

    ``z = intercept + Σ weights · features``; the probability is ``1 / (1 + e^−z)``.
    The defaults are the shipped parameters (promptgen/models/grounding/params.json), written
    by ``training/grounding/fit.py``: a logistic regression fitted on the refusal sets of
    ../shared/data (cranfield + pubmedqa) composed with a Platt step fitted on out-of-fold
    predictions, so the probability is calibrated. Refit them there, not by hand
    (docs/grounding.md).
    """

    weights: tuple[float, ...] = field(default_factory=lambda: params.shipped().ordered(FEATURES))
    intercept: float = field(default_factory=lambda: params.shipped().intercept)
    # The topic gate: a draft whose affinity with the Library is below this is refused before
    # any passage is scored (its words are everyday English, not the Library's subject).
    min_affinity: float = field(default_factory=lambda: params.shipped().min_affinity)
    background: Background = field(default_factory=Background.load, repr=False)

    def on_topic(self, retrieval: Retrieval) -> bool:
        """Whether the draft's words are what this Library is about (see ``affinity``)."""
        return affinity(retrieval, self.background) >= self.min_affinity

    def logit(self, hit: Hit, retrieval: Retrieval) -> float:
        """The model's log-odds for ``hit`` (the probability before the logistic)."""
        x = features(hit, retrieval)
        return self.intercept + sum(w * v for w, v in zip(self.weights, x, strict=True))

    def probability(self, hit: Hit, retrieval: Retrieval) -> float:
        """Calibrated probability that the Library grounds the draft, judged from ``hit``."""
        z = self.logit(hit, retrieval)
        if z < -700:  # exp would overflow; the probability is 0 to double precision
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


def _count_words(n: int) -> str:
    return "one searchable word" if n == 1 else f"{n} searchable words"


def _refuse(code: str, reason: str, *, confidence: float, threshold: float) -> Grounding:
    return Grounding(False, confidence, (), Refusal(code, reason), threshold)


def unjudgeable(retrieval: Retrieval, min_terms: int) -> Refusal | None:
    """Why the draft cannot be judged at all (nothing to search, too little typed, too few
    topic words), or None."""
    if retrieval.library_chunks == 0:
        return Refusal(
            "empty_library", "the Library is empty: ingest documents first (promptgen ingest PATH)"
        )
    if not retrieval.terms:
        return Refusal("no_query_terms", "the draft has no searchable words yet")
    words = searchable_words(set(retrieval.terms))
    if words < min_terms:
        # The count, not the words: terms are stemmed ("tantivy" -> "tantivi"), not what was typed.
        return Refusal(
            "too_few_terms",
            f"{_count_words(words)} cannot ground a draft, {min_terms} are needed: keep typing",
        )
    if searchable_words(set(retrieval.content)) < min_terms:
        # "what's 15% of 80": complete, but nothing in it names a topic a passage could be
        # about; "how do I get better at chess": one topic word, which any passage that holds
        # it covers in full.
        return Refusal(
            "no_grounding",
            f"the draft has fewer than {min_terms} topic words (numbers and common words do not "
            "count): no Library passage can ground it",
        )
    return None


def screened(
    hits: list[Hit], mode: FlaggedMode, flags_of: Callable[[str], tuple[str, ...]] = screen_flags
) -> list[Hit]:
    """``hits`` with their screening flags, handled as PROMPTGEN_FLAGGED_CONTEXT says: ``keep``
    (retrieval order), ``rank_down`` (flagged ones after all unflagged ones, each group in
    retrieval order) or ``leave_out`` (flagged ones removed). The one place the mode applies.
    ``flags_of``: screening.flags, or a cache of it."""
    if mode not in FLAGGED_MODES:
        raise ValueError(f"flagged context mode must be one of {FLAGGED_MODES}, not {mode!r}")
    flagged = [replace(h, flags=flags_of(h.text)) for h in hits]
    if mode == "keep":
        return flagged
    clean = [h for h in flagged if not h.flags]
    if mode == "leave_out":
        return clean
    return clean + [h for h in flagged if h.flags]


def _within_budget(
    scored: list[Hit],
    threshold: float,
    max_passages: int,
    max_tokens: int,
    count_tokens: Callable[[str], int],
) -> tuple[Hit, ...]:
    """The passages above ``threshold`` in retrieval order, at most ``max_passages`` and within
    ``max_tokens`` (the first one always fits)."""
    context: list[Hit] = []
    budget = max_tokens
    for hit in scored:
        if len(context) >= max_passages:
            break
        if hit.score < threshold:
            continue
        cost = count_tokens(hit.text)
        if context and cost > budget:
            continue
        context.append(hit)
        budget -= cost
    return tuple(context)


def _below_threshold(best: Hit | None, threshold: float, *, left_out: int) -> Grounding:
    """The refusal when no passage reaches the threshold, naming the best one and what
    screening left out."""
    confidence = best.score if best else 0.0
    where = f" ({best.source})" if best else ""
    why = (
        f" ({left_out} passage(s) that carry instructions aimed at a model or hidden text "
        "were left out)"
        if left_out
        else ""
    )
    return _refuse(
        "no_grounding",
        f"no Library passage grounds this draft: best score {confidence:.2f}{where} is below "
        f"the grounding threshold {threshold:.2f}{why}",
        confidence=confidence,
        threshold=threshold,
    )


def decide(
    retrieval: Retrieval,
    *,
    model: GroundingModel,
    threshold: float,
    max_passages: int,
    max_tokens: int,
    count_tokens: Callable[[str], int],
    min_terms: int = 1,
    flagged: FlaggedMode = "rank_down",
    flags_of: Callable[[str], tuple[str, ...]] = screen_flags,
) -> Grounding:
    """Grounded with the passages above ``threshold`` (within the token budget), or a refusal.

    Passages that screening flags are kept, ranked after the others or left out (``flagged``,
    see ``screened``); a left-out passage cannot ground the draft.

    A draft with fewer than ``min_terms`` distinct searchable words is refused whatever its
    passages score: one word ("hi", "ok", "fix") is covered in full by any passage that holds
    it, so the model, fitted on whole questions, would call it grounded with near certainty.
    """
    early = unjudgeable(retrieval, min_terms)
    if early is not None:
        return _refuse(early.code, early.reason, confidence=0.0, threshold=threshold)
    if not model.on_topic(retrieval):
        # Everyday drafts share words with any Library ("is it bad to run every day" against
        # docs about running benchmarks); only the Library's own vocabulary can ground.
        return _refuse(
            "no_grounding",
            "the draft's words are not what this Library is about: they are no more frequent "
            "in it than in everyday English",
            confidence=0.0,
            threshold=threshold,
        )
    # Retrieval order is kept: it ranks relevance; the probability decides what may be used.
    every = [replace(h, score=model.probability(h, retrieval)) for h in retrieval.hits]
    # Only passages at or above the threshold can ground the draft or enter the context, so
    # only they are screened (a few hundred microseconds a passage, for twenty candidates).
    usable = screened([h for h in every if h.score >= threshold], flagged, flags_of)
    if not usable:
        # The refusal names the best passage that screening would not leave out.
        rest = screened(every, flagged, flags_of) if flagged == "leave_out" else every
        best = max(rest, key=lambda h: h.score, default=None)
        return _below_threshold(best, threshold, left_out=len(every) - len(rest))
    best = max(usable, key=lambda h: h.score)
    context = _within_budget(usable, threshold, max_passages, max_tokens, count_tokens)
    return Grounding(True, best.score, context, None, threshold)


@dataclass(frozen=True, slots=True, kw_only=True)
class Grounder:
    """The Refusal Contract as a pipeline stage: the one place a refusal is made.

    Holds the grounding model and the limits from Settings; ``ground`` judges a retrieval,
    ``unavailable`` refuses when the Library could not be searched at all.
    """

    model: GroundingModel
    threshold: float
    max_passages: int
    max_tokens: int
    count_tokens: Callable[[str], int]
    min_terms: int = 1
    flagged: FlaggedMode = "rank_down"
    # Screening is a pure function of a passage's text, and the same passages come back draft
    # after draft while one is typed: the last results are kept.
    flags_of: Callable[[str], tuple[str, ...]] = field(default_factory=lambda: Memo(screen_flags))

    def ground(self, retrieval: Retrieval, *, max_context: int | None = None) -> Grounding:
        """Grounded with the passages above the threshold, or a refusal (see ``decide``)."""
        return decide(
            retrieval,
            model=self.model,
            threshold=self.threshold,
            max_passages=max_context or self.max_passages,
            max_tokens=self.max_tokens,
            count_tokens=self.count_tokens,
            min_terms=self.min_terms,
            flagged=self.flagged,
            flags_of=self.flags_of,
        )

    def unavailable(self, message: str) -> Grounding:
        """The refusal when the Library cannot be searched (the store is down or locked)."""
        return _refuse(
            "library_unavailable",
            f"the Library cannot be searched: {message}",
            confidence=0.0,
            threshold=self.threshold,
        )

    def scored(self, retrieval: Retrieval) -> list[Hit]:
        """The retrieved passages in retrieval order, each with its calibrated score and its
        screening flags."""
        scored = [replace(h, score=self.model.probability(h, retrieval)) for h in retrieval.hits]
        return screened(scored, "keep", self.flags_of)
