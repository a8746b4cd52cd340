"""``python -m promptgen_bench``: run the benchmark (``make bench`` does, from the repo root)."""

from promptgen_bench.command import main

main()
