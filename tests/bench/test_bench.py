"""Smoke test of the benchmark: a 300-chunk Library, in-process and a 1-second open-loop run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from promptgen_bench.corpus import CorpusPlan
from promptgen_bench.drafts import DraftMix
from promptgen_bench.inprocess import run_in_process
from promptgen_bench.library import build_library
from promptgen_bench.report import http_table, targets, write_json
from promptgen_bench.runner import measure_rate, search_max
from promptgen_bench.server import serve

STAGES = {"intent", "retrieve", "ground", "optimize", "cost", "total"}


def test_bench_smoke(tmp_path: Path) -> None:
    """Build, reuse, measure in-process and over HTTP, report: the keys the JSON promises."""
    library = build_library(300, seed=3, root=tmp_path / "cache", say=lambda _: None)
    assert library.chunks == 300 and library.size_bytes > 0 and not library.cached
    again = build_library(300, seed=3, root=tmp_path / "cache", say=lambda _: None)
    assert again.cached and again.chunks_per_s == library.chunks_per_s

    in_process = run_in_process(library, drafts=30, seed=1)
    assert {"p50_ms", "p95_ms", "stages"} <= in_process.keys()
    assert in_process["stages"].keys() >= STAGES

    mix = DraftMix(CorpusPlan.make(300, 3), seed=1)
    with serve(library.url, workers=1, log=tmp_path / "server.log") as served:
        row = {"chunks": 300, **measure_rate(served, mix, rate=20, duration=1.0), "phase": "fixed"}
    assert row["errors"] == 0 and row["sent"] > 0 and not row["aborted"]
    for key in ("offered_rps", "achieved_rps", "p50_ms", "p95_ms", "p99_ms"):
        assert isinstance(row[key], float)
    assert row["server_cpu_percent"] >= 0 and row["peak_rss_mb"] > 50
    log = (tmp_path / "server.log").read_text()
    assert '"message": "Precompute complete:' in log  # JSON logs, to the file

    result: dict[str, Any] = {
        "config": {"p95_budget_ms": 50.0},
        "recommended_workers": 1,
        "sizes": [
            {
                "library": library.as_dict(),
                "in_process": in_process,
                "servers": [{"workers": 1, "rows": [row], "max_sustained_rps": 20.0}],
            }
        ],
    }
    http_table(result)
    assert targets(result)[-1]["holds"] is None  # 1M not measured
    written = json.loads(write_json(result, tmp_path / "results").read_text())
    assert written["sizes"][0]["servers"][0]["rows"][0]["p95_ms"] == row["p95_ms"]


def test_search_grows_then_bisects() -> None:
    """Past the fixed rates the search grows by 1.5x, then bisects to within 10 %."""
    capacity = 730.0

    def measure(rate: float) -> dict[str, Any]:
        """A fake server that keeps up until ``capacity``."""
        ok = rate <= capacity
        return {
            "offered_rps": rate,
            "achieved_rps": rate,
            "errors": 0,
            "aborted": False,
            "p95_ms": 10.0 if ok else 400.0,
        }

    known = [measure(r) for r in (50.0, 200.0, 500.0)]
    best, rows = search_max(measure, known, budget_ms=50.0)
    assert 650 <= best <= capacity and len(rows) <= 5
