"""Fake pipeline stages shared by the tests: each satisfies a Protocol of stages.py, no subclass
of ours, no ``type: ignore``."""

from __future__ import annotations

from promptgen.errors import LibraryUnavailable
from promptgen.intent.features import Features
from promptgen.library.store import Searchable
from promptgen.retrieve import Retrieval
from promptgen.stages import Classifier, Retriever, Vector
from promptgen.types import Intent


class DownLibrary:
    """A retriever whose database has gone away: every search raises LibraryUnavailable."""

    def __init__(self, reason: str = "database is locked") -> None:
        self.reason = reason

    def retrieve(
        self,
        text: str,
        *,
        library: str,
        vector: Vector | None = None,
        generation: tuple[str, int] | None = None,
        k: int | None = None,
    ) -> Retrieval:
        raise LibraryUnavailable(self.reason)

    def source(self) -> Searchable:
        raise LibraryUnavailable(self.reason)


class WrappedLibrary:
    """A real retriever with something happening before each search (override ``before``)."""

    def __init__(self, real: Retriever) -> None:
        self.real = real
        self.calls = 0

    def before(self) -> None:
        """Runs before each search; may raise or block."""

    def retrieve(
        self,
        text: str,
        *,
        library: str,
        vector: Vector | None = None,
        generation: tuple[str, int] | None = None,
        k: int | None = None,
    ) -> Retrieval:
        self.calls += 1
        self.before()
        return self.real.retrieve(text, library=library, vector=vector, generation=generation, k=k)

    def source(self) -> Searchable:
        return self.real.source()


class RecordingClassifier:
    """A real classifier that keeps the texts it was asked to classify."""

    def __init__(self, real: Classifier) -> None:
        self.real = real
        self.texts: list[str] = []

    def classify(
        self, text: str, embedding: Vector | None = None, features: Features | None = None
    ) -> Intent:
        self.texts.append(text)
        return self.real.classify(text, embedding, features)

    def fingerprint(self) -> str:
        return self.real.fingerprint()
