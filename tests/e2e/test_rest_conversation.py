"""End to end: the Rasa server and the action server, talked to over the REST channel.

Starts `rasa run` (the trained model in models/trialbot.tar.gz) and the action server on free
localhost ports, then holds a whole conversation for each seed trial and checks that the answer
names the trial, a site city and the start date. Skipped, with the reason, when the model or the
Rasa environment is missing.

The Rasa executable: $TRIALBOT_RASA, else .venv/rasa/bin/rasa.
Run: PYTHONPATH=. <actions env>/bin/python -m pytest tests/e2e -q -m e2e
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from servers import free_port, wait_until_up

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "trialbot.tar.gz"


def rasa_executable() -> Path | None:
    candidates = [os.environ.get("TRIALBOT_RASA"), str(ROOT / ".venv" / "rasa" / "bin" / "rasa")]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def in_rasa(script: str, given: str | None = None) -> Any:
    """Run a Python script in Rasa's environment (from the repository, stdin `given`) and read the JSON its last
    line prints; a skip when that environment is missing, a failure with its error when the script fails."""
    rasa = rasa_executable()
    if rasa is None:
        pytest.skip("the Rasa environment is missing (set TRIALBOT_RASA or run `make setup`)")
    done = subprocess.run([str(rasa.parent / "python"), "-c", script], input=given, capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def rasa_or_skip() -> Path:
    """The Rasa executable, or a skip that says what is missing (the Rasa environment or the trained model)."""
    rasa = rasa_executable()
    if rasa is None:
        pytest.skip("the Rasa environment is missing (set TRIALBOT_RASA or run `make setup`)")
    if not MODEL.is_file():
        pytest.skip(f"no trained model at {MODEL} (run `rasa train --fixed-model-name trialbot`)")
    return rasa


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory):
    rasa = rasa_or_skip()
    work = tmp_path_factory.mktemp("e2e")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
                             '  enable_selective_domain: true\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1"}
    processes: list[subprocess.Popen] = []
    try:
        actions_log = work / "actions.log"
        with actions_log.open("w") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        rasa_log = work / "rasa.log"
        with rasa_log.open("w") as out:
            processes.append(subprocess.Popen(
                [str(rasa), "run", "-m", str(MODEL), "--port", str(rasa_port), "-i", "127.0.0.1",
                 "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes[0], actions_log)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", processes[1], rasa_log)
        yield f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class Conversation:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"

    def say(self, message: str) -> str:
        reply = requests.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        reply.raise_for_status()
        return "\n".join(m.get("text") or "" for m in reply.json())


def never_eligible(text: str) -> None:
    assert not re.search(r"\beligible\b", text, re.I), text


def test_mpn_trial_conversation(rasa_url):
    chat = Conversation(rasa_url)
    assert "Shall we go on?" in chat.say("hi")
    assert "diagnosed" in chat.say("yes")
    chat.say("I have essential thrombocythemia")
    chat.say("I'm 45")
    chat.say("I've been on hydroxyurea for 8 months")
    chat.say("partial response")
    chat.say("platelets 250")
    answer = chat.say("show me the results")
    assert "2025-523921-17-00" in answer
    assert "Brest" in answer
    assert "1 June 2026" in answer
    never_eligible(answer)
    more = chat.say("show me more")
    assert "Those were all the trials that may fit" in more or "Trials 6 to" in more


def test_paediatric_trial_conversation(rasa_url):
    chat = Conversation(rasa_url)
    assert "Shall we go on?" in chat.say("hello")
    chat.say("yes")
    question = chat.say("my daughter is 6 and has ALL, she is in the PICU")
    assert "your daughter" in question
    chat.say("Phoenix 3")
    chat.say("ferritin 4500")
    answer = chat.say("show results")
    assert "2025-524541-27-00" in answer
    assert "Utrecht" in answer
    assert "1 May 2026" in answer
    never_eligible(answer)


def test_clinician_one_shot(rasa_url):
    answer = Conversation(rasa_url).say("6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?")
    assert "2025-524541-27-00" in answer and "Utrecht" in answer and "1 May 2026" in answer
    assert "not medical advice" in answer
    never_eligible(answer)


# --- people who talk a little differently (issue 9) --------------------------------------------------------------

def test_a_first_message_that_asks_for_trials_starts_and_keeps_its_facts(rasa_url):
    chat = Conversation(rasa_url)
    consent = chat.say("is there a trial of anakinra for me? I have polycythaemia vera")
    assert "Shall we go on?" in consent and "interleukin" not in consent
    question = chat.say("yes")
    assert "diagnosed" not in question and "How old are you?" in question


def test_words_restatements_and_i_dont_know_reach_an_answer_without_loops(rasa_url):
    chat = Conversation(rasa_url)
    chat.say("hello, are there any studies for me?")
    chat.say("sure")
    chat.say("I was diagnosed with polycythemia vera")
    chat.say("fifty-eight")
    chat.say("hydroxyurea")
    chat.say("for about a year and a half")
    replies = [chat.say("only hydroxyurea"), chat.say("my counts never normalized")]
    assert all("Since when" not in r for r in replies), replies
    answer = replies[-1] if "Here is what I found" in replies[-1] else chat.say("I don't know")
    assert "Here is what I found" in answer and "2025-523921-17-00" in answer
    assert "more questions would settle it" in answer
    never_eligible(answer)


def test_a_correction_after_the_answer_goes_back_to_the_questions(rasa_url):
    chat = Conversation(rasa_url)
    chat.say("hi")
    chat.say("yes")
    answer = chat.say("my son has ALL and had a stem cell transplant, he is 19")
    assert "none of the open trials I know fits" in answer
    question = chat.say("sorry, he is 9, not 19")
    assert "I've changed the age to 9 years" in question
    assert "intensive care" in question and "Here is what I found" not in question


def test_the_seed_trials_facts_in_everyday_words(rasa_url):
    chat = Conversation(rasa_url)
    chat.say("hi")
    chat.say("yes")
    answer = chat.say("I'm 58 and have polycythemia vera, I keep getting infections")
    assert "recurrent or uncontrolled infections: yes" in answer
    parent = Conversation(rasa_url)
    parent.say("hello")
    parent.say("yes")
    parent.say("my daughter is 7, she has ALL and is in the PICU")
    text = parent.say("she is already enrolled in another drug study")
    assert "taking part in another trial: yes" in text


# --- in French and in Dutch (issue 10) ---------------------------------------------------------------------------

def _recruitment_words(trial_id: str, lang: str) -> list[str]:
    """How the trial's recruitment reads in that language, from the trial file and the catalogue."""
    from bot.catalog.trial import read_trial_file
    from bot.i18n import localise

    trial = read_trial_file(ROOT / "trials" / f"{trial_id}.yaml")
    return [localise(r.display(), lang) for r in trial.recruitment]


def test_a_french_adult_with_polycythaemia_vera_near_brest(rasa_url):
    from bot.facts import FACTS
    from bot.i18n import YOU, words

    _ = words("fr")
    chat = Conversation(rasa_url)
    consent = chat.say("Bonjour, j'ai une maladie de Vaquez et j'habite près de Brest. Y a-t-il un essai pour moi ?")
    assert _("Yes, go on") not in consent and _("Hello!") in consent, consent
    question = chat.say("oui, d'accord")
    assert _.ctx(YOU, FACTS["age"].question) in question, question
    chat.say("j'ai 63 ans")
    chat.say("je prends de l'hydroxyurée depuis deux ans")
    chat.say("mes plaquettes ne se sont jamais normalisées")
    chat.say("plaquettes à 480 000")
    answer = chat.say("afficher les résultats")
    assert "2025-523921-17-00" in answer and "Brest" in answer, answer
    assert any(words in answer for words in _recruitment_words("2025-523921-17-00", "fr")), answer
    assert "Here is what I found" not in answer and "Still unknown" not in answer
    never_eligible(answer)


def test_a_dutch_parent_of_a_child_with_leukaemia_in_intensive_care(rasa_url):
    from bot.i18n import words

    _ = words("nl")
    chat = Conversation(rasa_url)
    consent = chat.say("Hallo, mijn zoon van 6 heeft leukemie en ligt op de IC. Is er een studie voor hem?")
    assert _("Hello!") in consent, consent
    question = chat.say("ja, graag")
    assert _("your {relation}", relation=_("son")) in question, question
    chat.say("de Phoenix score is 3")
    chat.say("ferritine 3.200")
    answer = chat.say("laat de resultaten zien")
    assert "2025-524541-27-00" in answer and "Utrecht" in answer, answer
    assert any(words in answer for words in _recruitment_words("2025-524541-27-00", "nl")), answer
    assert "Here is what I found" not in answer
    never_eligible(answer)
    forgotten = chat.say("vergeet mij")
    assert _("Done: I've deleted everything you told me in this conversation. If you'd like to look for trials "
             "again, say \"start\".") in forgotten


def test_the_language_the_page_asks_for_wins(rasa_url):
    from bot.i18n import words

    reply = requests.post(rasa_url, json={"sender": f"e2e-{uuid.uuid4().hex[:12]}", "message": "hello",
                                          "metadata": {"lang": "fr"}}, timeout=60)
    reply.raise_for_status()
    assert words("fr")("Hello!") in "\n".join(m.get("text") or "" for m in reply.json())


def test_a_french_parent_of_a_child_in_intensive_care(rasa_url):
    from bot.i18n import words

    _ = words("fr")
    chat = Conversation(rasa_url)
    chat.say("Bonjour, ma fille de 7 ans a une leucémie aiguë lymphoblastique et elle est en réa")
    question = chat.say("d'accord")
    assert _("your {relation}", relation=_("daughter")) in question, question
    chat.say("score de Phoenix à 3")
    chat.say("la ferritine était à 4 500")
    answer = chat.say("montrez les résultats")
    assert "2025-524541-27-00" in answer and "Utrecht" in answer, answer
    assert any(words in answer for words in _recruitment_words("2025-524541-27-00", "fr")), answer
    never_eligible(answer)


def test_a_dutch_adult_with_polycythaemia_vera(rasa_url):
    chat = Conversation(rasa_url)
    chat.say("Goedendag, ik heb polycythaemia vera. Zijn er studies voor mij?")
    chat.say("ja, prima")
    chat.say("ik ben 61 jaar")
    chat.say("ik gebruik al twee jaar hydroxycarbamide")
    answer = chat.say("mijn bloedwaarden zijn nooit helemaal normaal geworden")
    if "2025-523921-17-00" not in answer:
        answer = chat.say("toon de resultaten")
    assert "2025-523921-17-00" in answer and "Brest" in answer, answer
    assert any(words in answer for words in _recruitment_words("2025-523921-17-00", "nl")), answer
    never_eligible(answer)
