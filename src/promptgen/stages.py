"""The pipeline's stages as small Protocols: what ``PromptGen`` needs of each, nothing more.

``PromptGen`` builds the shipped implementation of each stage from ``Settings`` unless one is
passed to its constructor; a test passes a fake that satisfies the Protocol (no subclassing, no
``type: ignore``). The shipped implementations are named beside each Protocol.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import numpy.typing as npt

from promptgen.cost.catalog import ModelEntry
from promptgen.intent.features import Features
from promptgen.library.store import Searchable
from promptgen.retrieve import Retrieval
from promptgen.types import Grounding, Hit, Intent, Optimized

Vector = npt.NDArray[np.float32]


class Embedding(Protocol):
    """Static embeddings of drafts and passages (``embed.Embedder``)."""

    @property
    def dimensions(self) -> int: ...

    def embed_one(self, text: str) -> Vector: ...

    def blobs(self, texts: list[str]) -> list[bytes]: ...


class Classifier(Protocol):
    """The draft's intent with calibrated probabilities (``intent.IntentClassifier``)."""

    def classify(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> Intent: ...

    def fingerprint(self) -> str: ...


class Router(Protocol):
    """How much a stronger model is expected to help on the draft, 0..1 (``cost.RouterModel``)."""

    def strong_benefit(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> float: ...


class Retriever(Protocol):
    """Library passages for the draft (``retrieve.Retriever``); raises LibraryUnavailable."""

    def retrieve(
        self,
        text: str,
        *,
        library: str,
        vector: Vector | None = None,
        generation: tuple[str, int] | None = None,
        k: int | None = None,
    ) -> Retrieval: ...

    def source(self) -> Searchable: ...


class Grounder(Protocol):
    """The Refusal Contract (``grounding.Grounder``): every refusal is made here."""

    @property
    def threshold(self) -> float: ...

    def ground(self, retrieval: Retrieval, *, max_context: int | None = None) -> Grounding: ...

    def unavailable(self, message: str) -> Grounding: ...

    def scored(self, retrieval: Retrieval) -> list[Hit]: ...


class Optimizer(Protocol):
    """The restated draft with cited context, or None when refused (``optimize.optimize``)."""

    def __call__(self, text: str, intent: Intent, grounding: Grounding) -> Optimized: ...


class TokenCounter(Protocol):
    """Exact token counts per encoding (``cost.Tokenizer``)."""

    def count(self, text: str, encoding: str = "o200k_base") -> int: ...

    def preload(self, encoding: str) -> None: ...


class Catalog(Protocol):
    """The priced models (``cost.ModelCatalog``); ``get`` raises UnknownModel."""

    def __iter__(self) -> Iterator[ModelEntry]: ...

    def get(self, model_id: str) -> ModelEntry: ...
