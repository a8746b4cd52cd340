"""The background term frequencies: the shipped table loads, is checked, and ranks affinity."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from promptgen.library.background import FLOOR, Background


def test_shipped_table_matches_its_manifest_and_knows_common_words() -> None:
    folder = resources.files("promptgen.models.background")
    manifest = json.loads(folder.joinpath("MANIFEST.json").read_text(encoding="utf-8"))
    raw = folder.joinpath("terms.npz").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == manifest["files"]["terms.npz"]["sha256"]
    assert "wordfreq" in manifest["source"] and "CC BY-SA" in manifest["licence"]
    background = Background.load()
    # Stemmed index terms: "running" and "runs" are both "run".
    assert background.frequency("run") > background.frequency("uvicorn") >= FLOOR
    assert background.frequency("zzqxjv") == FLOOR


def test_affinity_is_high_for_the_library_s_own_words_and_low_for_everyday_ones() -> None:
    background = Background({"run": 5e-4, "everi": 6e-4, "uvicorn": 1e-8, "worker": 1e-4})
    # A 1,000-chunk Library about serving: "uvicorn" and "worker" are in many of its chunks,
    # "run" and "everi" in about as many as in any English text of that length.
    frequencies = {"uvicorn": 80, "worker": 120, "run": 60, "everi": 70}
    ours = background.affinity(["uvicorn", "worker"], frequencies, 1000, 150.0)
    everyday = background.affinity(["run", "everi"], frequencies, 1000, 150.0)
    assert ours > 2.0 > everyday
    # A term the Library never holds counts against the draft; no terms at all is neutral.
    assert background.affinity(["spaci"], frequencies, 1000, 150.0) < everyday
    assert background.affinity([], frequencies, 1000, 150.0) == 0.0
