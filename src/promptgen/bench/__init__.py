"""Benchmarks: a generated Library, the real server under open-loop load, in-process latency."""
