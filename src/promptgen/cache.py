"""Bounded caches: answers for exact repeats of a draft (a typing client re-sends the same text
often), and the results of pure functions of passage text (the same passages ground draft after
draft)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")
Key = TypeVar("Key", bound=Hashable)


class LRUCache(Generic[Value]):
    """A thread-safe least-recently-used map of at most ``size`` entries (0: keeps nothing).

    Keys must say everything the value depends on; for precompute that includes the Library's
    generation, so any write to the Library makes every older entry unreachable.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: Value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Memo(Generic[Key, Value]):
    """``function`` with its results for the last ``size`` arguments kept.

    For pure functions of a passage's text (screening, secret masking): keyed by the text
    itself, an edited passage can never be served a stale result.
    """

    def __init__(self, function: Callable[[Key], Value], size: int = 2048) -> None:
        self.function = function
        self._cache: LRUCache[Value] = LRUCache(size)

    def __call__(self, key: Key) -> Value:
        known = self._cache.get(key)
        if known is None:
            known = self.function(key)
            self._cache.put(key, known)
        return known
