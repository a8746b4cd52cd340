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

import gzip
import hashlib
import json
import math
from collections.abc import Mapping
from importlib import resources

from promptgen.errors import PromptGenError

PACKAGE = "promptgen.models.background"
TABLE = "terms.tsv.gz"
# Rarer than anything listed (wordfreq lists frequencies down to 1e-8): names, typos, jargon.
FLOOR = 1e-9
# One term's log-ratio is clipped to this many nats either way: a single typo or one word the
# Library repeats in every chunk must not decide alone.
CLIP = 6.0


class BackgroundInvalid(PromptGenError):
    """The shipped background table is missing or does not match its manifest."""

    code = "background_invalid"
    status = 500


class Background:
    """Term -> frequency in ordinary English (per running word)."""

    def __init__(self, frequencies: Mapping[str, float]) -> None:
        self._frequencies = dict(frequencies)

    @classmethod
    def load(cls) -> Background:
        """The shipped table, after checking its checksum against the manifest."""
        folder = resources.files(PACKAGE)
        try:
            manifest = json.loads(folder.joinpath("MANIFEST.json").read_text(encoding="utf-8"))
            raw = folder.joinpath(TABLE).read_bytes()
        except (OSError, ValueError) as exc:
            raise BackgroundInvalid(f"background table unreadable: {exc}") from exc
        if hashlib.sha256(raw).hexdigest() != manifest["files"][TABLE]:
            raise BackgroundInvalid(f"{TABLE} does not match the checksum in MANIFEST.json")
        frequencies: dict[str, float] = {}
        for line in gzip.decompress(raw).decode("utf-8").splitlines():
            term, _, value = line.partition("\t")
            frequencies[term] = float(value)
        return cls(frequencies)

    def frequency(self, term: str) -> float:
        """The term's frequency in English (FLOOR when the table does not list it)."""
        return self._frequencies.get(term, FLOOR)

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
