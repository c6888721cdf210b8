"""The answer for a patient or a caregiver: one trial in plain words, short.

A clinician gets every criterion with its numbers (replies.trial_lines); a patient gets what the trial is
about, why it may fit in a sentence, what is still unknown as a short list, where and when, and whom to ask.
The same summary goes to the widget's cards (`plain` in each result), so text and cards never disagree.
"""

from __future__ import annotations

from typing import Any

from bot.matching import TrialResult, line_weight

WHY_SHOWN = 2
UNKNOWN_SHOWN = 5
LABEL_CHARS = 90


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"


def why_words(result: TrialResult, diagnoses: frozenset[str]) -> list[str]:
    """The inclusion lines met that say most about the person: the condition first, then labs and treatments
    before age or sex."""
    met = [r for r in result.criteria
           if r.status == "met" and r.criterion.kind == "inclusion" and r.criterion.rule is not None]
    met.sort(key=lambda r: (set(r.criterion.rule.facts()) != {"diagnoses"}, -line_weight(r.criterion.rule, diagnoses)))
    return [_short(r.criterion.label) for r in met[:WHY_SHOWN]]


def where_words(result: TrialResult, country: str | None) -> str:
    """Cities by country, the person's country first: "Brest, Paris and Tours (France)"."""
    by_country: dict[str, list[str]] = {}
    for site in result.trial.sites:
        cities = by_country.setdefault(site.country, [])
        if site.city not in cities:
            cities.append(site.city)
    wanted = (country or "").strip().lower()
    ordered = sorted(by_country.items(), key=lambda item: item[0].lower() != wanted)
    return "; ".join(f"{_and(cities)} ({name})" for name, cities in ordered)


def when_words(result: TrialResult, country: str | None) -> str:
    """Recruitment in the person's country when the register gives it there, else everywhere."""
    wanted = (country or "").strip().lower()
    mine = [r for r in result.trial.recruitment if r.country.lower() == wanted]
    return "; ".join(r.display() for r in mine or result.trial.recruitment)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summary(result: TrialResult, diagnoses: frozenset[str], country: str | None, doctor: str) -> dict[str, Any]:
    """What the patient's answer says about one trial, as data (for the text and for the widget's card)."""
    data = result.to_dict()
    unknown = [m["label"] for m in data["missing"]]
    return {
        "about": data["plain_title"],
        "why": why_words(result, diagnoses),
        "unknown": unknown[:UNKNOWN_SHOWN],
        "unknown_more": max(0, len(unknown) - UNKNOWN_SHOWN),
        "team_checks": len(result.study_team_checks),  # it lists the open lines first, so none is counted twice
        "where": where_words(result, country),
        "when": when_words(result, country),
        "ask": (f"Give {doctor} the register ID {result.trial.id}: they can contact the study team, "
                "who decide whether someone can take part."),
    }


def lines(number: int, result: TrialResult, plain: dict[str, Any]) -> str:
    """One trial for a patient, in a few short lines."""
    out = [f"{number}. {plain['about']} (register ID {result.trial.id})"]
    if plain["why"]:
        out.append("Why it may fit: " + "; ".join(plain["why"]) + ".")
    if plain["unknown"]:
        more = f"\n- and {plain['unknown_more']} more" if plain["unknown_more"] else ""
        out.append("Still unknown:\n" + "\n".join(f"- {u}" for u in plain["unknown"]) + more)
    if plain["team_checks"]:
        out.append("The study team will also check a few things I can't.")
    out.append(f"Where: {plain['where'] or 'no site listed in the register yet'}.")
    out.append(f"When: {plain['when'] or 'not stated in the register'}.")
    out.append(plain["ask"])
    return "\n".join(out)
