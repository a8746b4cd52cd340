"""PromptGen, the facade: builds each stage once from Settings and runs the precompute pipeline."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from promptgen import __version__
from promptgen.cache import LRUCache
from promptgen.cost.catalog import ModelCatalog
from promptgen.cost.estimate import estimate_output_tokens
from promptgen.cost.routing import TierThresholds, select_model
from promptgen.cost.tokenizer import Tokenizer
from promptgen.embed.embedder import Embedder, Vectors
from promptgen.errors import (
    EmptyText,
    InvalidInput,
    LibraryUnavailable,
    TextNotUnicode,
    TextTooLong,
)
from promptgen.grounding import GroundingModel, decide
from promptgen.intent.classifier import IntentClassifier
from promptgen.library import open_store
from promptgen.library.index import SearchIndex, default_directory
from promptgen.library.ingest import IngestReport, Progress, ingest
from promptgen.library.store import LibraryStats, LibraryStore, Searchable
from promptgen.optimize import optimize
from promptgen.retrieve import Retrieval, TermCounts, retrieve
from promptgen.settings import Settings
from promptgen.types import (
    Grounding,
    Hit,
    Intent,
    ModelChoice,
    PrecomputeResult,
    Refusal,
    TokenCounts,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrecomputeOptions:
    """Per-request knobs (all optional)."""

    library: str | None = None
    max_context: int | None = None
    budget_usd: float | None = None
    model: str | None = None


class PromptGen:
    """The one core object the CLI, the HTTP service, the evaluation harness and users call."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: LibraryStore | None = None,
        classifier: IntentClassifier | None = None,
        catalog: ModelCatalog | None = None,
        tokenizer: Tokenizer | None = None,
        grounding_model: GroundingModel | None = None,
        embedder: Embedder | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder()
        self.classifier = classifier or IntentClassifier.load(
            self.settings.intent_model_path, self.embedder
        )
        self.catalog = catalog or ModelCatalog.load(self.settings.catalog_path)
        self.tokenizer = tokenizer or Tokenizer()
        for encoding in {self.settings.default_tokenizer, *(m.encoding for m in self.catalog)}:
            self.tokenizer.encoding(encoding)  # load now, not inside the first request
        self.grounding_model = grounding_model or GroundingModel()
        self.store = store or open_store(self.settings)
        self.index = self._open_index()
        self._answers: LRUCache[PrecomputeResult] = LRUCache(self.settings.cache_size)
        self._term_counts = TermCounts()
        self._clock = clock
        self._tiers = TierThresholds(
            self.settings.route_balanced_at, self.settings.route_frontier_at
        )

    def _open_index(self) -> SearchIndex | None:
        """The derived search index, or None (the store searches) when off or unusable."""
        if self.settings.search_index != "tantivy":
            return None
        directory = self.settings.index_dir or default_directory(self.store)
        if directory is None:
            return None
        try:
            return SearchIndex(directory, self.store)
        except (OSError, ValueError) as exc:
            log.warning("Search index unavailable at %s, the store will search: %s", directory, exc)
            return None

    def _searchable(self, generation: tuple[str, int] | None = None) -> Searchable:
        """The index when it is current, else the store (the index catches up meanwhile).

        ``generation``: the store's, when the caller has just read it (one read per request).
        """
        return self.store if self.index is None else self.index.reader(generation)

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

    def _retrieve(
        self, text: str, library: str, vector: Vectors, generation: tuple[str, int] | None
    ) -> Retrieval | Refusal:
        def search(source: Searchable) -> Retrieval:
            return retrieve(
                source,
                text,
                library=library,
                embedder=self.embedder,
                query_vector=vector,
                term_counts=self._term_counts,
            )

        try:
            source = self._searchable(generation)
            try:
                return search(source)
            except (OSError, ValueError) as exc:  # the index failed: the store still answers
                if source is self.store:
                    raise
                log.warning("Search index failed, the store searched instead: %s", exc)
                return search(self.store)
        except LibraryUnavailable as exc:
            return Refusal("library_unavailable", f"the Library cannot be searched: {exc.message}")

    def _ground(self, retrieval: Retrieval | Refusal, max_context: int | None) -> Grounding:
        threshold = self.settings.grounding_threshold
        if isinstance(retrieval, Refusal):
            return Grounding(False, 0.0, (), retrieval, threshold)
        return decide(
            retrieval,
            model=self.grounding_model,
            threshold=threshold,
            max_passages=max_context or self.settings.context_k,
            max_tokens=self.settings.max_context_tokens,
            count_tokens=self.count_tokens,
            min_terms=self.settings.grounding_min_terms,
        )

    def count_tokens(self, text: str) -> int:
        """Exact token count with the default encoding."""
        return self.tokenizer.count(text, self.settings.default_tokenizer)

    def _tokens_per_model(self, text: str) -> dict[str, int]:
        """Input tokens of ``text`` for every catalogued model (each encoding counted once)."""
        counts = {e: self.tokenizer.count(text, e) for e in {m.encoding for m in self.catalog}}
        return {
            m.id: counts[m.encoding]
            if m.is_exact
            else round(counts[m.encoding] * m.estimate_factor)
            for m in self.catalog
        }

    def _choose(
        self,
        text: str,
        prompt: str,
        grounding: Grounding,
        intent: Intent,
        options: PrecomputeOptions,
        vector: Vectors,
    ) -> ModelChoice:
        output = estimate_output_tokens(text, intent, self.count_tokens(text))
        per_model = self._tokens_per_model(prompt)
        routed = select_model(
            self.catalog,
            intent=intent,
            text=text,
            input_tokens=per_model,
            output_tokens=output,
            budget_usd=options.budget_usd,
            embedding=vector,
            thresholds=self._tiers,
        )
        chosen, reason = routed.model, routed.reason
        if options.model is not None:
            chosen, reason = self.catalog.get(options.model), f"{options.model} was requested"
        context_tokens = sum(self.count_tokens(h.text) for h in grounding.context)
        factor = chosen.estimate_factor
        tokens = TokenCounts(
            prompt=per_model[chosen.id],
            context=round(context_tokens * factor),
            estimated_output=output,
            tokenizer=chosen.tokenizer if chosen.is_exact else f"o200k_base×{factor:g} (estimate)",
            exact=chosen.is_exact,
        )
        cost = next(c for c in routed.costs if c.id == chosen.id).estimated_cost_usd
        return ModelChoice(chosen.id, reason, cost, tokens, routed.costs, routed.difficulty)

    def precompute(
        self, text: str, options: PrecomputeOptions | None = None, *, request_id: str | None = None
    ) -> PrecomputeResult:
        """Run the whole pipeline for one draft."""
        options = options or PrecomputeOptions()
        started = last = self._clock()
        timings: dict[str, float] = {}
        text = self.validate(text)
        key = self._answer_key(text, options)
        if key is not None and (known := self._answers.get(key)) is not None:
            elapsed = (self._clock() - started) * 1000
            return replace(
                known,
                request_id=request_id or uuid.uuid4().hex,
                timings_ms={"cache": elapsed, "total": elapsed},
            )

        def lap(stage: str) -> None:
            nonlocal last
            now = self._clock()
            timings[stage] = (now - last) * 1000
            last = now

        vector = self.embedder.embed_one(text)  # shared by intent and retrieval
        intent = self.classifier.classify(text, vector)
        lap("intent")
        library = options.library or self.settings.library
        generation = None if key is None else key[0]  # read once for the cache and the index
        retrieval = self._retrieve(text, library, vector, generation)
        lap("retrieve")
        grounding = self._ground(retrieval, options.max_context)
        lap("ground")
        optimized = optimize(text, intent, grounding)
        lap("optimize")
        model = self._choose(text, optimized.prompt or text, grounding, intent, options, vector)
        lap("cost")
        timings["total"] = (last - started) * 1000
        result = PrecomputeResult(
            request_id or uuid.uuid4().hex,
            __version__,
            intent,
            grounding,
            optimized,
            model,
            timings,
        )
        if key is not None and not isinstance(retrieval, Refusal):
            self._answers.put(key, result)
        return result

    def _answer_key(
        self, text: str, options: PrecomputeOptions
    ) -> tuple[tuple[str, int], str, str, PrecomputeOptions] | None:
        """What a precompute answer depends on, the Library's generation first; None when
        the Library cannot say its generation (nothing is cached then)."""
        if self._answers.size <= 0:
            return None
        try:
            generation = self.store.generation()
        except LibraryUnavailable:
            return None
        return (generation, text, options.library or self.settings.library, options)

    def search(self, query: str, *, k: int = 10, library: str | None = None) -> list[Hit]:
        """Library passages for ``query`` in retrieval order, with calibrated scores."""
        query = self.validate(query)
        retrieval = retrieve(
            self._searchable(),
            query,
            library=library or self.settings.library,
            k=k,
            embedder=self.embedder,
            term_counts=self._term_counts,
        )
        return [
            replace(h, score=self.grounding_model.probability(h, retrieval)) for h in retrieval.hits
        ]

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        library: str | None = None,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders into the Library (one transaction), then update the index."""
        report = ingest(
            self.store,
            paths,
            library=library or self.settings.library,
            prune=prune,
            progress=progress,
            embed=self.embedder.blobs,
        )
        self.sync_index()
        return report

    def delete_document(self, document_id: int) -> bool:
        """Delete one document and its chunks, then update the index; False when there was none."""
        deleted = self.store.delete_document(document_id)
        if deleted:
            self.sync_index()
        return deleted

    def sync_index(self) -> None:
        """Bring the search index up to the store now (after a write, or at startup)."""
        if self.index is None:
            return
        try:
            self.index.sync()
        except (OSError, ValueError) as exc:
            log.warning("Search index sync failed, the store will search meanwhile: %s", exc)

    def embed_blobs(self, texts: list[str]) -> list[bytes]:
        """Stored-vector form of each text's embedding."""
        return self.embedder.blobs(texts)

    def stats(self) -> LibraryStats:
        """Library size and freshness."""
        return self.store.stats()

    def close(self) -> None:
        """Wait for a running index sync, then release the Library connection."""
        if self.index is not None:
            self.index.close()
        self.store.close()
