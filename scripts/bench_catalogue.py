"""Benchmark (not a test): the catalogue at 10,000 and 100,000 trials, on SQLite and PostgreSQL.

The trials are the real ClinicalTrials.gov records of ../shared/registry/ctgov_bulk, imported once (kept in
var/bench/, rebuilt when the zip changes) and repeated under new ids. Each size and database runs in a
process of its own, so that its peak memory is its own. Prints one line per figure; nothing passes or fails.

    python scripts/bench_catalogue.py                 every size on SQLite, and PostgreSQL when
                                                      TEST_POSTGRES_URL is set (`make bench` starts one)
    python scripts/bench_catalogue.py --backend sqlite     one database only
    python scripts/bench_catalogue.py --one 10000 sqlite   one size and database (used by the above)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bot import collector  # noqa: E402
from bot.catalog import store  # noqa: E402
from bot.catalog.models import Base  # noqa: E402
from bot.catalog.trial import Trial, read_directory  # noqa: E402
from bot.nlp import extract  # noqa: E402
from bot.search import Catalogue  # noqa: E402

BULK = ROOT.parent / "shared" / "registry" / "ctgov_bulk" / "ctg-studies.json.zip"
WORK = ROOT / "var" / "bench"
SOURCE = WORK / "imported.db"
SIZES = (10_000, 100_000)
# A patient's first facts (diagnosis and age), and a clinician's dense one-shot question.
PROFILES = {
    "patient": "I have polycythaemia vera and I am 60",
    "clinician": "6 y/o girl, 20 kg, ALL post-HCT, PICU, Phoenix 3, ferritin 4500, platelets 85, no DNR, "
                 "infliximab 60 days before ICU",
}
RUNS = 30
# Matching open and closed trials alike evaluates thousands of trials a time: fewer runs.
RUNS_ALL = 5


def source_trials() -> list[Trial]:
    """The real imported trials: the bulk zip imported once into var/bench/imported.db, again only when the zip's
    content changes (its copy in ../shared is made anew with a new date at times: ten minutes lost each time)."""
    signature = hashlib.sha256(BULK.read_bytes()).hexdigest()
    made_from = SOURCE.with_suffix(".source")
    if not SOURCE.exists() or not made_from.exists() or made_from.read_text() != signature:
        from bot.registry.run_import import run

        WORK.mkdir(parents=True, exist_ok=True)
        SOURCE.unlink(missing_ok=True)
        start = time.perf_counter()
        report = run("ctgov", [str(BULK)], store.engine_for(f"sqlite:///{SOURCE}"), progress=True)
        print(f"import the bulk zip (sqlite, once): {time.perf_counter() - start:.0f} s for "
              f"{sum(report.actions.values())} records", flush=True)
        made_from.write_text(signature)
    return store.read_all(store.engine_for(f"sqlite:///{SOURCE}"), validate=False)


def repeated(trials: list[Trial], size: int):
    """size trials: the real ones, then again under new ids ("NCT…-r2", …)."""
    for number in range(size):
        trial = trials[number % len(trials)]
        round_ = number // len(trials)
        if round_:
            new_id = f"{trial.id}-r{round_ + 1}"
            trial = replace(trial, id=new_id, data={**trial.data, "id": new_id})
        yield trial


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(size: int, backend: str) -> None:
    """Load `size` trials into an empty database of this backend, then time matches against it."""
    trials = source_trials()
    if backend == "sqlite":
        path = WORK / f"bench-{size}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = os.environ["TEST_POSTGRES_URL"]
        Base.metadata.drop_all(create_engine(url))
    engine = store.engine_for(url)
    start = time.perf_counter()
    with tqdm(total=size, desc=f"load {size} trials ({backend})", unit=" trials", leave=False) as bar:
        store.bulk_add(repeated(trials, size), engine, progress=bar)
    load = time.perf_counter() - start
    del trials
    print(f"load {size} trials ({backend}): {load:.1f} s, peak {peak_mib():.0f} MiB", flush=True)

    catalogue = Catalogue(read_directory(ROOT / "trials"), engine)
    profiles = {name: extract(text).profile for name, text in PROFILES.items()}
    collector.settle()  # as the action server does once it has started (actions/__init__.py)
    for name, profile in profiles.items():
        for closed, words in ((False, "open trials"), (True, "open and closed")):
            first = time.perf_counter()
            report = catalogue.match(profile, include_closed=closed)
            cold = time.perf_counter() - first
            times = []
            runs = RUNS_ALL if closed else RUNS
            for _ in range(runs):
                begin = time.perf_counter()
                report = catalogue.match(profile, include_closed=closed)
                times.append(time.perf_counter() - begin)
            stats = report.stats
            print(f"match {size} trials ({backend}, {name}, {words}): {describe(times)} over {runs} runs "
                  f"(first {cold * 1000:.0f} ms, parsing its trials), passed prefilter {stats['passed_prefilter']}, "
                  f"evaluated {stats['evaluated']}, may fit {len(report.fitting)}, first "
                  f"{report.fitting[0].trial.id if report.fitting else '-'}, peak {peak_mib():.0f} MiB", flush=True)
    print(f"process after all matches ({backend}, {size} trials, spaCy and the parsed trials kept): "
          f"resident {resident_mib():.0f} MiB, peak {peak_mib():.0f} MiB, {len(catalogue.cache)} trials kept",
          flush=True)
    engine.dispose()
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        Base.metadata.drop_all(create_engine(url))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "BACKEND"))
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), help="only this database")
    args = parser.parse_args()
    if not BULK.exists():
        print("catalogue benchmark: ../shared/registry/ctgov_bulk is absent, not measured")
        return
    if args.one:
        one(int(args.one[0]), args.one[1])
        return
    source_trials()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])
    if args.backend:
        backends = [b for b in backends if b == args.backend]
    if "postgresql" not in backends and args.backend != "sqlite":
        print("catalogue benchmark: TEST_POSTGRES_URL is not set, PostgreSQL not measured "
              "(`make bench` starts a throwaway server)")
    for backend in backends:
        for size in SIZES:
            subprocess.run([sys.executable, __file__, "--one", str(size), backend], check=True)


if __name__ == "__main__":
    main()
