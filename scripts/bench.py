"""Benchmark (not a test): matching speed and memory, and the wall time of `trialbot match`.

Prints figures only; nothing here passes or fails on time.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.catalog.trial import read_directory  # noqa: E402
from bot.matching import match  # noqa: E402
from bot.nlp import extract  # noqa: E402

TEXT = "6 y/o girl, 20 kg, ALL post-HCT, PICU, Phoenix 3, ferritin 4500, no DNR, infliximab 60 days before ICU"


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(times) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms over {len(times)} runs"


def main() -> None:
    trials = read_directory(ROOT / "trials")
    profile = extract(TEXT).profile
    print(f"catalogue: {len(trials)} trials, {sum(len(t.criteria) for t in trials)} criteria")
    print(f"extract one message:               {describe(timed(lambda: extract(TEXT), 200))}")
    print(f"match one profile, catalogue:      {describe(timed(lambda: match(profile, trials), 200))}")

    tracemalloc.start()
    big = [dataclasses.replace(trials[i % len(trials)], id=f"{trials[i % len(trials)].id}-copy{i}")
           for i in range(10_000)]
    report = match(profile, big, include_closed=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"match one profile, 10,000 trials:  {describe(timed(lambda: match(profile, big, include_closed=True), 5))}"
          f"; peak memory {peak / 2**20:.1f} MiB; {len(report.results)} results")

    command = [str(ROOT / ".venv/actions/bin/trialbot"), "match", "--json", TEXT]
    walls = timed(lambda: subprocess.run(command, check=True, capture_output=True), 5)
    print(f"`trialbot match` start to answer: {describe(walls)}")


if __name__ == "__main__":
    main()
