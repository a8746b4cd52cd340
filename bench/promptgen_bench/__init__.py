"""Benchmarks: a generated Library, the real server under open-loop load, in-process latency.

A dev tool, not part of the installed package: run it from the repository root with
``PYTHONPATH=bench .venv/bin/python -m promptgen_bench --help`` (or ``make bench``).
"""
