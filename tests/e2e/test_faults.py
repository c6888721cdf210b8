"""End to end: the action server down, then back. The person is told the lookup is unavailable (never an empty
answer), the facts read before are kept, and the conversation goes on where it was once the server is back.
The servers' logs hold none of the person's words.

Run: PYTHONPATH=. <actions env>/bin/python -m pytest tests/e2e -q -m e2e
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from servers import free_port, say, wait_until_up
from test_rest_conversation import MODEL, ROOT, rasa_or_skip

pytestmark = pytest.mark.e2e


class Servers:
    """Rasa, and an action server that can be stopped and started again on the same port."""

    def __init__(self, work: Path, actions_package: str = "actions") -> None:
        self.work = work
        self.actions_package = actions_package
        self.env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{Path(__file__).parent}",
                    "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1"}
        self.actions_port = free_port()
        self.actions: subprocess.Popen | None = None
        self.rasa: subprocess.Popen | None = None
        self.url = ""

    def start_rasa(self, rasa: Path, store: Path | None = None) -> None:
        port = free_port()
        endpoints = self.work / "endpoints.yml"
        text = (f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
                '  enable_selective_domain: true\n')
        if store is not None:
            text += ("tracker_store:\n  type: stores.forgetting.ForgettingSQLTrackerStore\n  dialect: sqlite\n"
                     f"  db: {store}\n")
        endpoints.write_text(text, encoding="utf-8")
        log = self.work / "rasa.log"
        with log.open("w") as out:
            self.rasa = subprocess.Popen(
                [str(rasa), "run", "-m", str(MODEL), "--port", str(port), "-i", "127.0.0.1",
                 "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{port}/webhooks/rest/", self.rasa, log)
        self.url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"

    def start_actions(self) -> None:
        log = self.work / "actions.log"
        with log.open("a") as out:
            self.actions = subprocess.Popen(
                [sys.executable, "-m", "rasa_sdk", "--actions", self.actions_package, "--port", str(self.actions_port)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions, log)

    def stop_actions(self) -> None:
        if self.actions is not None:
            self.actions.terminate()
            self.actions.wait(timeout=20)
            self.actions = None

    def stop_rasa(self) -> None:
        if self.rasa is not None:
            self.rasa.terminate()
            self.rasa.wait(timeout=30)
            self.rasa = None

    def stop(self) -> None:
        self.stop_actions()
        if self.rasa is not None:
            self.rasa.terminate()
            try:
                self.rasa.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.rasa.kill()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.work.glob("*.log"))


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    rasa = rasa_or_skip()
    running = Servers(tmp_path_factory.mktemp("faults"))
    try:
        running.start_actions()
        running.start_rasa(rasa)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The servers with the embedded profile's tracker store (SQLite, forgetting) in a folder of their own."""
    rasa = rasa_or_skip()
    running = Servers(tmp_path_factory.mktemp("stored"))
    running.store = running.work / "store" / "conversations.db"
    running.store.parent.mkdir()
    running.rasa_path = rasa
    try:
        running.start_actions()
        running.start_rasa(rasa, running.store)
        yield running
    finally:
        running.stop()


def test_action_server_down_then_back(servers):
    sender = f"faults-{uuid.uuid4().hex[:12]}"
    say(servers.url, sender, "hi")
    say(servers.url, sender, "yes")
    say(servers.url, sender, "I have polycythaemia vera")
    servers.stop_actions()
    down = say(servers.url, sender, "I am fifty-eight")
    assert "can't look up trials right now" in down and "before is kept" in down
    servers.start_actions()
    back = say(servers.url, sender, "I am fifty-eight")
    assert "Noted: age 58 years." in back
    assert "diagnosed" not in back  # the diagnosis given before the outage is still known
    logs = servers.logs().lower()
    for words in ("polycythaemia", "fifty-eight"):
        assert words not in logs, f"{words!r} reached a server log"


def test_the_action_server_listens_on_loopback_only(servers):
    log = (servers.work / "actions.log").read_text(errors="replace")
    assert "running on http://127.0.0.1:" in log and "0.0.0.0" not in log


def store_bytes(servers: Servers) -> bytes:
    return b"".join(p.read_bytes() for p in servers.store.parent.iterdir() if p.is_file())


def test_a_restart_keeps_the_conversation_and_forget_me_erases_it_from_the_files(stored):
    sender = f"stored-{uuid.uuid4().hex[:12]}"
    say(stored.url, sender, "hi")
    say(stored.url, sender, "yes")
    say(stored.url, sender, "my son is 9 and has leukaemia after a stem cell transplant")
    say(stored.url, sender, "he is in the PICU, ferritin 4321")
    assert b"4321" in store_bytes(stored) and sender.encode() in store_bytes(stored)
    stored.stop_rasa()
    stored.start_rasa(stored.rasa_path, stored.store)
    after = say(stored.url, sender, "the Phoenix score is 3")
    assert "Noted: Phoenix sepsis score 3." in after
    assert "How old" not in after and "diagnosed" not in after and "ferritin" not in after.lower()
    gone = say(stored.url, sender, "forget me")
    assert "deleted everything" in gone
    raw = store_bytes(stored)
    for words in (b"4321", b"leukaemia", b"Phoenix", sender.encode()):
        assert words not in raw, f"{words!r} is still in the tracker store's files"
    again = say(stored.url, sender, "hi")
    assert "Shall we go on?" in again


@pytest.fixture(scope="module")
def crashing(tmp_path_factory):
    """The servers, with an action that fails quoting the person's words (tests/e2e/crashing_actions)."""
    rasa = rasa_or_skip()
    running = Servers(tmp_path_factory.mktemp("crashing"), actions_package="crashing_actions")
    running.env["TRIALBOT_ACTION_TIMEOUT"] = "3"  # Rasa's wait for the action server, 20 s by default
    try:
        running.start_actions()
        running.start_rasa(rasa)
        yield running
    finally:
        running.stop()


# Whole conversations of every kind: (sender kind, messages, words and facts that must never reach a log).
CONVERSATIONS = [
    ("patient", ["hi", "yes", "I have essential thrombocythaemia", "I'm sixty-one", "hydroxyurea for 8 months",
                 "partial response", "platelets 250", "show me the results", "how can I take part?", "thanks"],
     ["thrombocythaemia", "sixty-one", "hydroxyurea for 8 months", "platelets 250"]),
    ("caregiver", ["Bonjour", "oui", "ma fille de 7 ans a une leucémie et elle est en réa", "score de Phoenix à 3",
                   "la ferritine était à 4 500", "montrez les résultats", "oubliez-moi"],
     ["leucémie", "ferritine", "4 500", "Phoenix à 3"]),
    ("clinician", ["Patiënt van 6 jaar, ALL na stamceltransplantatie, op de PICU, Phoenix 3, ferritine 4500 — iets?",
                   "waar zijn de locaties?", "vergeet mij"],
     ["stamceltransplantatie", "ferritine 4500", "Patiënt van 6 jaar"]),
]


def test_whole_conversations_leave_no_word_of_the_person_in_any_log(crashing):
    """A patient, a caregiver (French) and a clinician (Dutch), one of whom meets an action that fails with their
    words in its error, and one whose action server goes down mid-conversation: every log of both servers is then
    read for what they said."""
    for kind, messages, _ in CONVERSATIONS:
        sender = f"logs-{kind}-{uuid.uuid4().hex[:8]}"
        for text in messages:
            say(crashing.url, sender, text)
    sender = f"logs-crash-{uuid.uuid4().hex[:8]}"
    for text in ("hi", "yes", "my son is 9 and has ALL, he is in the PICU with sepsis"):
        say(crashing.url, sender, text)
    sorry = say(crashing.url, sender, "what happens in the study?")  # the failing action
    assert "something went wrong on my side" in sorry and "ALL" not in sorry
    assert "Noted" in say(crashing.url, sender, "Phoenix 4")  # the conversation goes on, facts kept
    crashing.stop_actions()
    down = say(crashing.url, sender, "ferritin 6100")
    assert "can't look up trials right now" in down
    crashing.start_actions()
    logs = crashing.logs()
    assert "ValueError" in logs  # the failure was logged, as one line without its message
    said = [w for _, _, words in CONVERSATIONS for w in words] + ["sepsis", "ferritin 6100", "Phoenix 4",
                                                                   "my son is 9"]
    leaked = [w for w in said if w.lower() in logs.lower()]
    assert not leaked, f"reached a server log: {leaked}"


def test_a_slow_action_is_told_in_seconds_and_the_conversation_goes_on(crashing):
    """An action that takes 8 seconds (a stuck database): Rasa stops waiting after 3 (TRIALBOT_ACTION_TIMEOUT) and
    the person is told the lookup is unavailable, not left waiting five minutes; the facts given before are kept."""
    sender = f"slow-{uuid.uuid4().hex[:8]}"
    for text in ("hi", "yes", "I have essential thrombocythaemia"):
        say(crashing.url, sender, text)
    began = time.monotonic()
    slow = say(crashing.url, sender, "what is a clinical trial?")
    waited = time.monotonic() - began
    assert "can't look up trials right now" in slow and waited < 8, (waited, slow)
    time.sleep(6)  # the slow action ends on its own; its answer came too late and is dropped
    answer = say(crashing.url, sender, "show me the results")
    assert "may fit" in answer and "Shall we go on?" not in answer, answer


STORE_ERROR = """
import os, sys, tempfile
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from stores.forgetting import ForgettingSQLTrackerStore
store = ForgettingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=os.path.join(tempfile.mkdtemp(), "c.db"))
try:
    with store.engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO missing VALUES (:said)"), {"said": "I have polycythaemia vera"})
except Exception as error:
    print(error)
"""


def test_a_tracker_store_error_never_quotes_the_persons_words():
    """Rasa logs the error when the store fails mid-conversation: the statement may be there, its values never."""
    rasa = rasa_or_skip()
    python = rasa.parent / "python"
    done = subprocess.run([str(python), "-c", STORE_ERROR], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "no such table" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "polycythaemia" not in done.stdout + done.stderr
