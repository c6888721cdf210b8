"""The simulated people of `make conversations` (tests/conversations/people/*.yaml) are well-formed.

A broken people file would quietly skew the report (an unknown fact never asked, a trial ID that never appears),
so each file must load: known fact keys from bot.facts.FACTS, expected trial IDs that exist in trials/.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from bot.facts import FACTS

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = sorted((ROOT / "tests" / "conversations" / "people").glob("*.yaml"))
TRIAL_IDS = {path.stem for path in (ROOT / "trials").glob("*.yaml")}


def _script():
    """scripts/conversations.py under its own name (tests/conversations is a folder of the same name)."""
    name = "conversations_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "conversations.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_there_are_people():
    assert len(PEOPLE) >= 8
    assert {_script().load_person(p).who for p in PEOPLE} == {"patient", "caregiver", "clinician"}


@pytest.mark.parametrize("path", PEOPLE, ids=[p.stem for p in PEOPLE])
def test_people_file_is_well_formed(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _script().person_problems(data, TRIAL_IDS) == []
    assert set(data["facts"]) <= set(FACTS)
    expected = data["expect"].get("may_fit", []) + data["expect"].get("not_may_fit", [])
    assert expected and set(expected) <= TRIAL_IDS
    person = _script().load_person(path, TRIAL_IDS)
    assert person.first.strip() and all(person.facts.values())


def test_a_broken_people_file_is_refused(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump({
        "name": "x", "description": "x", "who": "robot", "first": "hi",
        "facts": {"age": "I'm 40", "shoe_size": "42", "sex": []},
        "corrections": {"weight": "sorry, 80 kg"},
        "expect": {"may_fit": ["2099-000000-00-00"]},
    }), encoding="utf-8")
    with pytest.raises(ValueError) as error:
        _script().load_person(broken, TRIAL_IDS)
    message = str(error.value)
    for part in ("who must be one of", "unknown fact 'shoe_size'", "fact 'sex'", "correction of 'weight'",
                 "no trial '2099-000000-00-00'"):
        assert part in message


def test_yaml_yes_no_and_numbers_are_answers_as_typed(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text("name: x\ndescription: x\nwho: patient\nfirst: hi\nfacts: {pregnant: no, platelets: 350}\n"
                    "expect: {may_fit: [2025-523921-17-00]}\n", encoding="utf-8")
    person = _script().load_person(path, TRIAL_IDS)
    assert person.answer("pregnant", 0) == "no" and person.answer("platelets", 3) == "350"
    assert person.answer("weight", 0) == "I don't know"


@pytest.mark.parametrize("voice,relation", [("self", None), ("clinician", None), ("caregiver", "son")])
def test_every_fact_question_is_recognised(voice, relation):
    """The simulated person must tell which fact each of the assistant's questions asks about."""
    from actions.questions import phrase

    recogniser = _script().Recogniser()
    for key, definition in FACTS.items():
        text = f"Noted. {phrase(definition.question, voice, relation)} For example: {definition.example}."
        assert list(recogniser.facts(text, [])) == [key], text
    assert recogniser.facts("Shall we go on?", []) == {}
    assert list(recogniser.facts("Here you are.", [{"type": "question", "fact": "ferritin"}])) == ["ferritin"]


def test_yes_no_facts_asked_together_are_recognised_and_answered():
    """"Do any of these apply?" with a list: each item is a fact; the person names what applies, or none."""
    script = _script()
    text = ("Do any of these apply to you?\n- infections that keep coming back or are not under control\n"
            "- guardianship or curatorship\n- pregnancy\nSay \"none of these\", or tell me the ones that apply.")
    asked = script.Recogniser().facts(text, [])
    assert list(asked) == ["recurrent_infections", "legal_protection", "pregnant"]
    person = script.Person("p", "p", "p", "patient", "hi", {"pregnant": ["yes, 12 weeks"], "legal_protection": ["no"],
                                                            "recurrent_infections": ["no"]})
    said = {fact: person.answer(fact, 0) for fact in asked}
    assert person.answer_list(asked, said) == "yes, 12 weeks; not the others"
    said["pregnant"] = "no"
    assert person.answer_list(asked, said) == "none of these"


def test_the_longest_run_skips_turns_that_ask_nothing():
    assert _script().longest_run(["age", None, "age", "sex", None, "sex", "sex"]) == (3, "sex")
