"""The bounded caches: LRU order and a memo of a pure function."""

from __future__ import annotations

from promptgen.cache import LRUCache, Memo


def test_lru_cache_keeps_the_most_recent_entries() -> None:
    cache: LRUCache[int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_memo_calls_the_function_once_per_kept_argument() -> None:
    calls: list[str] = []

    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    memo: Memo[str, str] = Memo(shout, size=1)
    assert memo("a") == "A" and memo("a") == "A" and calls == ["a"]
    assert memo("b") == "B" and memo("a") == "A"  # "a" was pushed out by "b"
    assert calls == ["a", "b", "a"]
