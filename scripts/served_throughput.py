"""Served throughput of `promptgen serve` on SQLite and PostgreSQL, with wrk and the bench client.

Issue #15 asks for the route's store and search calls to leave the event loop, measured before and
after. This script serves a generated Library with N workers and loads it twice:

- ``wrk`` (Debian's C load generator, closed loop: C connections each send as soon as the last
  answer came) posting the bench's realistic draft mix; it reports req/s and latency percentiles;
- the bench's own open-loop client (``promptgen_bench.loadgen``) at fixed arrival rates.

    python scripts/served_throughput.py --chunks 100000             # SQLite, the bench Library
    python scripts/served_throughput.py --postgres --chunks 20000   # a throwaway PostgreSQL 15
    python scripts/served_throughput.py --variants before=/tmp/before/src,after= --rounds 2

Run it from the repository root (the PostgreSQL helper lives in tests/pg.py). Results go to
stdout as a table and, with --json, to a file; docs/performance.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from promptgen.engine import PromptGen
from promptgen.settings import Settings

# The bench is a dev tool outside the installed package: bench/promptgen_bench.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from promptgen_bench.corpus import CorpusPlan, write_corpus
from promptgen_bench.drafts import DraftMix
from promptgen_bench.library import build_library
from promptgen_bench.runner import measure_rate
from promptgen_bench.server import serve

LOGS = Path(".promptgen/bench/logs")
_LUA = """
local drafts = {%s}
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  -- each wrk thread walks its own stride of the list: no two threads send the same draft
  counter = id
  stride = %d
end
request = function()
  local body = drafts[(counter %% #drafts) + 1]
  counter = counter + stride
  return wrk.format("POST", "/api/precompute", {["Content-Type"] = "application/json"}, body)
end
"""


def _lua_string(text: str) -> str:
    body = json.dumps({"text": text}, ensure_ascii=True)
    return '"' + body.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(
    url: str, drafts: list[str], *, connections: int, threads: int, seconds: int
) -> dict[str, Any]:
    """One wrk run; its req/s, latency percentiles and non-2xx count."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % (",".join(map(_lua_string, drafts)), threads))
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
         script.name, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    Path(script.name).unlink()

    def ms(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            return float("nan")
        value, unit = float(found[1]), found[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "client": "wrk",
        "connections": connections,
        "rps": float(rps[1]) if rps else 0.0,
        "p50_ms": ms("50"),
        "p90_ms": ms("90"),
        "p99_ms": ms("99"),
        "non_2xx": int(bad[1]) if bad else 0,
        "socket_errors": errors[0] if errors else "",
    }


@contextmanager
def postgres_library(chunks: int, seed: int) -> Iterator[str]:
    """A throwaway PostgreSQL 15 holding the generated Library of ``chunks`` chunks."""
    sys.path.insert(0, str(Path.cwd()))
    from tests.pg import running_postgres

    with running_postgres() as server, tempfile.TemporaryDirectory() as tmp:
        url = server.url(server.create_database())
        folders = write_corpus(CorpusPlan.make(chunks, seed), Path(tmp))
        promptgen = PromptGen(Settings(database_url=url))
        began = time.perf_counter()
        report = promptgen.ingest(folders)
        print(
            f"ingested {report.chunks:,} chunks into PostgreSQL in {time.perf_counter() - began:.0f} s"
        )
        promptgen.close()
        yield url


def load(served: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The wrk runs, then the bench client's open-loop rates, against one served Library."""
    rows: list[dict[str, Any]] = []
    plan = CorpusPlan.make(args.chunks, args.seed)
    mix = DraftMix(plan, args.seed + args.workers)
    for connections in map(int, args.connections.split(",")):
        drafts = [d.text for d in mix.batch(20_000)]
        rows.append(wrk(f"{served.url}", drafts, connections=connections, threads=2,
                        seconds=args.seconds))  # fmt: skip
        print(rows[-1], flush=True)
    for rate in map(float, args.rates.split(",")):
        row = measure_rate(served, mix, rate, args.seconds)
        rows.append({"client": "bench", **row})
        print({k: row[k] for k in ("offered_rps", "achieved_rps", "p50_ms", "p95_ms",
                                   "errors", "server_cpu_percent")}, flush=True)  # fmt: skip
    return rows


def variants(spec: str) -> list[tuple[str, str | None]]:
    """``name=path,...`` into (name, the source folder put first on PYTHONPATH, or None)."""
    found = []
    for item in spec.split(","):
        name, _, path = item.partition("=")
        found.append((name, str(Path(path).resolve()) if path else None))
    return found


def table(store: str, args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    print(f"\n{store}, {args.chunks:,} chunks, {args.workers} workers")
    print("| code | client | load | req/s | p50 ms | p90/p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        for r in run["rows"]:
            if r["client"] == "wrk":
                print(f"| {run['label']} | wrk | {r['connections']} connections | {r['rps']:.0f} | "
                      f"{r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | "
                      f"{r['non_2xx']} |")  # fmt: skip
            else:
                print(f"| {run['label']} | bench | {r['offered_rps']:.0f} req/s offered | "
                      f"{r['achieved_rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                      f"{r['p99_ms']:.1f} | {r['errors']} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--database-url", help="Serve this Library (generated with the same --chunks and --seed)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", default="8,32")
    parser.add_argument("--rates", default="50,100,200")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--variants",
        default="this=",
        help="code to serve, in turn, against the same Library: name=SRC (a checkout's src/ "
        "folder, e.g. a git worktree of the commit before a change) or name= for this one",
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternate the variants N times")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    if args.database_url:
        library = _fixed(args.database_url)
    elif args.postgres:
        library = postgres_library(args.chunks, args.seed)
    else:
        info = build_library(args.chunks, args.seed)
        library = _fixed(f"sqlite:///{info.path}")
    runs: list[dict[str, Any]] = []
    base = os.environ.get("PYTHONPATH", "")
    with library as url:
        for round_ in range(args.rounds):
            for label, source in variants(args.variants):
                # The server is a subprocess: its PYTHONPATH picks the code it runs.
                os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (source, base) if p)
                print(f"round {round_ + 1}: {label} ({source or 'this checkout'})", flush=True)
                with serve(url, workers=args.workers, log=LOGS / f"throughput-{label}.log") as s:
                    runs.append({"label": label, "round": round_ + 1, "rows": load(s, args)})
    os.environ["PYTHONPATH"] = base
    store = "postgresql" if args.postgres or "postgres" in (args.database_url or "") else "sqlite"
    table(store, args, runs)
    if args.json:
        args.json.write_text(json.dumps({"store": store, "chunks": args.chunks, "workers":
                                         args.workers, "runs": runs}, indent=2))  # fmt: skip


@contextmanager
def _fixed(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    main()
