"""How often each term occurs in ordinary English, and how much more a Library uses it.

A draft that grounds is about what the Library is about: its content terms occur in the Library
far more often than in everyday English ("uvicorn", "rollback", "ingest" in an operations
Library). An everyday draft that merely shares words with it ("is it bad to run every day"
against docs that mention running a benchmark) uses them about as often as English does. The
Refusal Contract reads that as one of its features (grounding.py, ``affinity``).

The table (``models/background/``) is built offline by scripts/build_background.py from
wordfreq's English list; its manifest records the source, licence and checksum, checked on load.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from promptgen import models
from promptgen.errors import BackgroundInvalid

MODEL = "background"  # promptgen/models/background/
TABLE = "terms.npz"
# Rarer than anything listed (wordfreq lists frequencies down to 1e-8): names, typos, jargon.
FLOOR = 1e-9
# One term's log-ratio is clipped to this many nats either way: a single typo or one word the
# Library repeats in every chunk must not decide alone.
CLIP = 6.0


def term_key(term: str) -> int:
    """The table's key for ``term``: the first 8 bytes of its blake2b digest, as an integer.

    Two sorted arrays instead of a 223,000-entry dict: the dict made every full garbage
    collection walk it, and precompute was 25 % slower at 100k chunks (docs/performance.md).
    """
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "big")


class Background:
    """Term -> frequency in ordinary English (per running word)."""

    def __init__(self, frequencies: Mapping[str, float]) -> None:
        table = {term_key(t): f for t, f in frequencies.items()}
        order = sorted(table)
        self._keys: npt.NDArray[np.uint64] = np.array(order, dtype=np.uint64)
        self._values: npt.NDArray[np.float32] = np.array([table[k] for k in order], np.float32)

    @classmethod
    def _from_arrays(
        cls, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.float32]
    ) -> Background:
        background = cls({})
        background._keys, background._values = keys, values
        return background

    @classmethod
    def load(cls) -> Background:
        """The shipped table, after checking its checksum against the manifest."""
        raw = models.read(MODEL, TABLE, BackgroundInvalid)
        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            keys, values = arrays["keys"], arrays["frequencies"]
        if keys.dtype != np.uint64 or keys.shape != values.shape:
            raise BackgroundInvalid(f"{TABLE} does not hold the expected arrays")
        return cls._from_arrays(keys, values)

    def frequency(self, term: str) -> float:
        """The term's frequency in English (FLOOR when the table does not list it)."""
        key = np.uint64(term_key(term))
        at = int(np.searchsorted(self._keys, key))
        if at < len(self._keys) and self._keys[at] == key:
            return float(self._values[at])
        return FLOOR

    def affinity(
        self, terms: list[str], frequencies: Mapping[str, int], chunks: int, average_length: float
    ) -> float:
        """Mean over ``terms`` of log(share of the Library's chunks holding the term / the share
        expected if the Library were ordinary English of the same chunk length); 0 for none.

        Under the background, a term of frequency f is in a chunk of L terms with probability
        1 − e^(−L·f); positive values mean the Library uses the draft's words more than English.
        A term in none of its chunks counts −CLIP.
        """
        if not terms or chunks <= 0:
            return 0.0
        length = max(average_length, 1.0)
        total = 0.0
        for term in terms:
            held = frequencies.get(term, 0)
            if held == 0:  # the Library never uses the word: as far from its topic as it gets
                total -= CLIP
                continue
            expected = -math.expm1(-length * self.frequency(term))
            total += max(-CLIP, min(CLIP, math.log(held / chunks / expected)))
        return total / len(terms)
