"""PromptGen, the facade: owns every stage (built from Settings or injected) and runs the pipeline."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from promptgen import __version__, safety, variables
from promptgen.cache import LRUCache, Memo
from promptgen.conversation import follow_up, quote
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.quote import Quoter
from promptgen.cost.routing import RouterModel, TierThresholds
from promptgen.cost.tokenizer import Tokenizer
from promptgen.embed.embedder import Embedder
from promptgen.errors import (
    EmptyText,
    InvalidInput,
    LibraryUnavailable,
    TextNotUnicode,
    TextTooLong,
)
from promptgen.grounding import Grounder, GroundingModel
from promptgen.intent.classifier import IntentClassifier
from promptgen.intent.features import Features, featurize
from promptgen.library import open_store
from promptgen.library.documents import ParseLimits
from promptgen.library.index import SearchIndex, default_directory
from promptgen.library.ingest import IngestReport, Progress
from promptgen.library.operations import Library
from promptgen.library.store import LibraryStore
from promptgen.models import grounding as grounding_params
from promptgen.optimize import optimize
from promptgen.retrieve import Retriever
from promptgen.settings import Settings
from promptgen.stages import (
    Catalog,
    Classifier,
    Embedding,
    Optimizer,
    Router,
    TokenCounter,
    Vector,
)
from promptgen.stages import Grounder as GroundingStage
from promptgen.stages import Retriever as RetrievalStage
from promptgen.types import (
    STAGES,
    Grounding,
    Hit,
    Intent,
    ModelChoice,
    Optimized,
    PrecomputeResult,
    Turn,
)

log = logging.getLogger(__name__)

AnswerKey = tuple[tuple[str, int], str, str, "PrecomputeOptions"]


@dataclass(frozen=True, slots=True)
class PrecomputeOptions:
    """Per-request knobs (all optional)."""

    library: str | None = None
    max_context: int | None = None
    budget_usd: float | None = None
    model: str | None = None
    # The conversation so far, oldest first: a follow-up is read in its light (conversation.py).
    history: tuple[Turn, ...] = ()


@dataclass(frozen=True, slots=True)
class _Reading:
    """How the draft is read: its intent, the text and vector to search with, the turn it follows."""

    intent: Intent
    searched: str
    vector: Vector
    previous: str | None


class _Laps:
    """Milliseconds per stage, in pipeline order."""

    def __init__(self, clock: Callable[[], float], started: float) -> None:
        self.clock, self.started, self.last = clock, started, started
        self.timings: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = self.clock()
        self.timings[stage] = (now - self.last) * 1000
        self.last = now

    def done(self) -> dict[str, float]:
        self.timings["total"] = (self.last - self.started) * 1000
        return self.timings


class PromptGen:
    """The one core object the CLI, the HTTP service, the evaluation harness and users call.

    Every stage is a constructor argument (see stages.py for what each must do); the ones not
    given are built from ``settings``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: LibraryStore | None = None,
        embedder: Embedding | None = None,
        classifier: Classifier | None = None,
        retriever: RetrievalStage | None = None,
        grounder: GroundingStage | None = None,
        optimizer: Optimizer = optimize,
        tokenizer: TokenCounter | None = None,
        catalog: Catalog | None = None,
        router: Router | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.settings = settings = settings or Settings()
        self.embedder = embedder or Embedder()
        self.classifier = classifier or IntentClassifier.load(
            settings.intent_model_path, self.embedder
        )
        self.router = router or RouterModel.load(settings.router_model_path, self.embedder)
        self.catalog = catalog or ModelCatalog.load(settings.catalog_path)
        self.tokenizer = tokenizer or Tokenizer()
        self.quoter = Quoter(
            self.catalog,
            self.tokenizer,
            default_encoding=settings.default_tokenizer,
            thresholds=TierThresholds(settings.route_balanced_at, settings.route_frontier_at),
        )
        # Every model is loaded before the Library opens: a damaged file must not leave a
        # database connection (or PostgreSQL's pool) open behind an engine that was not built.
        self.grounder = grounder or Grounder(
            model=GroundingModel(),
            threshold=settings.grounding_threshold
            if settings.grounding_threshold is not None
            else grounding_params.shipped().threshold,
            max_passages=settings.context_k,
            max_tokens=settings.max_context_tokens,
            count_tokens=self.count_tokens,
            min_terms=settings.grounding_min_terms,
            flagged=settings.flagged_context,
        )
        store = store or open_store(settings)
        index = self._open_index(store)  # kept in step by the Library even if not searched
        self.library = Library(
            store,
            index,
            default=settings.library,
            embed=self.embedder.blobs,
            limits=ParseLimits.from_settings(settings),
        )
        self.retriever = retriever or Retriever(store, index, embedder=self.embedder)
        self.optimizer = optimizer
        self._answers: LRUCache[PrecomputeResult] = LRUCache(settings.cache_size)
        # Passages come back draft after draft: their masked text is kept, keyed by the text.
        self._masked_passages: Memo[str, str] = Memo(safety.mask)
        self._clock = clock

    def _open_index(self, store: LibraryStore) -> SearchIndex | None:
        """The derived search index, or None (the store searches) when off or unusable."""
        if self.settings.search_index != "tantivy":
            return None
        directory = self.settings.index_dir or default_directory(store)
        if directory is None:
            return None
        try:
            return SearchIndex(directory, store)
        except (OSError, ValueError) as exc:
            log.warning("Search index unavailable at %s, the store will search: %s", directory, exc)
            return None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PromptGen:
        """A PromptGen built from ``settings`` (or the environment)."""
        return cls(settings)

    def validate(self, text: object) -> str:
        """The draft, or InvalidInput saying what is wrong with it."""
        if not isinstance(text, str):
            raise InvalidInput("text must be a string")
        if not text.strip():
            raise EmptyText("text is empty: type a draft first")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            # JSON may carry "\ud800" alone; no tokenizer or database can take it.
            raise TextNotUnicode(
                f"text holds a lone surrogate (U+{ord(text[exc.start]):04X}) at character "
                f"{exc.start}: send valid Unicode text"
            ) from None
        if len(text) > self.settings.max_text_chars:
            raise TextTooLong(
                f"text is {len(text):,} characters; the limit is {self.settings.max_text_chars:,} "
                "(PROMPTGEN_MAX_TEXT_CHARS)"
            )
        return text

    def count_tokens(self, text: str) -> int:
        """Exact token count with the default encoding."""
        return self.tokenizer.count(text, self.settings.default_tokenizer)

    def precompute(
        self,
        text: str,
        options: PrecomputeOptions | None = None,
        *,
        request_id: str | None = None,
        fresh: bool = False,
    ) -> PrecomputeResult:
        """Run the whole pipeline for one draft.

        ``fresh``: run every stage even for an exact repeat, and keep the answer out of the
        cache (a health canary must exercise the engine, not the cache).
        """
        options = options or PrecomputeOptions()
        started = self._clock()
        text = self.validate(text)
        request_id = request_id or uuid.uuid4().hex
        key = None if fresh else self._answer_key(text, options)
        if key is not None and (known := self._answers.get(key)) is not None:
            elapsed = (self._clock() - started) * 1000
            timings = {stage: 0.0 for stage in STAGES} | {"total": elapsed}  # no stage ran
            return replace(known, request_id=request_id, timings_ms=timings, cached=True)
        laps = _Laps(self._clock, started)
        vector = self.embedder.embed_one(text)  # shared by intent, retrieval and the router
        features = featurize(text)  # shared by intent and the router
        read = self._read(text, options.history, vector, features)
        laps.lap("intent")
        grounding, searched = self._ground(read.searched, options, read.vector, key, laps)
        # A passage's secrets never reach the prompt.
        grounding = safety.masked(grounding, self._masked_passages)
        laps.lap("ground")
        optimized = self.optimizer(text, read.intent, grounding)
        if read.previous is not None and optimized.prompt is not None:
            header = f"## Follows up on\n{quote(read.previous)}\n\n"
            optimized = replace(optimized, prompt=header + optimized.prompt)
        laps.lap("optimize")
        intent = read.intent
        model = self._cost(text, optimized, grounding, intent, options, vector, features)
        laps.lap("cost")
        result = PrecomputeResult(
            request_id,
            __version__,
            intent,
            grounding,
            optimized,
            model,
            laps.done(),
            variables=variables.names(text),
            warnings=safety.scan(text),
        )
        if key is not None and searched:  # an outage's refusal is never cached
            self._answers.put(key, result)
        return result

    def _cost(
        self,
        text: str,
        optimized: Optimized,
        grounding: Grounding,
        intent: Intent,
        options: PrecomputeOptions,
        vector: Vector,
        features: Features,
    ) -> ModelChoice:
        """Tokens and price on every model, and the one chosen (the router skipped when the
        request names the model)."""
        benefit = None if options.model else self.router.strong_benefit(text, vector, features)
        return self.quoter.quote(
            text,
            optimized.prompt or text,
            grounding.context,
            intent,
            strong_benefit=benefit,
            requested=options.model,
            budget_usd=options.budget_usd,
        )

    def _read(
        self, text: str, history: tuple[Turn, ...], vector: Vector, features: Features
    ) -> _Reading:
        """The draft's intent, and what to search with: a follow-up is read with its turn."""
        previous = follow_up(text, self._checked_history(history))
        if previous is None:
            return _Reading(self.classifier.classify(text, vector, features), text, vector, None)
        # A follow-up is read with the turn it follows: "as a json object pls" after a list of
        # capitals is code, "ten more" after names a brainstorm. Classifying the two together
        # beat blending their separate intents on the tuning sets (docs/quality.md).
        searched = f"{previous}\n{text}"
        searched_vector = self.embedder.embed_one(searched)
        intent = self.classifier.classify(searched, searched_vector)
        return _Reading(intent, searched, searched_vector, previous)

    def _checked_history(self, history: tuple[Turn, ...]) -> tuple[Turn, ...]:
        """``history`` when every turn is Unicode text within the settings' bounds."""
        if len(history) > self.settings.max_history_turns:
            raise InvalidInput(
                f"history has {len(history)} turns; the limit is "
                f"{self.settings.max_history_turns} (PROMPTGEN_MAX_HISTORY_TURNS): send the last ones"
            )
        if sum(len(t.content) for t in history) > self.settings.max_history_chars:
            raise TextTooLong(
                f"history holds over {self.settings.max_history_chars:,} characters "
                "(PROMPTGEN_MAX_HISTORY_CHARS): send fewer or shorter turns"
            )
        for turn in history:
            try:
                turn.content.encode("utf-8")
            except UnicodeEncodeError:
                raise TextNotUnicode(
                    "a history turn holds a lone surrogate: send valid Unicode text"
                ) from None
        return history

    def _ground(
        self,
        text: str,
        options: PrecomputeOptions,
        vector: Vector,
        key: AnswerKey | None,
        laps: _Laps,
    ) -> tuple[Grounding, bool]:
        """Retrieve, then judge; and whether the Library could be searched at all."""
        try:
            # The generation was read once for the cache key; the index reuses it.
            retrieval = self.retriever.retrieve(
                text,
                library=options.library or self.settings.library,
                vector=vector,
                generation=None if key is None else key[0],
            )
        except LibraryUnavailable as exc:
            laps.lap("retrieve")
            return self.grounder.unavailable(exc.message), False
        laps.lap("retrieve")
        return self.grounder.ground(retrieval, max_context=options.max_context), True

    def _answer_key(self, text: str, options: PrecomputeOptions) -> AnswerKey | None:
        """What a precompute answer depends on, the Library's generation first; None when
        the Library cannot say its generation (nothing is cached then)."""
        if self._answers.size <= 0:
            return None
        try:
            generation = self.library.generation()
        except LibraryUnavailable:
            return None
        return (generation, text, options.library or self.settings.library, options)

    def search(self, query: str, *, k: int = 10, library: str | None = None) -> list[Hit]:
        """Library passages for ``query`` in retrieval order, with calibrated scores."""
        query = self.validate(query)
        retrieval = self.retriever.retrieve(query, library=library or self.settings.library, k=k)
        return self.grounder.scored(retrieval)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        library: str | None = None,
        prune: bool = False,
        progress: Progress | None = None,
        root: Path | None = None,
    ) -> IngestReport:
        """Ingest files and folders into the Library (one transaction), then update the index.

        ``root``: files under it are named relative to it in every answer (an upload folder).
        The Library's other operations (list, delete, stats, reindex) are on ``self.library``.
        """
        return self.library.ingest(
            paths, library=library, prune=prune, progress=progress, root=root
        )

    def close(self) -> None:
        """Wait for a running index sync, then release the Library connection."""
        self.library.close()
