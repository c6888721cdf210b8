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
from bot.i18n import THEY, YOU, asked, marked, words
from bot.i18n import phrase as words_for
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
    "recurrent_infections": marked("infections that keep coming back or are not under control"),
    "pregnant": marked("pregnancy"),
    "breastfeeding": marked("breastfeeding"),
    "legal_protection": marked("guardianship or curatorship"),
    "other_trial": marked("taking part in another clinical trial now"),
    "dnr": marked("a do-not-resuscitate order, or a limit on intensive care treatments"),
    "organ_failure": marked("serious organ failure before this illness (heart, lung or kidney)"),
    "radiotherapy": marked("radiotherapy (radiation treatment) at any time"),
    "major_surgery": marked("a major operation under general anaesthesia"),
    "hepatic_encephalopathy": marked("confusion or drowsiness caused by liver failure"),
}
# Whom a caregiver speaks for, as bot.nlp names it in every language ("mon fils", "mijn zoon": son).
RELATIONS = ("daughter", "son", "child", "kid", "baby", "boy", "girl", "mother", "mum", "mom", "father", "dad",
             "wife", "husband", "partner", "brother", "sister", "grandson", "granddaughter", "grandchild")
GROUP_MAX = 4
# Asked only once the sex is known, since a trial's rules ask them only of women (or of men, for fathering).
SEX_SPECIFIC = {"pregnant", "breastfeeding", "fertile", "contraception"}


def yes_no_group(report: MatchReport, facts: list[str]) -> list[str]:
    """The open list facts that can be asked together with the first one (only exclusion facts)."""
    deciding = {q["fact"] for q in report.next_questions if q.get("qualifies")}
    group = [f for f in facts if f in GROUP_ITEMS and f not in deciding]
    return group[:GROUP_MAX] if facts[0] in group and len(group) > 1 else []


def next_question(report: MatchReport, skipped: list[str], voice: str = "self",
                  relation: str | None = None, lang: str = "en") -> Question | None:
    """The next question, worded for the speaker in their language; None when every candidate trial is decided."""
    facts = open_facts(report, skipped)
    if not facts:
        return None
    if "sex" in facts and facts[0] in SEX_SPECIFIC:  # a man is never asked about pregnancy
        facts = ["sex", *[f for f in facts if f != "sex"]]
    key = facts[0]
    group = yes_no_group(report, [f for f in facts if f not in SEX_SPECIFIC or "sex" not in facts])
    _ = words(lang)
    if group:
        items = "\n".join(f"- {_(GROUP_ITEMS[f])}" for f in group)
        lead = (_("Do any of these apply to you?") if voice == "self"
                else _("Do any of these apply to {who}?", who=subject(voice, relation, lang)))
        return Question(key, f"{lead}\n{items}", _("'none of these'"), {"group": group})
    definition = FACTS[key]
    detail: dict[str, Any] = {}
    text = definition.question
    example = definition.example
    params: dict[str, Any] = {}
    if key == "medications":
        detail = medication_detail(report)
        if detail.get("kind") == "since":
            text = asked("Since when has the patient been taking {name}?")
            example = marked("'for 8 months' or 'since March 2024'")
        elif detail.get("kind") == "before_icu":
            text = asked("When was {name} last given, compared with the admission to intensive care?")
            example = marked("'3 days before ICU admission' or 'not in the last month'")
        elif report.profile.medications.uses:
            text = asked("Is the patient taking any other medicines now, or has the patient taken any in the last "
                         "month?")
            example = marked("'no other medicines' or 'prednisolone for 2 weeks'")
        if detail.get("drug"):
            params["name"] = vocabulary().label(detail["drug"])
    return Question(key, phrase(text, voice, relation, lang, **params), _(example), detail)


_SELF = (
    (r"\bIs the patient\b", "Are you"), (r"\bis the patient\b", "are you"),
    (r"\bHas the patient\b", "Have you"), (r"\bhas the patient\b", "have you"),
    (r"\bwas the patient\b", "were you"), (r"\bdoes the patient\b", "do you"),
    (r"\bthe patient has\b", "you have"), (r"\bthe patient\b", "you"),
)
_THIRD = (
    (r"Could you \(or your partner, through you\) become pregnant\?",
     "Could {s} become pregnant, or make a partner pregnant?"),
    (r"\bAre you\b", "Is {s}"), (r"\bDo you have\b", "Does {s} have"), (r"\bWould you\b", "Would {s}"),
    (r"\bhave you\b", "has {s}"), (r"\byour\b", "{s}'s"),
)


def subject(voice: str, relation: str | None, lang: str = "en") -> str:
    """How the patient is named: "your daughter" for a caregiver who said so, else "the patient"."""
    _ = words(lang)
    if voice == "caregiver" and relation:
        return _("your {relation}", relation=words_for(relation) if relation in RELATIONS else relation)
    return _("the patient")


def phrase(question: str, voice: str, relation: str | None = None, lang: str = "en", **params: Any) -> str:
    """Word a fact's question for the speaker, in their language.

    English questions are written about "the patient" and turned to "you" or "your daughter" by rule. French and
    Dutch grammar does not allow that, so their catalogues give each question twice: asked of the person (context
    "you") and about someone else (context "they", naming them with {who})."""
    if lang != "en":
        _ = words(lang)
        if voice == "self":
            return _.ctx(YOU, question, **params)
        return _.ctx(THEY, question, who=subject(voice, relation, lang), **params)
    question = question.format(**params) if params else question
    if voice == "self":
        for pattern, repl in _SELF:
            question = re.sub(pattern, repl, question)
        return question
    who = subject(voice, relation)
    for pattern, repl in _THIRD:
        question = re.sub(pattern, repl.replace("{s}", "\0"), question)
    question = question.replace("the patient", "\1")
    return question.replace("\0", who).replace("\1", who)


def buttons_for(fact: str, offer_skip: bool, group: bool = False, lang: str = "en") -> list[dict[str, str]]:
    """Quick answers for a question; yes/no and skip go straight to their intents. A button that sends words
    sends the same English words in every language (bot.nlp reads its English names whatever the language)."""
    _ = words(lang)
    definition = FACTS.get(fact)
    buttons: list[dict[str, str]] = []
    if group:
        buttons.append({"title": _("None of these"), "payload": "/deny"})
    elif definition is not None and definition.type == "bool":
        buttons += [{"title": _("Yes"), "payload": "/affirm"}, {"title": _("No"), "payload": "/deny"}]
    elif fact == "sex":
        buttons += [{"title": _("Female"), "payload": "female"}, {"title": _("Male"), "payload": "male"}]
    elif fact == "eln_response":
        buttons += [{"title": _("Completely"), "payload": "complete response"},
                    {"title": _("Partly"), "payload": "partial response"},
                    {"title": _("Not at all"), "payload": "no response"}]
    elif fact in ("medications", "allergies"):
        buttons.append({"title": _("None"), "payload": "none"})
    buttons.append({"title": _("Skip this question") if offer_skip else _("I don't know"), "payload": "/dont_know"})
    buttons.append({"title": _("Show results so far"), "payload": "/show_results"})
    return buttons
