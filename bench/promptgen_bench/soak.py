"""Soak: the served engine under steady open-loop load for minutes, with its memory over time.

``make soak`` serves the generated Library with N workers and offers a fixed rate for the whole
duration in back-to-back slices (no pause between them), recording each slice's latency
percentiles, errors and the server's resident memory (all its processes), so a leak shows as a
rising RSS curve after warm-up. Results go to ``bench/results/soak-<time>.json``.

    PYTHONPATH=bench python -m promptgen_bench.soak --chunks 100000 --rate 200 --minutes 10
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from promptgen_bench.corpus import CorpusPlan
from promptgen_bench.drafts import DraftMix
from promptgen_bench.library import build_library
from promptgen_bench.loadgen import arrivals, run_open_loop, summarize
from promptgen_bench.procstat import TreeSampler
from promptgen_bench.report import RESULTS
from promptgen_bench.server import serve

LOGS = Path(".promptgen/bench/logs")


def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Every slice's figures, and the totals over the run."""
    info = build_library(args.chunks, args.seed)
    mix = DraftMix(CorpusPlan.make(args.chunks, args.seed), args.seed + args.workers)
    slices: list[dict[str, Any]] = []
    slices_total = max(1, round(args.minutes * 60 / args.slice))
    url = f"sqlite:///{info.path}"
    with serve(url, workers=args.workers, log=LOGS / "soak.log") as served:
        for number in range(slices_total):
            seed = args.seed * 1000 + number
            drafts = [d.text for d in mix.batch(len(arrivals(args.rate, args.slice, seed)))]
            sampler = TreeSampler(served.pid)
            sampler.start()
            run = run_open_loop(served.url, drafts, rate=args.rate, duration=args.slice, seed=seed)
            usage = sampler.stop()
            row = {
                "slice": number + 1,
                "seconds": round((number + 1) * args.slice),
                **summarize(run),
                "server_cpu_percent": round(usage.cpu_percent, 1),
                "rss_mb": usage.peak_rss_mb,
            }
            slices.append(row)
            print(
                f"{row['seconds']:>5} s  {row['achieved_rps']:6.1f} req/s  p50 {row['p50_ms']:6.1f}"
                f"  p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}"
                f"  RSS {row['rss_mb']:.0f} MB",
                flush=True,
            )
    warm = slices[len(slices) // 6 :] or slices  # the first sixth is warm-up
    return {
        "chunks": args.chunks,
        "workers": args.workers,
        "rate": args.rate,
        "minutes": args.minutes,
        "errors": sum(int(s["errors"]) for s in slices),
        "requests": sum(int(s["sent"]) for s in slices),
        "rss_after_warm_up_mb": [warm[0]["rss_mb"], warm[-1]["rss_mb"]],
        "slices": slices,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per sample")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = soak(args)
    target = args.json or RESULTS / f"soak-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2))
    first, last = result["rss_after_warm_up_mb"]
    print(
        f"{result['errors']} errors; RSS after warm-up {first:.0f} → {last:.0f} MB; wrote {target}"
    )


if __name__ == "__main__":
    main()
