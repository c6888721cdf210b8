"""Load (a measurement, not a test): many whole conversations at once over the REST channel, embedded profile.

Serves the project as `make run` does (action server, Rasa with the SQLite tracker store, here in a temporary
folder) and Rasa's starter bot for reference, then runs 10, 50 and 100 simultaneous conversations, each a whole
scripted conversation, first with no pause between messages and then with a human-like pause (3 s on average: each
pause drawn between 1.5 and 4.5 s, and each conversation starting within the first pause, since people do not all
press "send" at the same instant; `--lockstep` keeps every pause exactly 3 s from one common start). Prints, per
run: throughput (messages per second), median and p95 per reply, errors, and whether any conversation ever saw
another's facts: every conversation gives its own age, and each reply that confirms an age must show that one.
One conversation alone is timed against the starter bot's median in the same run. Each run also prints the CPU time
each server spent per message (from /proc), steadier from one hour to the next than the throughput.

Prints figures only, never the replies' text. Every server is stopped on the way out; the temporary folder is
deleted.

Run: .venv/actions/bin/python scripts/load.py [--sizes 10 50 100] [--pause 3] (or `make load`).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_rest import (
    HOST,
    MODEL,
    RASA,
    ROOT,
    STARTER_MESSAGES,
    Servers,
    free_port,
    init_starter,
    p95,
    post,
    wait_until_up,
)

AGE_SAID = re.compile(r"\bage (\d+) years\b")


def script(number: int) -> tuple[int, list[str]]:
    """A whole conversation of an adult with a myeloproliferative neoplasm, with an age of its own."""
    age = 18 + number % 100
    return age, ["hi", "yes", "I have essential thrombocythaemia", f"I'm {age}",
                 "I've been on hydroxyurea for 8 months", "partial response", "platelets 250",
                 "show me the results", "where are the sites?", "how can I take part?", "thanks"]


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    cross_talk: int = 0
    messages: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    cpu: dict[str, float] = field(default_factory=dict)

    def line(self, label: str, seconds: float) -> str:
        if not self.latencies:
            return f"{label}: no reply ({self.errors} errors)"
        median = statistics.median(self.latencies) * 1000
        spent = ", ".join(f"{name} {used * 1000 / self.messages:.0f} ms" for name, used in self.cpu.items())
        return (f"{label}: {self.messages / seconds:.1f} messages/s, median {median:.0f} ms, "
                f"p95 {p95(self.latencies) * 1000:.0f} ms, errors {self.errors}, "
                f"cross-talk {'none' if not self.cross_talk else self.cross_talk}"
                + (f"; CPU per message: {spent}" if spent else ""))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/<pid>/stat), 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def converse(url: str, number: int, pause: float, figures: Figures, tag: str, lockstep: bool = False) -> None:
    age, messages = script(number)
    sender = f"load-{tag}-{number}-{time.time_ns()}"
    chance = random.Random(number)  # the same pauses at every run
    if pause and not lockstep:
        time.sleep(chance.uniform(0, pause))
    for index, message in enumerate(messages):
        if index and pause:
            time.sleep(pause if lockstep else chance.uniform(pause / 2, pause * 1.5))
        try:
            elapsed, replies = post(url, sender, message)
        except (urllib.error.URLError, OSError, ValueError):
            with figures.lock:
                figures.errors += 1
            continue
        seen = {int(a) for r in replies if isinstance(r, dict) for a in AGE_SAID.findall(r.get("text") or "")}
        with figures.lock:
            figures.latencies.append(elapsed)
            figures.messages += 1
            if not replies:
                figures.errors += 1  # a silent turn
            if seen - {age}:
                figures.cross_talk += 1


def run(url: str, size: int, pause: float, tag: str, lockstep: bool = False,
        pids: dict[str, int] | None = None) -> tuple[Figures, float]:
    figures = Figures()
    before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=size) as pool:
        for number in range(size):
            pool.submit(converse, url, number, pause, figures, tag, lockstep)
    figures.cpu = {name: cpu_seconds(pid) - before[name] for name, pid in (pids or {}).items()}
    return figures, time.monotonic() - start


def serve_project(work: Path, servers: Servers) -> tuple[str, dict[str, int]]:
    rasa_port, actions_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://{HOST}:{actions_port}/webhook"\n  enable_selective_domain: true\n'
        f'tracker_store:\n  type: stores.forgetting.ForgettingSQLTrackerStore\n  dialect: sqlite\n'
        f'  db: {work / "conversations.db"}\n', encoding="utf-8")
    actions = servers.start([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                            ROOT, work / "actions.log")
    rasa = servers.start([str(RASA), "run", "-m", str(MODEL), "--port", str(rasa_port), "-i", HOST,
                          "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(endpoints)],
                         ROOT, work / "rasa.log")
    wait_until_up(f"http://{HOST}:{actions_port}/health", actions, work / "actions.log")
    wait_until_up(f"http://{HOST}:{rasa_port}/webhooks/rest/", rasa, work / "rasa.log")
    return f"http://{HOST}:{rasa_port}/webhooks/rest/webhook", {"Rasa": rasa.pid, "actions": actions.pid}


def starter_median(work: Path, servers: Servers) -> float:
    """The starter bot's median reply, one conversation at a time, as long as the project's conversations."""
    model, _ = init_starter(work)
    starter = work / "starter"
    port = free_port()
    rasa = servers.start([str(RASA), "run", "-m", str(model), "--port", str(port), "-i", HOST,
                          "--credentials", str(starter / "credentials.yml"),
                          "--endpoints", str(starter / "endpoints.yml")], starter, work / "starter.log")
    wait_until_up(f"http://{HOST}:{port}/webhooks/rest/", rasa, work / "starter.log")
    url = f"http://{HOST}:{port}/webhooks/rest/webhook"
    post(url, "warm-up", "hi")
    latencies = [post(url, f"starter-{n}", STARTER_MESSAGES[i % len(STARTER_MESSAGES)])[0]
                 for n in range(3) for i in range(len(script(0)[1]))]
    return statistics.median(latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--lockstep", action="store_true", help="every pause exactly --pause, all starting at once")
    parser.add_argument("--no-starter", action="store_true", help="skip the starter bot (it trains one, ~3 min)")
    options = parser.parse_args()
    if not RASA.is_file() or not MODEL.is_file():
        print("load: needs the Rasa environment and a trained model (run `make train`)")
        return 1
    work = Path(tempfile.mkdtemp(prefix="trialbot-load-"))
    servers = Servers()
    try:
        reference = None
        if not options.no_starter:
            print("starter bot: rasa init (trains it), then one conversation at a time")
            reference = starter_median(work, servers)
            servers.stop()
            print(f"  starter bot: median {reference * 1000:.0f} ms per reply")
        url, pids = serve_project(work, servers)
        post(url, "warm-up", "hi")
        alone = Figures()
        for number in range(3):
            converse(url, number, 0, alone, "alone")
        single = statistics.median(alone.latencies)
        ratio = f" ({single / reference:.1f}× the starter bot; aim ≤ 1.5×)" if reference else ""
        print(f"one conversation alone: median {single * 1000:.0f} ms per reply{ratio}")
        for pause in dict.fromkeys((0.0, options.pause)):
            for size in options.sizes:
                figures, seconds = run(url, size, pause, f"{size}-{pause:g}", options.lockstep, pids)
                paused = f"{pause:g} s pause{' in lockstep' if options.lockstep else ' on average'}"
                label = f"{size} conversations at once, {'no pause' if not pause else paused}"
                print(figures.line(label, seconds), flush=True)
        return 0
    finally:
        servers.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
