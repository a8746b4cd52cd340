"""The HTTP benchmark: serve each Library, offer fixed rates, search the highest sustained rate."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from promptgen_bench.corpus import CorpusPlan
from promptgen_bench.drafts import DraftMix
from promptgen_bench.inprocess import run_in_process
from promptgen_bench.library import CACHE_ROOT, LibraryInfo, Say, build_library
from promptgen_bench.loadgen import arrivals, run_open_loop, summarize
from promptgen_bench.procstat import TreeSampler
from promptgen_bench.server import Served, serve

SEARCH_STEPS = 5
COOL_DOWN_S = 30.0
# Unrecorded load before the first run: fills each worker's caches (SQLite pages, term stats).
WARMUP_RATE = 10.0
WARMUP_S = 3.0


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """What to measure; the defaults are what ``make bench`` runs."""

    chunks: int = 100_000
    compare: tuple[int, ...] = ()
    workers: tuple[int, ...] = (1, 2)
    rates: tuple[float, ...] = (50.0, 200.0, 500.0)
    duration: float = 10.0
    search: bool = True
    p95_budget_ms: float = 50.0
    seed: int = 7
    rebuild: bool = False
    in_process_drafts: int = 2000
    cache_root: Path = CACHE_ROOT
    logs: Path = field(default_factory=lambda: CACHE_ROOT / "logs")


def sustained(row: dict[str, Any], budget_ms: float) -> bool:
    """The server kept up: no errors, not aborted, p95 within budget, ≥ 90 % of offered rate."""
    return (
        row["errors"] == 0
        and not row["aborted"]
        and row["p95_ms"] <= budget_ms
        and row["achieved_rps"] >= 0.9 * row["offered_rps"]
    )


def _cool_down(url: str) -> None:
    """Wait until the server answers /health quickly again (its queue has drained)."""
    deadline = time.monotonic() + COOL_DOWN_S
    quick = 0
    with httpx.Client(base_url=url, timeout=5) as client:
        while quick < 3 and time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                client.get("/health")
            except httpx.HTTPError:
                quick = 0
                continue
            quick = quick + 1 if time.perf_counter() - began < 0.02 else 0
            time.sleep(0.1)


def measure_rate(served: Served, mix: DraftMix, rate: float, duration: float) -> dict[str, Any]:
    """One open-loop run at ``rate`` with the server's CPU and memory over it."""
    seed = int(rate * 1000) + served.workers
    drafts = [d.text for d in mix.batch(len(arrivals(rate, duration, seed)))]
    sampler = TreeSampler(served.pid)
    sampler.start()
    run = run_open_loop(served.url, drafts, rate=rate, duration=duration, seed=seed)
    usage = sampler.stop()
    _cool_down(served.url)
    other = max(0.0, usage.system_cpu_s - usage.cpu_s - run.client_cpu_s)
    return {
        "workers": served.workers,
        **summarize(run),
        "server_cpu_percent": round(usage.cpu_percent, 1),
        # CPU used by everything else on the machine meanwhile: it competes for the same cores.
        "other_cpu_percent": round(100 * other / usage.wall_s, 1) if usage.wall_s else 0.0,
        "server_cpu_s": usage.cpu_s,
        "peak_rss_mb": usage.peak_rss_mb,
        "vmhwm_sum_mb": usage.hwm_mb,
        "server_processes": usage.processes,
    }


def search_max(
    measure: Callable[[float], dict[str, Any]], known: list[dict[str, Any]], budget_ms: float
) -> tuple[float, list[dict[str, Any]]]:
    """Highest rate sustained within ``budget_ms``: grow by 1.5x past the known, then bisect."""
    lo = max((r["offered_rps"] for r in known if sustained(r, budget_ms)), default=0.0)
    hi = min((r["offered_rps"] for r in known if r["offered_rps"] > lo), default=None)
    rows: list[dict[str, Any]] = []
    for _ in range(SEARCH_STEPS):
        if hi is None:
            rate = lo * 1.5 if lo else 25.0
        elif hi - lo <= max(0.1 * lo, 10.0):
            break
        else:
            rate = (lo + hi) / 2
        rate = float(round(rate / 10) * 10 or 10)
        row = {**measure(rate), "phase": "search"}
        rows.append(row)
        if sustained(row, budget_ms):
            lo = rate
        else:
            hi = rate
    return lo, rows


def run_server(
    library: LibraryInfo, workers: int, config: BenchConfig, say: Say, *, search: bool
) -> dict[str, Any]:
    """Serve ``library`` with ``workers`` workers; fixed rates, then (optionally) the search."""
    mix = DraftMix(CorpusPlan.make(library.chunks, library.seed), config.seed + workers)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    log = config.logs / f"server-{library.chunks}-w{workers}-{stamp}.log"
    rows: list[dict[str, Any]] = []
    with serve(library.url, workers=workers, log=log) as served:

        def measure(rate: float) -> dict[str, Any]:
            """One rate against this server, reported as it finishes."""
            row = {"chunks": library.chunks, **measure_rate(served, mix, rate, config.duration)}
            say(_row_line(row))
            return row

        measure_rate(served, mix, WARMUP_RATE, WARMUP_S)
        rows = [{**measure(rate), "phase": "fixed"} for rate in config.rates]
        best = None
        if search:
            best, found = search_max(measure, rows, config.p95_budget_ms)
            rows += found
    return {
        "chunks": library.chunks,
        "workers": workers,
        "rows": rows,
        "max_sustained_rps": best,
        "capacity_rps": capacity({"rows": rows}),
        "drafts_generated": dict(mix.kinds),
        "log": str(log),
    }


def _row_line(row: dict[str, Any]) -> str:
    return (
        f"  {row['chunks']:,} chunks, {row['workers']} worker(s), {row['offered_rps']:g} req/s: "
        f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, errors {row['errors']}, "
        f"server CPU {row['server_cpu_percent']} %"
    )


def capacity(server: dict[str, Any]) -> float:
    """The most requests per second served without an error or an abort, whatever the latency."""
    clean = [r["achieved_rps"] for r in server["rows"] if not r["errors"] and not r["aborted"]]
    return float(max(clean, default=0.0))


def recommend(servers: list[dict[str, Any]]) -> int:
    """Workers with the highest sustained rate; ties (e.g. none sustained): most capacity, fewer."""

    def key(s: dict[str, Any]) -> tuple[float, float, int]:
        """Smaller is better."""
        return (-(s["max_sustained_rps"] or 0.0), -capacity(s), s["workers"])

    return int(min(servers, key=key)["workers"])


def run_size(
    chunks: int, config: BenchConfig, say: Say, *, workers: tuple[int, ...], search: bool
) -> dict[str, Any]:
    """Build (or reuse) one Library, measure it in-process, then over HTTP per worker count."""
    library = build_library(
        chunks, config.seed, root=config.cache_root, rebuild=config.rebuild, say=say
    )
    say(
        f"Library {library.chunks:,} chunks: {library.size_bytes / 1e6:.1f} MB"
        f" + search index {library.index_bytes / 1e6:.1f} MB, ingest "
        f"{library.chunks_per_s:,.0f} chunks/s{' (cached)' if library.cached else ''}"
    )
    in_process = run_in_process(library, drafts=config.in_process_drafts, seed=config.seed)
    say(f"  in-process: p50 {in_process['p50_ms']} ms, p95 {in_process['p95_ms']} ms")
    servers = [run_server(library, w, config, say, search=search) for w in workers]
    return {"library": library.as_dict(), "in_process": in_process, "servers": servers}


def run_bench(config: BenchConfig, say: Say = print) -> dict[str, Any]:
    """The whole benchmark: the main size with every worker count, then the comparison sizes."""
    started = time.perf_counter()
    main = run_size(config.chunks, config, say, workers=config.workers, search=config.search)
    best = recommend(main["servers"])
    sizes = [main]
    for chunks in config.compare:
        sizes.append(run_size(chunks, config, say, workers=(best,), search=False))
    return {
        "config": {
            "chunks": config.chunks,
            "compare": list(config.compare),
            "workers": list(config.workers),
            "rates": list(config.rates),
            "duration_s": config.duration,
            "p95_budget_ms": config.p95_budget_ms,
            "seed": config.seed,
        },
        "recommended_workers": best,
        "sizes": sorted(sizes, key=lambda s: int(s["library"]["chunks"])),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
