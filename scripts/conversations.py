"""Simulated people against the running assistant over REST: a report, not a gate.

Each person (tests/conversations/people/*.yaml) opens the conversation, agrees to go on, and answers every
question the assistant asks the way that person talks, until the assistant gives a complete answer (or 40 turns).
Per person it prints the questions asked before the first answer and before the complete answer, the most times
the same fact was asked in a row (3 or more is flagged), and whether the final answer is right: the trials the
person file expects among those that "may fit" are there, and the ones it rules out are not.

Which fact a question asks about is read from a machine-readable hint when the reply carries one (a custom payload
naming a fact), else by matching the question's words against bot.facts.FACTS questions, worded for "you", a
caregiver's relation or a clinician by actions.questions.phrase.

A people file: name, description, who (patient, caregiver or clinician), first (the opening message), facts (a
bot.facts key -> the answer, or a list: the answers to the first, second... time it is asked), expect (may_fit /
not_may_fit: trial IDs from trials/); optional: otherwise (the answer to any other fact, "I don't know"), consent
("yes"), relation (a caregiver's "son"), corrections (a fact key -> the message that corrects that answer, sent
instead of the next answer). A bare yes/no or number in YAML is read back as typed.

Run: .venv/actions/bin/python scripts/conversations.py [--url http://127.0.0.1:5005] [--json out.json]
     [--transcript] [--only NAME] [people files or folders ...]     (or `make conversations`)
The people are fictional, so their transcripts may be printed (--transcript) and written (--json).
Without --url it serves the model in models/trialbot.tar.gz and the action server on free loopback ports and
stops both on the way out. Exit code 0 whatever the figures; 1 only when the assistant cannot be served or reached.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.error
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT), str(ROOT / "scripts")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from bench_rest import HOST, MODEL, RASA, Servers, free_port, post, wait_until_up  # noqa: E402

from bot.facts import FACTS  # noqa: E402

PEOPLE = ROOT / "tests" / "conversations" / "people"
TRIALS = ROOT / "trials"
WHO = ("patient", "caregiver", "clinician")
MAX_TURNS = 40  # messages a person sends before giving up on a complete answer
FLAG_IN_A_ROW = 3  # the same fact asked this many times in a row is flagged
MATCH_AT = 0.72  # how close a sentence must be to a fact's question (difflib ratio) to count as asking it
PAGES = 5  # "show more" pages read at most when checking the final answer
CONSENT = "Shall we go on"
HAVE_WHAT_I_NEED = "I have what I need"
CONTINUE = "/continue_questions"
SAY = re.compile(r'\bsay "([^"]+)"', re.I)  # the assistant's instructions: say "start", say "show results"
CHANGED = re.compile(r"I've changed the (.+? to .+? \(it was .+?\))")  # the assistant's word for a correction
STUCK_AFTER = 3  # replies in a row that ask nothing before the person gives up
# Who a caregiver may be speaking for; each gets its own wording of the questions.
RELATIONS = ("child", "son", "daughter", "baby", "boy", "girl", "mother", "father", "mum", "dad", "husband", "wife",
             "partner", "brother", "sister", "grandson", "granddaughter", "grandmother", "grandfather")


# --- people --------------------------------------------------------------------------------------------------------

@dataclass
class Person:
    """One simulated person: how they open, how they answer each fact, and the answer they should get."""

    key: str
    name: str
    description: str
    who: str
    first: str
    facts: dict[str, list[str]]
    otherwise: str = "I don't know"
    consent: str = "yes"
    relation: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)
    may_fit: list[str] = field(default_factory=list)
    not_may_fit: list[str] = field(default_factory=list)

    def answer(self, fact: str, times_asked: int) -> str:
        """The n-th answer to a fact (the last one again when asked more often); `otherwise` for unlisted facts."""
        answers = self.facts.get(fact)
        if not answers:
            return self.otherwise
        return answers[min(times_asked, len(answers) - 1)]

    def answer_list(self, items: dict[str, str], said: dict[str, str]) -> str:
        """The answer to "do any of these apply?": the person's own words for each that applies, the items they
        are unsure of, "none of these" when none applies."""
        kinds = {fact: yes_no(answer) for fact, answer in said.items()}
        yes = [said[fact] for fact, kind in kinds.items() if kind == "yes"]
        unsure = [items[fact] for fact, kind in kinds.items() if kind == "unsure"]
        if not yes and not unsure:
            return "none of these"
        if not yes and len(unsure) == len(items):
            return self.otherwise
        parts = yes + ([f"I'm not sure about {' or '.join(unsure)}"] if unsure else [])
        if "no" in kinds.values():
            parts.append("not the others")
        return "; ".join(parts)


_UNSURE = re.compile(r"\b(not sure|don'?t know|no idea|unsure|can'?t remember|don'?t remember|no clue|maybe)\b", re.I)
_YES = re.compile(r"^\W*(yes|yeah|yep|i am|i do|i have|i'?m|she is|he is|she has|he has|they are|there is)\b", re.I)
_NO = re.compile(r"^\W*(no|nope|not|never|none|nothing|nah|i'?m not|i am not|(he|she|it)(\s+i|')sn'?t|"
                 r"(he|she)'?s not|there'?s no|there is no)\b", re.I)


def yes_no(answer: str) -> str:
    """How a yes/no answer as typed reads: "yes", "no" or "unsure"."""
    if _UNSURE.search(answer):
        return "unsure"
    if _NO.match(answer):
        return "no"
    return "yes" if _YES.match(answer) else "unsure"


def trial_ids() -> set[str]:
    """IDs of the trials in trials/ (the file name is the trial's ID)."""
    return {path.stem for path in TRIALS.glob("*.yaml")}


def _said(value: Any) -> str | None:
    """An answer as typed; YAML reads a bare no/yes as a boolean and 350 as a number, so those are turned back."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) and value.strip() else None


def _strings(value: Any) -> list[str] | None:
    """One answer, or the answers to the first, second... time the fact is asked."""
    values = value if isinstance(value, list) else [value]
    said = [_said(v) for v in values]
    return [s for s in said if s is not None] if said and None not in said else None


def person_problems(data: Any, known_trials: set[str]) -> list[str]:
    """Everything wrong with one people file, so that a broken file fails loudly rather than skews the report."""
    if not isinstance(data, dict):
        return ["the file is not a mapping"]
    problems = [f"missing {key!r}" for key in ("name", "description", "who", "first", "facts", "expect")
                if key not in data]
    allowed = {"name", "description", "who", "first", "facts", "expect", "otherwise", "consent", "relation",
               "corrections"}
    problems += [f"unknown field {key!r}" for key in data if key not in allowed]
    if data.get("who") not in WHO:
        problems.append(f"who must be one of {', '.join(WHO)}, not {data.get('who')!r}")
    for key in ("name", "description", "first", "otherwise", "consent", "relation"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            problems.append(f"{key!r} must be a non-empty string")
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    if "facts" in data and not isinstance(data.get("facts"), dict):
        problems.append("'facts' must map fact keys to answers")
    for key, value in facts.items():
        if key not in FACTS:
            problems.append(f"unknown fact {key!r} (see bot/facts.py)")
        if _strings(value) is None:
            problems.append(f"fact {key!r}: an answer or a list of answers (strings) is needed")
    corrections = data.get("corrections", {})
    if not isinstance(corrections, dict):
        problems.append("'corrections' must map a fact key to the message that corrects it")
    else:
        for key, value in corrections.items():
            if key not in facts:
                problems.append(f"correction of {key!r}, which the person never answers")
            if not (isinstance(value, str) and value.strip()):
                problems.append(f"correction of {key!r} must be a message")
    problems += _expect_problems(data.get("expect"), known_trials)
    return problems


def _expect_problems(expect: Any, known_trials: set[str]) -> list[str]:
    if not isinstance(expect, dict):
        return ["'expect' must hold may_fit and/or not_may_fit"] if expect is not None else []
    problems = [f"unknown field expect.{key}" for key in expect if key not in ("may_fit", "not_may_fit")]
    ids: dict[str, list[Any]] = {}
    for key in ("may_fit", "not_may_fit"):
        value = expect.get(key, [])
        if not isinstance(value, list):
            problems.append(f"expect.{key} must be a list of trial IDs")
            value = []
        ids[key] = value
        problems += [f"expect.{key}: no trial {tid!r} in trials/" for tid in value if str(tid) not in known_trials]
    if not ids["may_fit"] and not ids["not_may_fit"]:
        problems.append("expect names no trial")
    problems += [f"{tid!r} both in may_fit and not_may_fit" for tid in set(ids["may_fit"]) & set(ids["not_may_fit"])]
    return problems


def load_person(path: Path, known_trials: set[str] | None = None) -> Person:
    """One people file, checked; ValueError naming the file and every problem otherwise."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = person_problems(data, trial_ids() if known_trials is None else known_trials)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    expect = data["expect"]
    return Person(
        key=path.stem, name=data["name"], description=data["description"], who=data["who"], first=data["first"],
        facts={key: _strings(value) or [] for key, value in data["facts"].items()},
        otherwise=data.get("otherwise", "I don't know"), consent=data.get("consent", "yes"),
        relation=data.get("relation"), corrections=dict(data.get("corrections") or {}),
        may_fit=[str(t) for t in expect.get("may_fit", [])],
        not_may_fit=[str(t) for t in expect.get("not_may_fit", [])],
    )


def people_files(paths: Iterable[str]) -> list[Path]:
    """YAML files named, or found in the folders named (the repo's people when none is named)."""
    found: list[Path] = []
    for name in list(paths) or [str(PEOPLE)]:
        path = Path(name)
        found += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    return found


# --- reading the assistant's replies -------------------------------------------------------------------------------

def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _phrase() -> Any:
    """actions.questions.phrase when it imports (the wording the assistant uses), else the plain question."""
    try:
        from actions.questions import phrase
    except Exception:  # the actions package is being changed or cannot load: plain questions still match
        return lambda question, voice, relation=None: question
    return phrase


def _medication_wordings() -> list[str]:
    """The assistant's own follow-up questions about a medicine already named (since when, before ICU, others),
    produced by actions.questions.next_question on a minimal report; none if that code has changed shape."""
    try:
        from actions.questions import next_question
    except Exception:
        return []
    wordings = []
    for kind, uses in (("since", []), ("before_icu", []), (None, ["in use"])):
        details = [{"kind": kind, "drug": "hydroxyurea"}] if kind else []
        report = SimpleNamespace(
            next_questions=[{"fact": "medications"}],
            profile=SimpleNamespace(medications=SimpleNamespace(uses=uses)),
            results=[SimpleNamespace(verdict="possible", criteria=[SimpleNamespace(details=details)])])
        try:
            question = next_question(report, [], "self")  # type: ignore[arg-type]
        except Exception:
            return []
        if question is not None:
            wordings.append(question.text)
    return wordings


def fact_wordings(relations: Iterable[str] = RELATIONS) -> list[tuple[str, str]]:
    """(fact, normalised question) for every way the assistant words each fact's question."""
    phrase = _phrase()
    pairs: set[tuple[str, str]] = set()
    for key, definition in FACTS.items():
        texts = [definition.question, phrase(definition.question, "self"), phrase(definition.question, "clinician")]
        texts += [phrase(definition.question, "caregiver", relation) for relation in relations]
        pairs |= {(key, _normal(text)) for text in texts}
    for voice_text in _medication_wordings():
        for voice in ("self", "clinician", *(("caregiver", r) for r in relations)):
            text = phrase(voice_text, *voice) if isinstance(voice, tuple) else phrase(voice_text, voice)
            pairs.add(("medications", _normal(text)))
    return sorted(pairs)


_LABELS = {definition.label.lower(): key for key, definition in FACTS.items()}
# Re-asks after a refused value name the fact by its label (bot/facts.py Fact.canonical).
_REFUSED = (re.compile(r"is not a possible (.+?)\. Could you check", re.I),
            re.compile(r"I don't know the unit .+? for (.+?)\. Could you give it", re.I),
            re.compile(r"couldn't read that as the (.+?)\.", re.I))


def hint_facts(customs: list[dict[str, Any]]) -> list[str]:
    """The facts a reply's custom payload says it asks about, if the assistant gives such a hint."""
    for custom in customs:
        if custom.get("type") == "trial_results":
            continue
        listed = custom.get("facts")
        if isinstance(listed, list) and listed and all(f in FACTS for f in listed):
            return list(listed)
        for key in ("fact", "asking", "question", "asked"):
            value = custom.get(key)
            if isinstance(value, dict):
                value = value.get("facts") or value.get("fact")
            if isinstance(value, str) and value in FACTS:
                return [value]
            if isinstance(value, list) and value and all(f in FACTS for f in value):
                return list(value)
    return []


def group_items() -> dict[str, str]:
    """Normalised list item -> fact, for questions that ask several yes/no facts at once ("do any of these
    apply?"): the assistant's own items (actions.questions.GROUP_ITEMS) when they import, and every yes/no fact's
    plain words and label."""
    items = {_normal(d.plain or d.label): key for key, d in FACTS.items() if d.type == "bool"}
    items |= {_normal(d.label): key for key, d in FACTS.items() if d.type == "bool"}
    try:
        from actions.questions import GROUP_ITEMS
    except Exception:  # older or changing actions: the facts' own words still match most items
        return items
    return items | {_normal(text): key for key, text in GROUP_ITEMS.items() if key in FACTS}


class Recogniser:
    """Tells which facts a reply asks about: the payload hint first, else a list of yes/no items, else the
    closest FACTS question."""

    def __init__(self, relations: Iterable[str] = RELATIONS) -> None:
        self.wordings = fact_wordings(relations)
        self.exact = {wording: key for key, wording in self.wordings}
        self.items = group_items()

    def facts(self, text: str, customs: list[dict[str, Any]]) -> dict[str, str]:
        """Fact -> how the reply named it; empty when the reply asks about no fact."""
        hinted = hint_facts(customs)
        if hinted:
            return {key: FACTS[key].plain or FACTS[key].label for key in hinted}
        listed = self.listed(text)
        if listed:
            return listed
        single = self.fact(text)
        return {single: FACTS[single].label} if single else {}

    def listed(self, text: str) -> dict[str, str]:
        """The yes/no facts of a question that lists them as "- item" lines."""
        found: dict[str, str] = {}
        for item in re.findall(r"^\s*[-•]\s*(.+?)\s*$", text, re.M):
            key = self.items.get(_normal(item)) or _closest(_normal(item), self.items.items())
            if key:
                found[key] = item
        return found

    def fact(self, text: str) -> str | None:
        """The one fact a question asks about: a re-ask naming its label, else the closest wording."""
        for pattern in _REFUSED:
            found = pattern.search(text)
            if found and found.group(1).lower() in _LABELS:
                return _LABELS[found.group(1).lower()]
        sentences = questions_in(text)
        exact = next((self.exact[s] for s in sentences if s in self.exact), None)
        if exact:
            return exact
        pairs = [(wording, key) for key, wording in self.wordings]
        return _closest(sentences, pairs)


def _closest(texts: str | list[str], candidates: Iterable[tuple[str, str]]) -> str | None:
    """The value of the (wording, value) pair whose wording is closest to one of the texts, if close enough."""
    texts = [texts] if isinstance(texts, str) else texts
    best, score = None, MATCH_AT
    for wording, value in candidates:
        for text in texts:
            matcher = difflib.SequenceMatcher(None, text, wording)
            if matcher.real_quick_ratio() > score and matcher.quick_ratio() > score and matcher.ratio() > score:
                best, score = value, matcher.ratio()
    return best


def questions_in(text: str) -> list[str]:
    """The normalised sentences of a reply that end with a question mark."""
    sentences = re.split(r"(?<=[?!])\s+|(?<=[a-z]{2}\.)\s+|\n+", text)  # "E. coli" stays one sentence
    return [_normal(s) for s in sentences if s.strip().endswith("?")]


@dataclass
class Reply:
    """What the assistant sent back for one message."""

    text: str
    buttons: list[str]
    customs: list[dict[str, Any]]

    @classmethod
    def from_messages(cls, messages: list[dict[str, Any]]) -> Reply:
        text = "\n".join(m.get("text") or "" for m in messages if m.get("text"))
        buttons = [b.get("payload", "") for m in messages for b in m.get("buttons") or ()]
        customs = [m["custom"] for m in messages if isinstance(m.get("custom"), dict)]
        return cls(text, buttons, customs)

    @property
    def results(self) -> dict[str, Any] | None:
        found = [c for c in self.customs if c.get("type") == "trial_results"]
        return found[-1] if found else None


def may_fit(results: dict[str, Any]) -> list[str]:
    return [r["trial_id"] for r in results.get("results") or () if r.get("verdict") != "ineligible"]


# --- one conversation ----------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """The figures of one person's conversation, and its transcript."""

    person: str
    who: str
    questions_to_first: int | None = None
    questions_to_complete: int | None = None
    max_in_a_row: int = 0
    repeated_fact: str | None = None
    turns: int = 0
    complete: bool = False
    right: bool = False
    wrong: list[str] = field(default_factory=list)
    may_fit: list[str] = field(default_factory=list)
    asked: list[str | None] = field(default_factory=list)
    unrecognised: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    transcript: list[dict[str, str]] = field(default_factory=list)


class Chat:
    """One sender's conversation over the REST channel; every exchange goes into the outcome's transcript."""

    def __init__(self, url: str, person: Person, outcome: Outcome) -> None:
        self.url = url
        self.sender = f"conversations-{person.key}-{os.getpid()}-{time.time_ns()}"
        self.outcome = outcome

    def say(self, message: str) -> Reply:
        _, messages = post(self.url, self.sender, message)
        reply = Reply.from_messages(messages)
        results = reply.results or {}
        self.outcome.transcript.append({
            "person": message, "bot": reply.text, "results": ", ".join(may_fit(results)) if results else "",
            "next_questions": ", ".join(str(q.get("fact")) for q in results.get("next_questions") or ())})
        return reply


def converse(url: str, person: Person, recogniser: Recogniser) -> Outcome:
    """Plays one person to a complete answer (or MAX_TURNS), then reads the final answer's trials."""
    outcome = Outcome(person.key, person.who)
    chat = Chat(url, person, outcome)
    try:
        final = play(chat, Player(person, recogniser, outcome))
        if not outcome.complete:  # stopped short of a complete answer: judge the answer to all that was said
            final = chat.say("show results").results or final
        outcome.may_fit = read_all_pages(chat, final) if final else []
    except (urllib.error.URLError, OSError, ValueError) as error:
        outcome.error = f"{type(error).__name__}: {error}"
        final = None
    outcome.max_in_a_row, outcome.repeated_fact = longest_run(outcome.asked)
    judge(outcome, person, final is not None)
    return outcome


class Player:
    """Plays one person's side: consent, answers, corrections, "continue" after an answer, instructions."""

    def __init__(self, person: Person, recogniser: Recogniser, outcome: Outcome) -> None:
        self.person, self.recogniser, self.outcome = person, recogniser, outcome
        self.questions = 0
        self.times: dict[str, int] = {}
        self.correction: str | None = None
        self.corrected: set[str] = set()
        self.said_complete = False
        self.stuck = 0
        self.last: dict[str, Any] | None = None

    def next_message(self, reply: Reply, sent: str) -> str | None:
        """What the person says to this reply; None when the conversation is over."""
        self.check_changes(reply, sent)
        results = reply.results
        asked = {} if results else self.recogniser.facts(reply.text, reply.customs)
        self.outcome.asked.append("+".join(asked) or None)
        self.stuck = 0 if results or asked or CONSENT in reply.text else self.stuck
        if results:
            return self.on_answer(results, reply, sent)
        if asked:
            return self.on_question(asked)
        if CONSENT in reply.text:
            return self.person.consent
        if HAVE_WHAT_I_NEED in reply.text:
            self.said_complete = True
            return "show results"
        return self.on_other(reply)

    def check_changes(self, reply: Reply, sent: str) -> None:
        """A fact the assistant says it changed although the person corrected nothing: a misreading to report."""
        if sent in self.person.corrections.values():
            return
        for change in CHANGED.findall(reply.text):
            self.outcome.notes.append(f"changed unasked after {sent!r}: {change}")

    def on_answer(self, results: dict[str, Any], reply: Reply, sent: str) -> str | None:
        self.last = results
        if self.outcome.questions_to_first is None:
            self.outcome.questions_to_first = self.questions
        if self.correction:  # a person who sees the answer still corrects what they got wrong
            message, self.correction = self.correction, None
            return message
        left = [q.get("fact") for q in results.get("next_questions") or ()]
        # the assistant counts the questions it still would ask (skipped facts are for the study team)
        remaining = results.get("remaining_questions", len(left))
        if sent == CONTINUE and remaining:
            self.outcome.notes.append(f"'{CONTINUE}' gave the answer again without a question; next_questions "
                                      f"still lists {', '.join(map(str, left))}")
        if self.said_complete or not remaining or sent == CONTINUE:
            self.outcome.complete, self.outcome.questions_to_complete = True, self.questions
            return None
        return CONTINUE if CONTINUE in reply.buttons else None

    def on_question(self, asked: dict[str, str]) -> str:
        """One question (a single fact, or a list of yes/no facts asked together)."""
        self.questions += 1
        if self.correction:  # corrects the last answer instead of answering the new question
            message, self.correction = self.correction, None
            return message
        said = {fact: self.person.answer(fact, self.times.get(fact, 0)) for fact in asked}
        message = said[next(iter(asked))] if len(asked) == 1 else self.person.answer_list(asked, said)
        for fact in asked:
            self.times[fact] = self.times.get(fact, 0) + 1
            if fact in self.person.corrections and fact not in self.corrected:
                self.correction = self.person.corrections[fact]
                self.corrected.add(fact)
        return message

    def on_other(self, reply: Reply) -> str | None:
        """Neither question, answer nor consent: do what the assistant says to do, else try to move on."""
        self.outcome.unrecognised += 1
        self.stuck += 1
        if self.stuck > STUCK_AFTER:
            self.outcome.notes.append(f"stopped after {STUCK_AFTER} replies in a row that asked nothing")
            return None
        instruction = next((said for said in SAY.findall(reply.text) if said.lower() != "forget me"), None)
        if instruction:
            return instruction
        return self.person.otherwise if self.stuck == 1 else "show results"


def play(chat: Chat, player: Player) -> dict[str, Any] | None:
    """The turns, up to MAX_TURNS; returns the last answer (trial_results) seen."""
    message: str | None = player.person.first
    while message is not None and player.outcome.turns < MAX_TURNS:
        player.outcome.turns += 1
        reply = chat.say(message)
        message = player.next_message(reply, message)
    return player.last


def read_all_pages(chat: Chat, results: dict[str, Any]) -> list[str]:
    """The trials that may fit in the final answer, over its "show more" pages."""
    fitting = may_fit(results)
    for _ in range(PAGES):
        if not results.get("more_may_fit"):
            break
        page = chat.say("/show_more").results
        if not page:
            break
        results = page
        fitting += [t for t in may_fit(page) if t not in fitting]
    return fitting


def longest_run(asked: list[str | None]) -> tuple[int, str | None]:
    """The most times one fact was asked in consecutive questions, and which fact. Turns that ask nothing (an
    answer shown between two questions) do not break a run: the person still hears the same question again."""
    best, best_fact, run, previous = 0, None, 0, None
    for fact in (f for f in asked if f is not None):
        run = run + 1 if fact == previous else 1
        previous = fact
        if run > best:
            best, best_fact = run, fact
    return best, best_fact


def judge(outcome: Outcome, person: Person, answered: bool) -> None:
    """Right when every expected trial may fit and none of the excluded ones does."""
    if outcome.error:
        outcome.wrong.append(outcome.error)
    if not answered:
        outcome.wrong.append("no answer")
    else:
        outcome.wrong += [f"{t} missing" for t in person.may_fit if t not in outcome.may_fit]
        outcome.wrong += [f"{t} should not fit" for t in person.not_may_fit if t in outcome.may_fit]
    outcome.right = not outcome.wrong


# --- the report ----------------------------------------------------------------------------------------------------

def _figure(value: int | None, capped: bool = False) -> str:
    if value is None:
        return f"- (cap {MAX_TURNS})" if capped else "-"
    return str(value)


def _median(values: list[int | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):g}" if known else "-"


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def report(outcomes: list[Outcome]) -> str:
    """The table, one row per person, with medians over people."""
    rows = [("person", "who", "questions to first answer", "to complete answer", "max in a row", "turns", "right")]
    for o in outcomes:
        in_a_row = f"{o.max_in_a_row}" + (f" ({o.repeated_fact}) FLAG" if o.max_in_a_row >= FLAG_IN_A_ROW else "")
        right = "yes" if o.right else "no: " + "; ".join(o.wrong)
        rows.append((o.person, o.who, _figure(o.questions_to_first),
                     _figure(o.questions_to_complete, capped=o.turns >= MAX_TURNS), in_a_row, str(o.turns), right))
    rows.append(("median", "", _median([o.questions_to_first for o in outcomes]),
                 _median([o.questions_to_complete for o in outcomes]), _median([o.max_in_a_row for o in outcomes]),
                 _median([o.turns for o in outcomes]), f"{sum(o.right for o in outcomes)} of {len(outcomes)} right"))
    notes = [f"{o.person}: {o.unrecognised} replies were neither a question, an answer nor consent"
             for o in outcomes if o.unrecognised]
    notes += [f"{o.person}: {note}" for o in outcomes for note in dict.fromkeys(o.notes)]
    return table(rows) + ("\n" + "\n".join(notes) if notes else "")


def print_transcript(outcome: Outcome) -> None:
    print(f"\n=== {outcome.person} ({outcome.who})")
    for exchange, fact in zip(outcome.transcript, [*outcome.asked, *[None] * len(outcome.transcript)], strict=False):
        print(f"  person: {exchange['person']}")
        if exchange["results"] or "Here is what I found" in exchange["bot"]:
            print(f"  bot:    [answer; may fit: {exchange['results'] or 'none'}; "
                  f"next_questions: {exchange['next_questions'] or 'none'}]")
        else:
            tag = f"  [asks {fact}]" if fact else ""
            print("  bot:    " + exchange["bot"].replace("\n", "\n          ") + tag)


# --- serving the assistant -----------------------------------------------------------------------------------------

def serve(work: Path, servers: Servers) -> str:
    """Starts the action server and Rasa on free loopback ports; returns the REST webhook URL."""
    rasa_port, actions_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://{HOST}:{actions_port}/webhook"\n'
                             '  enable_selective_domain: true\n', encoding="utf-8")
    actions_log, rasa_log = work / "actions.log", work / "rasa.log"
    actions = servers.start([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
                            ROOT, actions_log)
    rasa = servers.start([str(RASA), "run", "-m", str(MODEL), "--port", str(rasa_port), "-i", HOST,
                          "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(endpoints)],
                         ROOT, rasa_log)
    wait_until_up(f"http://{HOST}:{actions_port}/health", actions, actions_log)
    wait_until_up(f"http://{HOST}:{rasa_port}/webhooks/rest/", rasa, rasa_log)
    print(f"conversations: Rasa on {HOST}:{rasa_port}, actions on {HOST}:{actions_port}")
    return f"http://{HOST}:{rasa_port}/webhooks/rest/webhook"


def webhook(url: str) -> str:
    """--url may be the server (http://host:5005) or the webhook itself."""
    url = url.rstrip("/")
    return url if url.endswith("/webhooks/rest/webhook") else f"{url}/webhooks/rest/webhook"


def run_people(url: str, people: list[Person], transcripts: bool) -> list[Outcome]:
    relations = {*RELATIONS, *(p.relation for p in people if p.relation)}
    recogniser = Recogniser(relations)
    outcomes = []
    for person in people:
        started = time.monotonic()
        outcome = converse(url, person, recogniser)
        print(f"  {person.key}: {outcome.turns} turns in {time.monotonic() - started:.0f} s", flush=True)
        if transcripts:
            print_transcript(outcome)
        outcomes.append(outcome)
    return outcomes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("people", nargs="*", help=f"people files or folders (default {PEOPLE.relative_to(ROOT)})")
    parser.add_argument("--url", help="an assistant already running (e.g. http://127.0.0.1:5005); else one is served")
    parser.add_argument("--json", type=Path, help="also write the figures and transcripts to this file")
    parser.add_argument("--transcript", action="store_true", help="print every conversation")
    parser.add_argument("--only", help="only the people whose file name contains this")
    return parser.parse_args(argv)


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    people = [load_person(path) for path in people_files(args.people) if not args.only or args.only in path.stem]
    if not people:
        print("conversations: no people to play")
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops the servers even when started from `&`
    servers, work = Servers(), Path(tempfile.mkdtemp(prefix="trialbot-conversations-"))
    try:
        if args.url:
            url = webhook(args.url)
        elif not MODEL.is_file() or not RASA.is_file():
            print(f"conversations: need {MODEL.relative_to(ROOT)} and {RASA.relative_to(ROOT)} (run `make train`)")
            return 1
        else:
            try:
                url = serve(work, servers)
            except RuntimeError as error:
                print(f"conversations: the assistant did not start: {error}")
                return 1
        try:
            post(url, f"conversations-probe-{os.getpid()}", "hi")
        except (urllib.error.URLError, OSError, ValueError) as error:
            print(f"conversations: cannot reach {url}: {error}")
            return 1
        print(f"conversations: {len(people)} people against {url}")
        outcomes = run_people(url, people, args.transcript)
    except KeyboardInterrupt:
        print("conversations: interrupted")
        return 130
    finally:
        servers.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("\nConversations (a report, not a gate): questions are bot turns asking about a fact; "
          f"'max in a row' is the most times one fact was asked in consecutive questions (flagged at {FLAG_IN_A_ROW}).")
    print(report(outcomes))
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"conversations: figures and transcripts written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
