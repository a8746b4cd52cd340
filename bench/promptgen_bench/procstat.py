"""CPU time and memory of a process and its descendants, from /proc (Linux)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def memory_kb(pids: list[int], field: str) -> int:
    """Sum of one /proc/<pid>/status field (VmRSS, VmHWM) over ``pids``, in kB."""
    total = 0
    for pid in pids:
        try:
            for line in (PROC / str(pid) / "status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def system_cpu_seconds() -> float:
    """CPU seconds all cores have been busy since boot (from /proc/stat)."""
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS


@dataclass(frozen=True, slots=True)
class Usage:
    """What the process tree used over one measured window."""

    cpu_s: float
    system_cpu_s: float
    wall_s: float
    peak_rss_mb: float
    hwm_mb: float
    processes: int

    @property
    def cpu_percent(self) -> float:
        """CPU as a percentage of one core (200 % = two cores busy)."""
        return 100.0 * self.cpu_s / self.wall_s if self.wall_s else 0.0


class TreeSampler:
    """Samples a process tree's RSS in a thread and its CPU at the window's ends."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root = root
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak_kb = 0
        self._started = 0.0
        self._cpu0 = 0.0
        self._system0 = 0.0
        self._pids: list[int] = []

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak_kb = max(self._peak_kb, memory_kb(self._pids, "VmRSS"))

    def start(self) -> None:
        """Begin the window."""
        self._pids = pids = descendants(self.root)
        self._peak_kb = memory_kb(pids, "VmRSS")
        self._cpu0 = cpu_seconds(pids)
        self._system0 = system_cpu_seconds()
        self._started = time.perf_counter()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> Usage:
        """End the window and report it."""
        wall = time.perf_counter() - self._started
        pids = self._pids
        cpu = cpu_seconds(pids) - self._cpu0
        system = system_cpu_seconds() - self._system0
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        peak = max(self._peak_kb, memory_kb(pids, "VmRSS"))
        return Usage(
            cpu_s=round(cpu, 2),
            system_cpu_s=round(system, 2),
            wall_s=round(wall, 2),
            peak_rss_mb=round(peak / 1024, 1),
            hwm_mb=round(memory_kb(pids, "VmHWM") / 1024, 1),
            processes=len(pids),
        )
