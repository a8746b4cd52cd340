"""Open-loop load: requests leave at their scheduled arrival times, whatever the server does.

Each request is scheduled in advance (Poisson arrivals at the offered rate) and its latency is
measured from its *intended* send time, not from when the client got round to sending it, so a
slow server cannot make the client send less and hide its own slowness (coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

CONNECTIONS = 256
TIMEOUT_S = 5.0
# Stop offering load once this many seconds of arrivals are waiting (by Little's law the mean
# latency is then at least that long): the rate has clearly failed, there is no need to go on.
ABORT_BACKLOG_S = 0.5
ABORT_GRACE_S = 2.0
PRECOMPUTE = "/api/precompute"


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: when it was due, how long it took from then, how late it left, its status."""

    due_s: float
    latency_ms: float
    lag_ms: float
    status: int
    grounded: bool


@dataclass(frozen=True, slots=True)
class LoadRun:
    """Every request of one open-loop run, and how the run went."""

    offered_rps: float
    duration_s: float
    samples: list[Sample]
    elapsed_s: float
    aborted: bool
    client_cpu_s: float


def arrivals(rate: float, duration: float, seed: int) -> list[float]:
    """Poisson arrival times (seconds from the start) at ``rate`` per second within ``duration``."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / rate, int(rate * duration * 1.5) + 10)
    times = np.cumsum(gaps)
    return [float(t) for t in times[times < duration]]


async def _send(client: httpx.AsyncClient, body: bytes, due: float, start: float) -> Sample:
    """POST one draft; any failure (transport, timeout, non-200) is an error sample."""
    loop = asyncio.get_running_loop()
    lag = loop.time() - due
    status, grounded = 0, False
    try:
        async with asyncio.timeout(TIMEOUT_S):
            response = await client.post(
                PRECOMPUTE, content=body, headers={"content-type": "application/json"}
            )
        status = response.status_code
        grounded = b'"grounded":true' in response.content
    except (httpx.HTTPError, TimeoutError):
        status = 0
    latency = loop.time() - due
    return Sample(round(due - start, 4), latency * 1000, lag * 1000, status, grounded)


async def _warm(client: httpx.AsyncClient, connections: int) -> None:
    """Open a few keep-alive connections before the clock starts."""
    await asyncio.gather(*(client.get("/health") for _ in range(connections)))


async def _collect(tasks: list[asyncio.Task[Sample]], grace: float | None) -> list[Sample]:
    """The samples; after an abort, requests still open after ``grace`` s are cut (errors)."""
    if grace is not None and tasks:
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:
            task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [
        r if isinstance(r, Sample) else Sample(0.0, TIMEOUT_S * 1000, 0.0, -1, False)
        for r in results
    ]


async def _open_loop(
    url: str, drafts: list[str], due: list[float], rate: float
) -> tuple[list[Sample], float, bool]:
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=url, timeout=None, limits=limits) as client:
        await _warm(client, 8)
        bodies = [json.dumps({"text": d}).encode() for d in drafts]
        tasks: list[asyncio.Task[Sample]] = []
        pending: set[asyncio.Task[Sample]] = set()
        backlog = max(20, int(rate * ABORT_BACKLOG_S))
        aborted = False
        start = loop.time() + 0.05
        for offset, body in zip(due, bodies, strict=True):
            when = start + offset
            if (delay := when - loop.time()) > 0:
                await asyncio.sleep(delay)
            if len(pending) > backlog:
                aborted = True
                break
            task = asyncio.create_task(_send(client, body, when, start))
            pending.add(task)
            task.add_done_callback(pending.discard)
            tasks.append(task)
        samples = await _collect(tasks, ABORT_GRACE_S if aborted else None)
        return samples, loop.time() - start, aborted


def _event_loop_runner() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """asyncio.run on uvloop when it is installed (it is, with uvicorn[standard])."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.run

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` to completion on a fresh uvloop event loop."""
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)

    return run


def run_open_loop(
    url: str, drafts: list[str], *, rate: float, duration: float, seed: int = 0
) -> LoadRun:
    """Offer ``rate`` requests per second for ``duration`` seconds, drafts in order."""
    due = arrivals(rate, duration, seed)
    if len(drafts) < len(due):
        raise ValueError(f"need {len(due)} drafts, got {len(drafts)}")
    cpu0 = _own_cpu()
    samples, elapsed, aborted = _event_loop_runner()(_open_loop(url, drafts[: len(due)], due, rate))
    return LoadRun(float(rate), duration, samples, elapsed, aborted, round(_own_cpu() - cpu0, 2))


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def summarize(run: LoadRun) -> dict[str, Any]:
    """Offered and achieved rate, latency percentiles (ok responses), errors, send lag."""
    ok = [s for s in run.samples if s.status == 200]
    latencies = np.array([s.latency_ms for s in ok]) if ok else np.array([np.nan])
    lags = np.array([s.lag_ms for s in run.samples]) if run.samples else np.array([0.0])
    p50, p95, p99 = (float(np.percentile(latencies, q)) for q in (50, 95, 99))
    return {
        "offered_rps": run.offered_rps,
        "achieved_rps": round(len(ok) / run.elapsed_s, 1) if run.elapsed_s else 0.0,
        "duration_s": run.duration_s,
        "sent": len(run.samples),
        "ok": len(ok),
        "errors": len(run.samples) - len(ok),
        # Which errors: HTTP status, 0 for a transport error or timeout, -1 cut after an abort.
        "error_statuses": dict(Counter(str(s.status) for s in run.samples if s.status != 200)),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(float(np.max(latencies)), 2),
        "send_lag_p95_ms": round(float(np.percentile(lags, 95)), 2),
        "grounded_share": round(sum(s.grounded for s in ok) / len(ok), 3) if ok else 0.0,
        "aborted": run.aborted,
        "client_cpu_percent": round(100 * run.client_cpu_s / run.elapsed_s, 1)
        if run.elapsed_s
        else 0.0,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
