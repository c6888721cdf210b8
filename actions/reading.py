"""One user message read in the context of the conversation.

`bot.nlp.extract` reads every fact a message states. A short answer to the question just asked
("45", "yes", "8 months", "none") says nothing on its own, so it is read again with the question's
term in front ("age 45", "hydroxyurea for 8 months"), still through `bot.nlp`, never by a parser here.
"I don't know" / "skip" leave the fact unknown; impossible values come back as problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actions.questions import GIVE_UP_AFTER
from actions.state import State
from bot.facts import FACTS, ValueRefused, format_value
from bot.i18n import localise, words
from bot.nlp import extract
from bot.nlp.extract import Extraction
from bot.nlp.spoken import normalise
from bot.nlp.values import days_ago
from bot.profile import Profile
from bot.vocab import vocabulary

# Intents of a message that asks something rather than tells: its facts are not kept ("what is anakinra?"
# must not record anakinra as a medicine taken).
QUESTION_INTENTS = {"ask_about_drug", "ask_what_happens", "ask_sites", "ask_how_to_join", "ask_what_is_trial",
                    "help", "out_of_scope"}
# Intents that interrupt the questions when the message carries no fact.
INTERRUPTIONS = QUESTION_INTENTS | {"abuse", "greet", "thank", "goodbye", "forget_me", "start_over"}
# Intents of a message that tries to answer the question asked.
ANSWERS = {"inform", "affirm", "deny", "dont_know", "nlu_fallback"}

# The word lists below read short answers in English, French and Dutch; their words do not clash across languages.
_QUESTION_SHAPE = re.compile(r"^\W*(what|what's|whats|how|where|when|who|which|why|is|are|can|could|does|do|"
                             r"will|would|should|tell me|explain|describe|qu'?est-ce|c'?est quoi|quel(?:le)?s?|"
                             r"comment|o[uù]|quand|pourquoi|est-ce|peut-on|pouvez|expliquez|explique|wat|hoe|waar|"
                             r"wanneer|wie|welke|waarom|kan|kunt|is er|zijn er|leg uit|vertel)\b", re.I)
_SKIP = re.compile(r"^\W*(skip|pass|next|no idea|not sure|unsure|i don'?t know|dont know|don'?t know|dunno|"
                   r"i'?m not sure|no clue|unknown|can'?t remember|i don'?t remember|je ne sais pas|je sais pas|"
                   r"sais pas|aucune id[ée]e|pas s[uû]re?|je ne me souviens pas|passer|suivant|inconnu|"
                   r"weet ik niet|ik weet het niet|weet niet|geen idee|niet zeker|overslaan|volgende|onbekend)\b",
                   re.I)
# Typed yes and no are read from the words; the intent alone decides only for a button ("/affirm", "/deny"): a
# classifier's guess about an odd message ("%s%s" came out as "deny") must never become a health fact.
_YES = re.compile(r"^\W*(yes|yeah|yep|yup|y|sure|correct|right|she is|he is|i am|they are|indeed|of course|"
                  r"definitely|absolutely|that'?s right|she does|he does|i do|she has|he has|i have|ja|jawel|"
                  r"zeker|klopt|inderdaad|natuurlijk|oui|ouais|si|exact|exactement|bien s[uû]r|tout [àa] fait|"
                  r"effectivement|c'?est [çc]a|en effet)\b", re.I)
_NO = re.compile(r"^\W*(no|nope|nah|n|not really|not at all|never|she isn'?t|he isn'?t|i'?m not|i am not|"
                 r"she doesn'?t|he doesn'?t|i don'?t|she hasn'?t|he hasn'?t|i haven'?t|none|negative|non|"
                 r"pas du tout|jamais|aucun|aucune|nee|neen|nooit|helemaal niet|geen|niet)\b"
                 r"(?!\s+(sure|certain|know|remember|recall|think|understand|idea|zeker|idee))", re.I)
_OTHERS_NOT = re.compile(r"\b(not|none of|no to|nothing)\s+(the\s+)?(others?|rest)\b|\bnothing else\b|"
                         r"\bthe (others|rest) (are )?(no|not)\b|\bpas les autres\b|\brien d'?autre\b|"
                         r"\bniet de (andere|rest)\b|\bverder niets\b|\bniets anders\b", re.I)
_NONE_OF = re.compile(r"\b(none of (these|them|those|that)|neither|not any of|aucun(e)? (de ces|d'?entre)|"
                      r"rien de (tout )?cela|ni l'?un ni l'?autre|geen van (deze|die|allen|alle)|geen enkele)\b", re.I)
_NONE = re.compile(r"^\W*(no|none|nothing|nope|no one|not any|nil|non|aucun|aucune|rien|nee|geen|niets|"
                   r"geen enkele)(\s+(known|that i know( of)?|i know of|at all|whatsoever|reported|documented|"
                   r"du tout|connue?s?|bekend|helemaal))?\W*$", re.I)
_NO_MEDS = re.compile(r"\b(nothing|none|no|not)\b.{0,30}\b(else|other|others|medicines?|medications?|meds|drugs?|"
                      r"anything|pills?)\b|\b(nothing|none) else\b|\b(aucun|pas de|rien)\b.{0,30}"
                      r"\b(m[ée]dicaments?|traitements?|autres?)\b|\brien d'?autre\b|\b(geen|niets)\b.{0,30}"
                      r"\b(medicijnen|medicatie|medicijn|geneesmiddelen|andere|anders)\b", re.I)
_DURATION = re.compile(r"^\W*(for|since|depuis|pendant|sinds|al)\s+\S", re.I)
_CORRECTION = re.compile(r"^\W*(no|nope|sorry|oops|actually|wait|i meant|correction|not|non|pardon|en fait|"
                         r"je voulais dire|nee|sorry|eigenlijk|ik bedoel|correctie)\b\W*(.*\d.*)$", re.I)
_DIGIT = re.compile(r"\d")
# "is there a trial of anakinra for me?": the medicine a trial tests, not one the person takes.
_STUDY_DRUG = re.compile(r"\b(?:trials?|stud(?:y|ies)|research)\s+(?:of|with|testing|using|on|giving|about|"
                         r"(?:that|which)\s+(?:tests?|uses?|gives?))\s+([\w-]+)", re.I)
_ELN = (("partial", re.compile(r"\b(never|not (completely|fully|entirely|quite)|jamais|pas (compl[èe]tement|"
                                r"tout [àa] fait|enti[èe]rement|totalement)|nooit|niet (helemaal|volledig|geheel))\b",
                                re.I)),
        ("none", re.compile(r"\b(not at all|no response|none|nothing|didn'?t|did not|no|pas du tout|aucune?|"
                             r"rien|non|helemaal niet|niet|geen|nee)\b", re.I)),
        ("partial", re.compile(r"\b(partly|partially|partial|somewhat|some|a bit|a little|incomplete|en partie|"
                               r"partiellement|partielle|un peu|gedeeltelijk|deels|een beetje)\b", re.I)),
        ("complete", re.compile(r"\b(complete|completely|fully|full|totally|normal|compl[èe]te(ment)?|"
                                r"totalement|normale?s?|volledig|helemaal|normaal)\b", re.I)))
# The word put in front of a bare number so that bot.nlp reads it as the fact asked about.
TERMS = {"age": "age", "weight": "weight", "platelets": "platelets", "neutrophils": "neutrophils",
         "haemoglobin": "haemoglobin", "haematocrit": "haematocrit", "wbc": "wbc", "ferritin": "ferritin",
         "alt": "ALT", "bilirubin": "bilirubin", "pt": "PT", "inr": "INR", "phoenix": "Phoenix",
         "vas_pruritus": "itching", "vas_fever": "fever", "vas_night_sweats": "night sweats",
         "vas_fatigue": "fatigue", "ecog": "ECOG", "karnofsky": "Karnofsky", "bmi": "BMI", "ast": "AST",
         "creatinine": "creatinine", "egfr": "eGFR", "creatinine_clearance": "creatinine clearance",
         "albumin": "albumin", "hba1c": "HbA1c", "systolic_bp": "systolic blood pressure",
         "diastolic_bp": "diastolic blood pressure", "lvef": "LVEF", "qtc": "QTc"}
@dataclass
class Reading:
    """What a message added: the facts (as a profile), problems, and whether it skipped the asked fact."""

    profile: Profile = field(default_factory=Profile)
    found: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    speaker: str = "self"
    relation: str | None = None
    unsure: list[str] = field(default_factory=list)


def pressed(state: State, intent: str) -> bool:
    """A button with this intent (its payload "/intent"), not words a classifier guessed it from."""
    return state.intent == intent and (state.text or "").startswith("/")


def asks_rather_than_tells(state: State) -> bool:
    """A question ("what is anakinra?") or a request to forget: its words are not facts about the patient."""
    if state.intent == "forget_me":
        return True
    return state.intent in QUESTION_INTENTS and bool(_QUESTION_SHAPE.match(state.text))


def _problems(items: list[ValueRefused], lang: str) -> list[dict[str, str]]:
    return [{"fact": p.fact, "message": localise(p.message, lang)} for p in items]


def _extract(text: str, lang: str, key: str | None = None) -> Extraction:
    """bot.nlp's reading in the person's language; words the assistant composed around a short answer ("age 45")
    are English, so when that reading misses the fact asked, the English one is tried."""
    found = extract(text, lang=lang)
    if key is None or key in found.found or lang == "en":
        return found
    again = extract(text, lang="en")
    return again if key in again.found else found


def read(state: State) -> Reading:
    """Read the latest message with bot.nlp, then as an answer to the question asked when it needs that."""
    text = state.text or ""
    if asks_rather_than_tells(state):  # a question: its words are not facts
        return Reading()
    if text.startswith("/"):  # a button payload ("/affirm", "/dont_know"): its intent is the answer
        text = ""
        reading = Reading()
    else:
        text = normalise(text, state.lang)  # "fifty-eight" as an answer to "how old?" is read like "58"
        extraction = extract(text, lang=state.lang)
        reading = Reading(extraction.profile, list(extraction.found), _problems(extraction.problems, state.lang),
                          speaker=extraction.speaker, relation=extraction.relation, unsure=list(extraction.unsure))
    if state.intent == "find_trials":
        _drop_study_drugs(reading, text, state.lang)
    asked = state.asked
    group = list((state.asking.get("detail") or {}).get("group") or ()) if asked else []
    if group:
        _answer_group(reading, group, text, state)
        return reading
    if reading.found or reading.problems:
        if asked and asked not in reading.found and FACTS[asked].type == "bool" and (
                _YES.match(text) or _NO.match(text)):
            _answer(reading, asked, text, state)  # "no, he was healthy before the leukaemia"
        return reading
    duration = _DURATION.match(text)
    undated = [u for u in state.profile.to_dict().get("medications", {}).get("taken", [])
               if u.get("current") and u.get("started_days_ago") is None and u.get("days_before_icu") is None]
    if duration and len(undated) == 1:  # "for about a year", just after naming a medicine
        again = _extract(f"{vocabulary().label(undated[0]['drug'])} {text}", state.lang, "medications")
        if "medications" in again.found:
            return Reading(again.profile, list(again.found), [], speaker=reading.speaker)
    correction = _CORRECTION.match(text)
    if correction and state.last_fact in TERMS:
        _answer(reading, state.last_fact, correction.group(2), state)
        if reading.found or reading.problems:
            return reading
    if asked:
        if state.intent == "dont_know" or _SKIP.match(text):
            reading.skipped = group or [asked]
        else:
            _answer(reading, asked, text, state)
    return reading


def _answer_group(reading: Reading, group: list[str], text: str, state: State) -> None:
    """An answer to "do any of these apply?".

    What it names is read by bot.nlp like any message; what it names with doubt ("not sure about infections")
    goes to the study team; "none of these" answers all the others no, and "not the others" those it did not
    name. A bare "yes" says nothing about which one, so it stays unanswered; "I don't know" skips them all.
    """
    if not reading.found and not reading.unsure and (state.intent == "dont_know" or _SKIP.match(text)):
        reading.skipped = list(group)
        return
    if reading.unsure:
        reading.skipped = [key for key in group if key in reading.unsure]
    rest = [key for key in group if key not in reading.found and key not in reading.skipped]
    named = any(key in reading.found for key in group) or bool(reading.skipped)
    if _OTHERS_NOT.search(text) or (not named and (
            pressed(state, "deny") or _NONE.match(text) or _NO.match(text) or _NONE_OF.search(text))):
        for key in rest:
            reading.profile.set(key, False)
            reading.found.append(key)


def _drop_study_drugs(reading: Reading, text: str, lang: str) -> None:
    """A request for trials of a medicine names what the trial gives, not what the person takes."""
    named = {use.drug for m in _STUDY_DRUG.finditer(text)
             for use in extract(m.group(1), lang=lang).profile.medications.uses}
    medications = reading.profile.medications
    if not named or not medications.uses:
        return
    medications.uses = [u for u in medications.uses if u.drug not in named]
    if medications.empty() and "medications" in reading.found:
        reading.found.remove("medications")


def _answer(reading: Reading, key: str, text: str, state: State) -> None:
    """Read a short answer as the value of one fact."""
    definition = FACTS[key]
    words = text.strip()
    composed: str | None = None
    direct: Any = None
    if definition.type == "bool":
        yes = pressed(state, "affirm") or bool(_YES.match(words))
        no = pressed(state, "deny") or bool(_NO.match(words))
        if yes != no:
            direct = yes
    elif key in TERMS and _DIGIT.search(words):
        composed = f"{TERMS[key]} {words}"
    elif key.endswith("_days_ago") and (_DIGIT.search(words) or words.lower() in ("today", "yesterday")):
        days = days_ago(words if "ago" in words.lower() else f"{words} ago")
        direct = days if days is not None else None
    elif key == "eln_response":
        direct = next((value for value, pattern in _ELN if pattern.search(words)), None)
    elif key == "sex":
        composed = words
    elif key == "country" and re.fullmatch(r"[A-Za-z .'-]{2,40}", words):
        composed = f"in {words}"
    elif key == "medications":
        detail = state.asking.get("detail") or {}
        if _NONE.match(words) or _NO_MEDS.search(words) or pressed(state, "deny"):
            composed = "no medications"
        elif detail.get("kind") == "since" and (_DIGIT.search(words) or re.search(r"\b(a|an|one)\s+(year|month)",
                                                                                 words, re.I)):
            lead = "" if re.match(r"^(for|since)\b", words, re.I) else "for "
            composed = f"{detail.get('name', '')} {lead}{words}" if detail else None
        elif detail.get("kind") == "before_icu" and words:
            tail = "" if re.search(r"\b(before|prior)\b", words, re.I) else " before ICU admission"
            composed = f"{detail.get('name', '')} {words}{tail}"
    elif key == "allergies" and (_NONE.match(words) or pressed(state, "deny")):
        composed = "no allergies"
    if direct is not None:
        try:
            reading.profile.set(key, direct)
            reading.found.append(key)
        except ValueRefused as problem:
            reading.problems += _problems([problem], state.lang)
        return
    if composed:
        again = _extract(composed, state.lang, key)
        if key in again.found:
            reading.profile = again.profile
            reading.found = list(again.found)
        reading.problems += [p for p in _problems(again.problems, state.lang) if p["fact"] == key]


def apply(state: State, reading: Reading, answer_like: bool, open_after: Callable[[Profile], list[str]]
          ) -> dict[str, Any]:
    """Merge a reading into the state; returns the turn record (notes to confirm, problems, outcome).

    open_after(profile) gives the facts still worth asking once the reading is merged.
    """
    _ = words(state.lang)
    before = state.profile.to_dict()
    changed = state.profile.update(reading.profile)
    notes = notes_for(changed, before, state.profile, state.lang)
    asked = state.asked
    if reading.speaker == "caregiver":
        state.voice = "caregiver"
        state.relation = reading.relation or state.relation
    elif reading.speaker == "clinician" and state.voice == "self":
        state.voice = "clinician"
    for key in changed:
        if key in state.skipped:
            state.skipped.remove(key)
    scalar = [k for k in reading.found if k in TERMS]
    if len(scalar) == 1:
        state.last_fact = scalar[0]
    still_open = open_after(state.profile)
    for key in reading.found:
        if key not in still_open:
            state.misses.pop(key, None)
    outcome = "answered" if reading.found else "none"
    if reading.skipped:
        outcome = "skip"
        state.skipped += [key for key in reading.skipped if key not in state.skipped]
        joiner = _("and the")
        labels = f" {joiner} ".join(localise(FACTS[key].named, state.lang) for key in reading.skipped)
        notes.append(_("That's fine: the study team will check the {labels}.", labels=labels))
    elif reading.problems:
        outcome = "problem"
        for problem in reading.problems:
            if problem["fact"] in FACTS:
                state.misses[problem["fact"]] = state.misses.get(problem["fact"], 0) + 1
    elif asked and answer_like and not reading.found:
        outcome = "miss"
        state.misses[asked] = state.misses.get(asked, 0) + 1
    elif asked and asked in reading.found and asked in still_open:
        outcome = "partial"  # an answer that leaves the question open ("hydroxyurea" — but since when?)
        if asked not in changed:  # no progress either: count it, so the question is not asked for ever
            state.misses[asked] = state.misses.get(asked, 0) + 1
    elif asked and answer_like and asked not in reading.found and asked in still_open:
        # other facts, but not the one asked ("he was healthy before the leukaemia"): a miss for the question
        state.misses[asked] = state.misses.get(asked, 0) + 1
    for key, count in list(state.misses.items()):
        if count >= GIVE_UP_AFTER and key in still_open and key not in state.skipped:
            state.skipped.append(key)
            notes.append(_("Let's leave the {label} to the study team.", label=FACTS[key].named))
    return {"notes": notes, "problems": reading.problems, "outcome": outcome, "found": reading.found,
            "skipped": reading.skipped, "asked": asked}


def notes_for(changed: list[str], before: dict[str, Any], profile: Profile, lang: str = "en") -> list[str]:
    """Sentences confirming what a message changed: one "Noted: ..." for new facts, one sentence per correction."""
    _ = words(lang)
    new: list[str] = []
    corrections: list[str] = []
    data = profile.to_dict()
    for key in changed:
        definition = FACTS[key]
        now = describe_value(key, data.get(key), lang)
        if key not in before:
            new.append(_("{label} {value}", label=definition.named, value=now)
                       if definition.type in ("quantity", "score")
                       else _("{label}: {value}", label=definition.named, value=now))
        elif key in ("diagnoses", "allergies", "medications"):
            corrections.append(_("I've updated the {label}: {value}.", label=definition.named, value=now))
        else:
            old = describe_value(key, before[key], lang)
            corrections.append(_("I've changed the {label} to {value} (it was {old}).", label=definition.named,
                                 value=now, old=old))
    return ([_("Noted: {facts}.", facts="; ".join(new))] if new else []) + corrections


def describe_value(key: str, value: Any, lang: str = "en") -> str:
    """A fact's value in words, from its to_dict form, in the person's language."""
    _ = words(lang)
    voc = vocabulary()
    definition = FACTS[key]
    if value is None:
        return _("unknown")
    if key in ("diagnoses", "allergies") and isinstance(value, dict):
        has = [localise(voc.label(c), lang) for c in value.get("has") or ()]
        denied = [_("not {name}", name=voc.label(c)) for c in value.get("not") or ()]
        return ", ".join(has + denied) or _("none")
    if key == "medications" and isinstance(value, dict):
        parts = [_use_words(use, lang) for use in value.get("taken") or ()]
        parts += [_("not {name}", name=voc.label(d)) for d in value.get("not") or ()]
        if not parts:
            return _("none")
        if value.get("complete"):
            parts.append(_("no other medicines"))
        return ", ".join(parts)
    return localise(format_value(definition, value), lang)


def _use_words(use: dict[str, Any], lang: str) -> str:
    _ = words(lang)
    name = vocabulary().label(use.get("drug", ""))
    if use.get("days_before_icu") is not None:
        return _("{name} (last given {days} days before intensive care)", name=name,
                 days=round(use["days_before_icu"]))
    if use.get("current") is False:
        days = use.get("stopped_days_ago")
        if days is None:
            return _("{name} (stopped)", name=name)
        months = days / (365.25 / 12)
        if months >= 1.5:
            return _("{name} (stopped about {months} months ago)", name=name, months=round(months))
        if months >= 0.9:
            return _("{name} (stopped about a month ago)", name=name)
        return _("{name} (stopped {days} days ago)", name=name, days=round(days))
    started = use.get("started_days_ago")
    if started is not None:
        months = started / (365.25 / 12)
        if months >= 1:
            return _("{name} (taken now, for {months} months)", name=name, months=round(months))
        return _("{name} (taken now, for {days} days)", name=name, days=round(started))
    return _("{name} (taken now)", name=name)
