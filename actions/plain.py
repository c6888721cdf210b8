"""The answer for a patient or a caregiver: one trial in plain words, short.

A clinician gets every criterion with its numbers (replies.trial_lines); a patient gets what the trial is
about, why it may fit in a sentence, what is still unknown as a short list, where and when, and whom to ask.
The same summary goes to the widget's cards (`plain` in each result), so text and cards never disagree.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import Country, all_of, localise, words
from bot.matching import TrialResult, line_weight

WHY_SHOWN = 2
UNKNOWN_SHOWN = 5
LABEL_CHARS = 90


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"


def why_words(result: TrialResult, diagnoses: frozenset[str], lang: str = "en") -> list[str]:
    """The inclusion lines met that say most about the person: the condition first, then labs and treatments
    before age or sex."""
    met = [r for r in result.criteria
           if r.status == "met" and r.criterion.kind == "inclusion" and r.criterion.rule is not None]
    met.sort(key=lambda r: (set(r.criterion.rule.facts()) != {"diagnoses"}, -line_weight(r.criterion.rule, diagnoses)))
    return [_short(localise(r.criterion.label, lang)) for r in met[:WHY_SHOWN]]


def where_words(result: TrialResult, country: str | None, lang: str = "en") -> str:
    """Cities by country, the person's country first: "Brest, Paris and Tours (France)"."""
    by_country: dict[str, list[str]] = {}
    for site in result.trial.sites:
        cities = by_country.setdefault(site.country, [])
        if site.city not in cities:
            cities.append(site.city)
    wanted = (country or "").strip().lower()
    ordered = sorted(by_country.items(), key=lambda item: item[0].lower() != wanted)
    return "; ".join(f"{localise(all_of(cities), lang)} ({localise(Country(name), lang)})" for name, cities in ordered)


def when_words(result: TrialResult, country: str | None, lang: str = "en") -> str:
    """Recruitment in the person's country when the register gives it there, else everywhere."""
    wanted = (country or "").strip().lower()
    mine = [r for r in result.trial.recruitment if r.country.lower() == wanted]
    return "; ".join(localise(r.display(), lang) for r in mine or result.trial.recruitment)


def summary(result: TrialResult, diagnoses: frozenset[str], country: str | None, doctor: str,
            lang: str = "en") -> dict[str, Any]:
    """What the patient's answer says about one trial, as data (for the text and for the widget's card), in the
    person's language."""
    _ = words(lang)
    unknown = [localise(m["label"], lang) for m in result.to_dict()["missing"]]
    title = result.trial.text("plain_title")
    return {
        "about": localise(title, lang),
        "english_only": lang != "en" and title is not None and not title.has(lang),
        "why": why_words(result, diagnoses, lang),
        "unknown": unknown[:UNKNOWN_SHOWN],
        "unknown_more": max(0, len(unknown) - UNKNOWN_SHOWN),
        "team_checks": len(result.study_team_checks),  # it lists the open lines first, so none is counted twice
        "where": where_words(result, country, lang),
        "when": when_words(result, country, lang),
        "ask": _("Give {doctor} the register ID {id}: they can contact the study team, who decide whether someone "
                 "can take part.", doctor=doctor, id=result.trial.id),
    }


def lines(number: int, result: TrialResult, plain: dict[str, Any], lang: str = "en") -> str:
    """One trial for a patient, in a few short lines."""
    _ = words(lang)
    out = [f"{number}. " + _("{title} (register ID {id})", title=plain["about"], id=result.trial.id)]
    if plain.get("english_only"):
        out.append(_("(The register gives this trial's texts in English only.)"))
    if plain["why"]:
        out.append(_("Why it may fit: {reasons}.", reasons="; ".join(plain["why"])))
    if plain["unknown"]:
        more = "\n- " + _("and {count} more", count=plain["unknown_more"]) if plain["unknown_more"] else ""
        out.append(_("Still unknown:") + "\n" + "\n".join(f"- {u}" for u in plain["unknown"]) + more)
    if plain["team_checks"]:
        out.append(_("The study team will also check a few things I can't."))
    out.append(_("Where: {where}.", where=plain["where"] or _("no site listed in the register yet")))
    out.append(_("When: {when}.", when=plain["when"] or _("not stated in the register")))
    out.append(plain["ask"])
    return "\n".join(out)
