"""Shared helpers: repeat a measurement, report the median, and print one result line per figure."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], *, runs: int = 5, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of ``fn`` over ``runs`` runs (``setup`` runs untimed before each)."""
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds, every thread: of this process (``pid`` None, getrusage), or of process
    ``pid`` with its waited-for children (/proc, clock ticks)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def report(name: str, **figures) -> None:
    """One line a person can read, and the same as JSON on stderr for scripts; with the load average."""
    figures.setdefault("load_1min", os.getloadavg()[0])
    parts = [f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()]
    print(f"{name}: " + "  ".join(parts))
    print(json.dumps({"bench": name, **figures}), file=sys.stderr)


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verwerker.settings")
    import django

    django.setup()
