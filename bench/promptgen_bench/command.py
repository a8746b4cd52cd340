"""``python -m promptgen_bench``: its options, and the two modes (HTTP under load, in-process)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from promptgen_bench.runner import BenchConfig

bench_app = typer.Typer(add_completion=False)
# Wide enough for the results table when the output goes to a file or a pipe (make, CI).
out = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)


def _numbers(text: str) -> tuple[float, ...]:
    """``"50,200,500"`` → (50.0, 200.0, 500.0)."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated numbers, got {text!r}") from None
    if not values or min(values) <= 0:
        raise typer.BadParameter(f"expected positive numbers, got {text!r}")
    return values


def _say(line: str) -> None:
    err.print(line, highlight=False)


def _in_process(chunks: int, seed: int, rebuild: bool, drafts: int, json_out: Path | None) -> None:
    """``--in-process``: the engine alone on one Library, per stage."""
    from promptgen_bench import report
    from promptgen_bench.inprocess import run_in_process
    from promptgen_bench.library import build_library

    library = build_library(chunks, seed, rebuild=rebuild, say=_say)
    result = {
        "machine": report.machine(),
        "library": library.as_dict(),
        **run_in_process(library, drafts=drafts, seed=seed),
    }
    out.print(report.in_process_table([result]))
    out.print(f"total: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n")


def _http(config: BenchConfig, json_out: Path | None) -> None:
    """The full run: Libraries, in-process, the served process under load; table and JSON."""
    from promptgen_bench import report
    from promptgen_bench.runner import run_bench

    result = {"machine": report.machine(), **run_bench(config, say=_say)}
    result["targets"] = report.targets(result)
    out.print(report.http_table(result))
    out.print(report.in_process_table([s["in_process"] for s in result["sizes"]]))
    out.print(report.targets_table(result["targets"]))
    out.print(f"recommended workers: {result['recommended_workers']}")
    out.print(f"wrote {report.write_json(result, extra=json_out)}")


@bench_app.command()
def bench(
    chunks: Annotated[int, typer.Option(min=100, help="Library size in chunks.")] = 100_000,
    compare: Annotated[
        str, typer.Option(help="Other Library sizes to measure too, e.g. 10000,1000000.")
    ] = "",
    duration: Annotated[float, typer.Option(min=1, help="Seconds of load per rate.")] = 10.0,
    rates: Annotated[str, typer.Option(help="Fixed arrival rates, req/s.")] = "50,200,500",
    workers: Annotated[str, typer.Option(help="uvicorn worker counts to compare.")] = "1,2",
    search: Annotated[
        bool, typer.Option(help="Search the highest rate sustained with p95 ≤ 50 ms.")
    ] = True,
    in_process: Annotated[
        bool, typer.Option("--in-process", help="Engine latency per stage, without HTTP.")
    ] = False,
    drafts: Annotated[
        int, typer.Option(min=10, help="In-process drafts (at most 30 s of them).")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Corpus and draft seed.")] = 7,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the cached Library.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON here.")] = None,
) -> None:
    """Benchmark ingest, precompute latency and throughput on a generated Library."""
    if in_process:
        _in_process(chunks, seed, rebuild, drafts, json_out)
        return
    config = BenchConfig(
        chunks=chunks,
        compare=tuple(int(c) for c in _numbers(compare)) if compare else (),
        workers=tuple(int(w) for w in _numbers(workers)),
        rates=_numbers(rates),
        duration=duration,
        search=search,
        seed=seed,
        rebuild=rebuild,
        in_process_drafts=drafts,
    )
    _http(config, json_out)


def main(args: list[str] | None = None) -> None:
    """Run the benchmark with ``args`` (default: the command line)."""
    bench_app(args=args, prog_name="python -m promptgen_bench")
