"""Which question to ask next and how to word it for the person speaking.

The order comes from `bot.matching`'s next questions (diagnosis and age first, then what settles the
most candidate trials); this module only leaves out what the person chose to skip and words the
question for a patient ("How old are you?"), a caregiver ("How old is your daughter?") or a clinician.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.facts import FACTS
from bot.matching import MatchReport, TrialResult
from bot.vocab import vocabulary

# After this many answers that left a fact unknown, the fact is left to the study team: a question is never
# asked a third time in a row.
GIVE_UP_AFTER = 2
# After this many, the question offers to skip.
OFFER_SKIP_AFTER = 1


@dataclass
class Question:
    fact: str
    text: str
    example: str
    detail: dict[str, Any]


def open_facts(report: MatchReport, skipped: list[str]) -> list[str]:
    """Facts still worth asking, best first."""
    return [q["fact"] for q in report.next_questions if q["fact"] not in skipped and q["fact"] in FACTS]


def deciding_facts(report: MatchReport, skipped: list[str]) -> list[str]:
    """Open facts that an inclusion line of a trial that may fit still needs: until they are known, which trials
    may fit is not known; after them, answers can only rule trials out."""
    return [q["fact"] for q in report.next_questions
            if q.get("qualifies") and q["fact"] not in skipped and q["fact"] in FACTS]


def medication_detail(report: MatchReport) -> dict[str, Any]:
    """For a medicine already named, what is still unknown about it: since when, or when before ICU admission."""
    voc = vocabulary()
    for result in _candidates(report):
        for criterion in result.criteria:
            for detail in criterion.details:
                if detail["kind"] in ("since", "before_icu"):
                    return {"kind": detail["kind"], "drug": detail["drug"], "name": voc.label(detail["drug"])}
    return {}


def _candidates(report: MatchReport) -> list[TrialResult]:
    return [r for r in report.results if r.verdict == "possible"]


# Yes/no facts that only rule trials out, each a situation a person recognises on a list: asked together in one
# question ("do any of these apply?"), which "none" answers at once. Follow-ups that refer to an earlier answer
# (the other trial's medicine, vitamin K) are never grouped.
GROUP_ITEMS = {
    "recurrent_infections": "infections that keep coming back or are not under control",
    "pregnant": "pregnancy",
    "breastfeeding": "breastfeeding",
    "legal_protection": "guardianship or curatorship",
    "other_trial": "taking part in another clinical trial now",
    "dnr": "a do-not-resuscitate order, or a limit on intensive care treatments",
    "organ_failure": "serious organ failure before this illness (heart, lung or kidney)",
    "radiotherapy": "radiotherapy (radiation treatment) at any time",
    "major_surgery": "a major operation under general anaesthesia",
    "hepatic_encephalopathy": "confusion or drowsiness caused by liver failure",
}
GROUP_MAX = 4
# Asked only once the sex is known, since a trial's rules ask them only of women (or of men, for fathering).
SEX_SPECIFIC = {"pregnant", "breastfeeding", "fertile", "contraception"}


def yes_no_group(report: MatchReport, facts: list[str]) -> list[str]:
    """The open list facts that can be asked together with the first one (only exclusion facts)."""
    deciding = {q["fact"] for q in report.next_questions if q.get("qualifies")}
    group = [f for f in facts if f in GROUP_ITEMS and f not in deciding]
    return group[:GROUP_MAX] if facts[0] in group and len(group) > 1 else []


def next_question(report: MatchReport, skipped: list[str], voice: str = "self",
                  relation: str | None = None) -> Question | None:
    """The next question, worded for the speaker; None when every candidate trial is decided."""
    facts = open_facts(report, skipped)
    if not facts:
        return None
    if "sex" in facts and facts[0] in SEX_SPECIFIC:  # a man is never asked about pregnancy
        facts = ["sex", *[f for f in facts if f != "sex"]]
    key = facts[0]
    group = yes_no_group(report, [f for f in facts if f not in SEX_SPECIFIC or "sex" not in facts])
    if group:
        whom = "you" if voice == "self" else subject(voice, relation)
        items = "\n".join(f"- {GROUP_ITEMS[f]}" for f in group)
        return Question(key, f"Do any of these apply to {whom}?\n{items}", "'none of these'", {"group": group})
    definition = FACTS[key]
    detail: dict[str, Any] = {}
    text = definition.question
    example = definition.example
    if key == "medications":
        detail = medication_detail(report)
        if detail.get("kind") == "since":
            text = f"Since when has the patient been taking {detail['name']}?"
            example = "'for 8 months' or 'since 2 years'"
        elif detail.get("kind") == "before_icu":
            text = f"When was {detail['name']} last given, compared with the admission to intensive care?"
            example = "'3 days before ICU admission' or 'not in the last month'"
        elif report.profile.medications.uses:
            text = "Is the patient taking any other medicines now, or has the patient taken any in the last month?"
            example = "'no other medicines' or 'prednisolone for 2 weeks'"
    return Question(key, phrase(text, voice, relation), example, detail)


_SELF = (
    (r"\bIs the patient\b", "Are you"), (r"\bis the patient\b", "are you"),
    (r"\bHas the patient\b", "Have you"), (r"\bhas the patient\b", "have you"),
    (r"\bwas the patient\b", "were you"), (r"\bdoes the patient\b", "do you"),
    (r"\bthe patient has\b", "you have"), (r"\bthe patient\b", "you"),
)
_THIRD = (
    (r"Could you \(or your partner, through you\) become pregnant\?", "Could {s} become pregnant?"),
    (r"\bAre you\b", "Is {s}"), (r"\bDo you have\b", "Does {s} have"), (r"\bWould you\b", "Would {s}"),
    (r"\bhave you\b", "has {s}"), (r"\byour\b", "{s}'s"),
)


def subject(voice: str, relation: str | None) -> str:
    """How the patient is named: "your daughter" for a caregiver who said so, else "the patient"."""
    if voice == "caregiver" and relation:
        return f"your {relation}"
    return "the patient"


def phrase(question: str, voice: str, relation: str | None = None) -> str:
    """Word a fact's question for the speaker."""
    if voice == "self":
        for pattern, repl in _SELF:
            question = re.sub(pattern, repl, question)
        return question
    who = subject(voice, relation)
    for pattern, repl in _THIRD:
        question = re.sub(pattern, repl.replace("{s}", "\0"), question)
    question = question.replace("the patient", "\1")
    return question.replace("\0", who).replace("\1", who)


def buttons_for(fact: str, offer_skip: bool, group: bool = False) -> list[dict[str, str]]:
    """Quick answers for a question; yes/no and skip go straight to their intents."""
    definition = FACTS.get(fact)
    buttons: list[dict[str, str]] = []
    if group:
        buttons.append({"title": "None of these", "payload": "/deny"})
    elif definition is not None and definition.type == "bool":
        buttons += [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    elif fact == "sex":
        buttons += [{"title": "Female", "payload": "female"}, {"title": "Male", "payload": "male"}]
    elif fact == "eln_response":
        buttons += [{"title": "Completely", "payload": "complete response"},
                    {"title": "Partly", "payload": "partial response"},
                    {"title": "Not at all", "payload": "no response"}]
    elif fact in ("medications", "allergies"):
        buttons.append({"title": "None", "payload": "none"})
    buttons.append({"title": "Skip this question" if offer_skip else "I don't know", "payload": "/dont_know"})
    buttons.append({"title": "Show results so far", "payload": "/show_results"})
    return buttons
