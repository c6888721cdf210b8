"""End to end: the production profile (deploy/prod/serve.py) on throwaway PostgreSQL and Redis.

PostgreSQL and Redis come from Debian's packages (installed with apt-get when missing; the module skips, saying so,
only when that fails), run on loopback on free ports in temporary folders, and are always stopped. The profile's own
code starts an action server with two workers, two Rasa processes (deploy/endpoints.prod.yml) and nginx in front;
each starts once for the module. Then: one REST conversation through nginx lands on both Rasa processes; a widget
session (socket.io) is sticky through nginx and resumes on the other process; one process is restarted
mid-conversation and the conversation goes on with every fact; "forget me" deletes the conversation from PostgreSQL
(the rows at once; the bytes from the database's files after the compaction, not from the WAL); the retention purge
works on PostgreSQL; a Rasa process whose tracker database is down refuses to start with a clear error instead of
keeping conversations in memory; and no log holds the people's words.

Run: PYTHONPATH=. <actions env>/bin/python -m pytest -q -m e2e tests/e2e/test_prod_profile.py
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from servers import free_port, say
from sio_client import Socket
from test_rest_conversation import ROOT, rasa_or_skip

from bot.retention import compact

pytestmark = pytest.mark.e2e

_spec = importlib.util.spec_from_file_location("prod_serve", ROOT / "deploy" / "prod" / "serve.py")
serve = sys.modules.setdefault("prod_serve", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(serve)

REDIS_PASSWORD = "redis-test-password"


def _binary_or_skip(find, package: str) -> str:
    """A binary found by `find`, installing Debian's package when it is missing; a skip that says why otherwise."""
    found = find()
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip(f"Debian's {package} is missing and only root can install it here")
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=apt, capture_output=True, check=False)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", package], env=apt, capture_output=True, text=True)
    found = find()
    if not found:
        pytest.skip(f"Debian's {package} could not be installed: {done.stderr.strip()[-300:]}")
    return found


def _postgres_bin() -> str | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return str(candidates[-1].parent) if candidates else None


class Postgres:
    """A throwaway PostgreSQL server (as Debian's `postgres` user when we are root: initdb refuses root)."""

    def __init__(self) -> None:
        self.bin = Path(_binary_or_skip(_postgres_bin, "postgresql"))
        self.dir = Path(tempfile.mkdtemp(prefix="trialbot-pg."))  # pytest's folders are private to root
        self.dir.chmod(0o755)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.data = self.dir / "data"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o",
                  f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off", "start")
        for name in ("conversations", "catalogue"):
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin / program), *args], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            pytest.fail(f"{program} failed: {done.stdout}{done.stderr}")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, check=False, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A throwaway Redis server with a password, nothing written to disk."""

    def __init__(self, work: Path) -> None:
        binary = _binary_or_skip(lambda: shutil.which("redis-server"), "redis-server")
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(work), "--save", "",
             "--appendonly", "no", "--requirepass", REDIS_PASSWORD, "--daemonize", "no"],
            stdout=(work / "redis.log").open("w"), stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _environment(postgres: Postgres, redis: Redis, run_dir: Path) -> dict[str, str]:
    return {**os.environ, "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": str(postgres.port),
            "TRACKER_DB_NAME": "conversations", "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis.port), "REDIS_PASSWORD": REDIS_PASSWORD,
            "DATABASE_URL": postgres.url("catalogue"), "TRIALBOT_SESSION_SECRET": uuid.uuid4().hex * 2,
            "ACTIONS_PORT": str(free_port()), "ACTIONS_WORKERS": "2", "RASA_PROCESSES": "2",
            "RASA_PORT_BASE": str(_two_free_ports()), "LB_PORT": str(free_port()), "TRIALBOT_RUN_DIR": str(run_dir),
            "TRIALBOT_TRACKER_WAIT": "3"}


def _two_free_ports() -> int:
    """A port whose next one is free too (the Rasa processes listen on consecutive ports)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    pytest.fail("no two consecutive free ports on loopback")


class Running:
    """What the module's tests share: the databases, the profile, and the refused start."""

    def __init__(self, postgres: Postgres, profile, refused: subprocess.CompletedProcess) -> None:
        self.postgres = postgres
        self.profile = profile
        self.refused = refused
        self.url = f"{profile.url}/webhooks/rest/webhook"
        self.tracker = sa.create_engine(postgres.url("conversations"))

    def rows(self, sender: str) -> int:
        with self.tracker.connect() as connection:
            query = sa.text("SELECT count(*) FROM events WHERE sender_id = :s")
            return connection.execute(query, {"s": sender}).scalar()


def _refused_start(rasa: Path, env: dict[str, str], work: Path) -> subprocess.Popen:
    """A Rasa process pointed at a port where no database listens."""
    down = {**env, "TRACKER_DB_PORT": str(free_port()), "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    log = (work / "rasa-db-down.log").open("w")
    return subprocess.Popen([str(rasa), "run", "-i", "127.0.0.1", "--port", str(free_port()), "--model",
                             str(ROOT / "models" / "trialbot.tar.gz"), "--credentials", str(ROOT / "credentials.yml"),
                             "--endpoints", str(serve.ENDPOINTS)], cwd=ROOT, env=down, stdout=log,
                            stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def prod(tmp_path_factory) -> Iterator[Running]:
    rasa = rasa_or_skip()
    work = tmp_path_factory.mktemp("prod")
    if not shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin") and os.geteuid() != 0:
        pytest.skip("Debian's nginx-light is missing and only root can install it here")
    try:
        serve.ensure_binary("nginx", "nginx-light")
    except serve.ProfileError as error:
        pytest.skip(str(error))
    postgres = Postgres()
    run_dir = Path(tempfile.mkdtemp(prefix="trialbot-prod."))  # nginx's workers (not root) need to reach it
    redis = None
    profile = None
    refusing = None
    try:
        redis = Redis(work)
        env = _environment(postgres, redis, run_dir)
        settings = serve.checked(env, ROOT)
        profile = serve.Profile(settings, rasa=rasa)
        refusing = _refused_start(rasa, settings.env, work)
        profile.start_actions()
        profile.start_rasa(0)
        profile.start_rasa(1)
        loaded = subprocess.run([str(Path(sys.executable).parent / "trialbot"), "trials", "load"], cwd=ROOT,
                                env=settings.env, capture_output=True, text=True, timeout=300)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        refusing.wait(timeout=240)
        refused = subprocess.CompletedProcess(refusing.args, refusing.returncode,
                                              (work / "rasa-db-down.log").read_text(errors="replace"))
        profile.wait_actions()
        profile.wait_rasa(0)
        profile.wait_rasa(1)
        profile.start_balancer()
        yield Running(postgres, profile, refused)
    finally:
        if refusing is not None and refusing.poll() is None:
            refusing.kill()
            refusing.wait()
        if profile is not None:
            profile.stop()
        if redis is not None:
            redis.stop()
        postgres.stop()
        for log in run_dir.glob("*.log"):  # kept with pytest's folders, to read after a failure
            shutil.copy(log, work)
        shutil.rmtree(run_dir, ignore_errors=True)


def upstreams(prod: Running) -> list[str]:
    """The Rasa process (address) that answered each REST request, from nginx's access log."""
    log = (prod.profile.s.run_dir / "nginx-access.log").read_text()
    return re.findall(r"POST /webhooks/rest/webhook 200 upstream=(\S+)", log)


def test_the_tracker_database_down_at_start_is_a_clear_refusal(prod):
    """Rasa 3.6 alone would log "Could not create tables" and keep every conversation in memory."""
    assert prod.refused.returncode != 0
    assert "TrackerStoreUnavailable" in prod.refused.stdout
    assert "refusing to start" in prod.refused.stdout and "Check TRACKER_DB_HOST" in prod.refused.stdout
    assert "Rasa server is up and running" not in prod.refused.stdout


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


SQLITE_STORES = """
import os, sys, tempfile
from rasa.shared.core.domain import Domain
from stores.forgetting import ForgettingSQLTrackerStore, TrackerStoreUnavailable
folder = tempfile.mkdtemp()
ForgettingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=os.path.join(folder, "c.db"))
print("embedded store: ok")
try:
    ForgettingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=os.path.join(folder, "no", "c.db"))
except TrackerStoreUnavailable as error:
    print(f"refused: {error}")
"""


def test_the_embedded_store_still_starts_and_an_unusable_file_is_refused_too():
    python = rasa_or_skip().parent / "python"
    done = subprocess.run([str(python), "-c", SQLITE_STORES], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "embedded store: ok" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "refused: " in done.stdout and "folder exists and is writable" in done.stdout


def test_the_action_server_runs_two_worker_processes_on_loopback(prod):
    workers = [child for child in _children(prod.profile.actions.pid)
               if "python" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace")]
    assert len(workers) == 2, workers
    log = (prod.profile.s.run_dir / "actions.log").read_text(errors="replace")
    assert f"http://127.0.0.1:{prod.profile.s.actions_port}" in log and "0.0.0.0" not in log


def test_one_conversation_through_the_balancer_lands_on_both_rasa_processes(prod):
    sender = f"prod-{uuid.uuid4().hex[:12]}"
    before = len(upstreams(prod))
    say(prod.url, sender, "hi")
    say(prod.url, sender, "yes")
    say(prod.url, sender, "I have polycythaemia vera")
    answer = say(prod.url, sender, "I am fifty-eight")
    assert "Noted: age 58 years." in answer and "diagnosed" not in answer
    answered_by = set(upstreams(prod)[before:])
    assert answered_by == {f"127.0.0.1:{port}" for port in prod.profile.s.rasa_ports}, answered_by
    assert prod.rows(sender) > 0


def test_a_widget_session_through_the_balancer_is_sticky_and_valid_on_every_process(prod):
    """socket.io over long polling, which fails without stickiness (each poll must reach the process holding the
    engine.io session); the token, signed with the shared TRIALBOT_SESSION_SECRET, then resumes on the other
    process, straight from PostgreSQL."""
    page = Socket(prod.url)
    assert page.connected
    token = page.session()
    page.say(token, "hi", expect="Shall we go on?")
    page.say(token, "yes")
    page.say(token, "I have polycythaemia vera and I'm 63", expect="Noted")
    page.close()
    served = re.findall(r"/socket\.io/ 200 upstream=(\S+)", (prod.profile.s.run_dir / "nginx-access.log").read_text())
    assert len(set(served)) == 1, set(served)  # one client, one process
    other = next(port for port in prod.profile.s.rasa_ports if served[0] != f"127.0.0.1:{port}")
    again = Socket(f"http://127.0.0.1:{other}/webhooks/rest/webhook")
    assert again.session(token) == token
    again.say(token, "show results", expect="2025-523921-17-00")  # the diagnosis and age are still known
    again.close()


def test_a_restarted_rasa_process_continues_the_conversation_with_every_fact(prod):
    sender = f"prod-restart-{uuid.uuid4().hex[:12]}"
    say(prod.url, sender, "hi")
    say(prod.url, sender, "yes")
    say(prod.url, sender, "my son is 9 and has leukaemia after a stem cell transplant")
    prod.profile.stop_rasa(0)
    prod.profile.start_rasa(0)  # starting up (a minute) while the other process carries the conversation on
    during = say(prod.url, sender, "he is in the PICU, ferritin 4321")
    assert "How old" not in during and "diagnosed" not in during
    prod.profile.wait_rasa(0)
    direct = f"http://127.0.0.1:{prod.profile.s.rasa_ports[0]}/webhooks/rest/webhook"
    after = say(direct, sender, "the Phoenix score is 3")  # the restarted process, straight from PostgreSQL
    assert "Noted: Phoenix sepsis score 3." in after
    assert "How old" not in after and "diagnosed" not in after and "ferritin" not in after.lower()


def _files_holding(prod: Running, found: Callable[[bytes], object]) -> list[str]:
    """The conversations database's files (tables, TOAST, indexes, catalogues) whose bytes hold what `found` looks
    for, after a CHECKPOINT wrote every page; each named by its relation, so a failure says where the words are."""
    with prod.tracker.connect() as connection:
        connection.execute(sa.text("CHECKPOINT"))
        oid = connection.execute(sa.text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()
        folder = prod.postgres.data / "base" / str(oid)
        holding = [p.name for p in sorted(folder.iterdir()) if p.is_file() and found(p.read_bytes())]
        relation = sa.text("SELECT pg_filenode_relation(0, :node)::text")
        return [f"{name} ({connection.execute(relation, {'node': int(re.match('[0-9]+', name)[0])}).scalar()})"
                for name in holding]


def _wal(prod: Running) -> bytes:
    return b"".join(p.read_bytes() for p in (prod.postgres.data / "pg_wal").iterdir() if p.is_file())


# The ferritin value as a number of its own: the bare digits can also turn up inside other conversations'
# timestamps (an event's "timestamp": 1764515817.2).
FERRITIN = re.compile(rb"(?<![0-9.])5817(?![0-9])")


def _analyse(prod: Running) -> None:
    with prod.tracker.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE events"))


def _statistics(prod: Running) -> set[str]:
    """The events table's columns that PostgreSQL keeps planner statistics for (sampled values)."""
    with prod.tracker.connect() as connection:
        return set(connection.execute(sa.text("SELECT attname FROM pg_stats WHERE tablename = 'events'")).scalars())


def _manual_vacuums(prod: Running) -> int:
    with prod.tracker.connect() as connection:
        connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        return connection.execute(sa.text(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'events'")).scalar()


def test_forget_me_deletes_the_conversation_from_postgresql(prod):
    """The rows go, a plain VACUUM prunes them at once, and the compaction (VACUUM FULL, after each purge) leaves
    none of their bytes in the database's files, the planner's statistics included (pg_statistic, which neither
    reaches: autovacuum's ANALYZE would copy sampled words there). Not erased: the write-ahead log, until PostgreSQL
    recycles it."""
    sender = f"prod-forget-{uuid.uuid4().hex[:12]}"
    say(prod.url, sender, "hi")
    say(prod.url, sender, "yes")
    say(prod.url, sender, "my daughter is 7 and has leukaemia, ferritin 5817")
    ferritin, conversation = FERRITIN.search, lambda data: sender.encode() in data
    assert prod.rows(sender) > 0 and _files_holding(prod, ferritin) and _files_holding(prod, conversation)  # seen
    _analyse(prod)  # as autovacuum does once enough rows have changed: it samples no word of the conversation
    assert not {"data", "sender_id"} & _statistics(prod)
    vacuums = _manual_vacuums(prod)
    gone = say(prod.url, sender, "forget me")
    assert "deleted everything" in gone
    assert prod.rows(sender) == 0
    assert _manual_vacuums(prod) == vacuums + 1  # the store vacuumed the table within the turn
    assert compact(prod.profile.s.env["TRIALBOT_TRACKER_URL"])
    for what, found in (("the ferritin value", ferritin), ("the conversation's id", conversation)):
        held = _files_holding(prod, found)
        assert not held, f"{what} is still in the database's files after the compaction: {held}"
    assert sender.encode() in _wal(prod)  # what the README says is not erased
    assert "Shall we go on?" in say(prod.url, sender, "hi")


def test_the_retention_purge_works_on_postgresql(prod):
    """`trialbot conversations purge` with TRIALBOT_TRACKER_URL and TRIALBOT_RETENTION, as the profile runs it: a
    conversation idle for 40 days goes as a whole, a fresh one stays."""
    old, fresh = f"prod-old-{uuid.uuid4().hex[:12]}", f"prod-fresh-{uuid.uuid4().hex[:12]}"
    for sender in (old, fresh):
        say(prod.url, sender, "hi")
        say(prod.url, sender, "yes")
    with prod.tracker.begin() as connection:
        connection.execute(sa.text("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = :s"),
                           {"s": old})
    trialbot = Path(sys.executable).parent / "trialbot"
    done = subprocess.run([str(trialbot), "conversations", "purge"], cwd=ROOT, timeout=120, capture_output=True,
                          text=True, env={**prod.profile.s.env, "TRIALBOT_RETENTION": "30 d"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"deleted [1-9]\d* conversation", done.stdout), done.stdout
    assert prod.rows(old) == 0 and prod.rows(fresh) > 0
    assert "Shall we go on?" in say(prod.url, old, "hi")


def test_no_log_of_the_profile_holds_the_persons_words(prod):
    """Every log of the run (nginx, both Rasa processes, the action server, PostgreSQL) after the conversations
    above: none of what the people said."""
    logs = [*prod.profile.s.run_dir.glob("*.log"), prod.postgres.dir / "server.log"]
    text = "\n".join(path.read_text(errors="replace") for path in logs).lower()
    assert "up and running" in text  # the logs are the right ones
    said = ["polycythaemia", "fifty-eight", "leukaemia", "ferritin 4321", "ferritin 5817", "phoenix score", "stem cell"]
    assert not [words for words in said if words in text]
