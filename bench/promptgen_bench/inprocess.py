"""Precompute latency without HTTP: the engine alone, per stage, on drafts it has never seen."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from promptgen.engine import PromptGen
from promptgen.settings import Settings
from promptgen_bench.corpus import CorpusPlan
from promptgen_bench.drafts import DraftMix
from promptgen_bench.library import LibraryInfo

# The engine's timings_ms keys, in pipeline order (any other key it reports is kept too).
STAGES = ("intent", "retrieve", "ground", "optimize", "cost", "total")
WARMUP = 20
REPEATS = 200
MIN_DRAFTS = 100


def _percentiles(values: list[float]) -> dict[str, float]:
    array = np.array(values)
    return {
        "p50_ms": round(float(np.percentile(array, 50)), 3),
        "p95_ms": round(float(np.percentile(array, 95)), 3),
        "p99_ms": round(float(np.percentile(array, 99)), 3),
        "mean_ms": round(float(array.mean()), 3),
    }


def fresh_drafts(library: LibraryInfo, n: int, seed: int) -> list[str]:
    """``n`` distinct drafts of the usual mix, none of them a repeat."""
    mix = DraftMix(CorpusPlan.make(library.chunks, library.seed), seed)
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen.setdefault(mix.fresh().text, None)
    return list(seen)


def measure(
    pg: PromptGen, drafts: list[str], warmup: list[str], max_seconds: float = 30.0
) -> dict[str, Any]:
    """Per-stage and total latency percentiles of ``pg.precompute`` over ``drafts``.

    Stops early (after at least MIN_DRAFTS) once ``max_seconds`` have passed.
    """
    for text in warmup:
        pg.precompute(text)
    timings: dict[str, list[float]] = {}
    grounded = measured = 0
    began = time.perf_counter()
    for text in drafts:
        if measured >= MIN_DRAFTS and time.perf_counter() - began > max_seconds:
            break
        measured += 1
        result = pg.precompute(text)
        grounded += result.grounded
        for stage, ms in result.timings_ms.items():
            timings.setdefault(stage, []).append(ms)
    wall = time.perf_counter() - began
    total = _percentiles(timings["total"])
    # Exact repeats (a typing client re-sends the same draft): answered from the engine's cache.
    seen = drafts[max(0, measured - REPEATS) : measured]
    repeated = _percentiles([pg.precompute(text).timings_ms["total"] for text in seen])
    return {
        "drafts": measured,
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "mean_ms": total["mean_ms"],
        "throughput_per_s": round(measured / wall, 1),
        "grounded_share": round(grounded / measured, 3),
        "stages": {stage: _percentiles(values) for stage, values in timings.items()},
        "repeated": repeated,
    }


def run_in_process(library: LibraryInfo, *, drafts: int = 2000, seed: int = 1) -> dict[str, Any]:
    """Build a PromptGen on ``library`` and measure never-seen drafts through it."""
    texts = fresh_drafts(library, drafts + WARMUP, seed)
    pg = PromptGen(Settings(database_url=library.url))
    pg.library.sync_index()  # a Library built by older code may lack its index: build it, unmeasured
    try:
        result = measure(pg, texts[WARMUP:], texts[:WARMUP])
    finally:
        pg.close()
    return {"chunks": library.chunks, **result}
