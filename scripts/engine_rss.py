"""Does one PromptGen grow while it answers many distinct drafts? Prints VmRSS as it goes.

Ingests a Library into a temporary SQLite file, then precomputes random drafts of 3-25 words
drawn from the Library's own text (so most are grounded and exercise every stage), sampling the
process's resident memory every ``--every`` drafts. Linux only (/proc/self/status).

    .venv/bin/python scripts/engine_rss.py --library docs --drafts 24000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from promptgen import PromptGen
from promptgen.settings import Settings


def rss_mb() -> int:
    """The process's resident set size in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=Path("docs"))
    parser.add_argument("--drafts", type=int, default=24_000)
    parser.add_argument("--every", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    words = [w for p in sorted(args.library.rglob("*.md")) for w in p.read_text().split()]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        engine = PromptGen(Settings(database_url=f"sqlite:///{tmp}/rss.db"))
        engine.ingest([args.library])
        print(f"after ingest: {rss_mb()} MB", flush=True)
        started = time.perf_counter()
        for n in range(1, args.drafts + 1):
            engine.precompute(" ".join(rng.choice(words) for _ in range(rng.randint(3, 25))))
            if n % args.every == 0:
                elapsed = time.perf_counter() - started
                print(f"{n} drafts: {rss_mb()} MB ({elapsed:.0f} s)", flush=True)
        engine.close()


if __name__ == "__main__":
    main()
