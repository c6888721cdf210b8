"""Free text to patient facts: "6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500" becomes a Profile.

Values that cannot be true are not stored; they come back as problems with a message
to show the person, so one bad number never spoils the facts read alongside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from babel import Locale
from spacy.tokens import Doc, Span

from bot.facts import FACTS, ValueRefused
from bot.i18n import Number, marked, phrase
from bot.nlp import dates
from bot.nlp.closed_list import closes_medicine_list
from bot.nlp.grammar import grammar
from bot.nlp.pipeline import analyse
from bot.nlp.spoken import normalise
from bot.nlp.values import days_ago, read_ages, read_value_after, read_weights, span_days
from bot.profile import MedicationUse, Profile
from bot.vocab import strip_accents, vocabulary

MAX_CHARS = 2000
_COUNTRIES = {"france": "France", "netherlands": "Netherlands", "the netherlands": "Netherlands",
              "holland": "Netherlands", "belgium": "Belgium", "germany": "Germany", "spain": "Spain",
              "italy": "Italy", "united states": "United States", "usa": "United States", "us": "United States",
              "united kingdom": "United Kingdom", "uk": "United Kingdom", "greece": "Greece", "poland": "Poland",
              "singapore": "Singapore", "canada": "Canada", "denmark": "Denmark", "norway": "Norway",
              "switzerland": "Switzerland", "austria": "Austria", "sweden": "Sweden"}
# French and Dutch names of the same countries come from babel's locale data ("Pays-Bas", "Frankrijk").
_TERRITORIES = {"France": "FR", "Netherlands": "NL", "Belgium": "BE", "Germany": "DE", "Spain": "ES", "Italy": "IT",
                "United States": "US", "United Kingdom": "GB", "Greece": "GR", "Poland": "PL", "Singapore": "SG",
                "Canada": "CA", "Denmark": "DK", "Norway": "NO", "Switzerland": "CH", "Austria": "AT",
                "Sweden": "SE"}
_EXTRA_COUNTRY_NAMES = {"fr": {"hollande": "Netherlands", "états-unis": "United States", "etats-unis": "United States",
                               "angleterre": "United Kingdom"},
                        "nl": {"holland": "Netherlands", "amerika": "United States", "engeland": "United Kingdom"}}


@lru_cache(maxsize=3)
def _countries(lang: str) -> tuple[dict[str, str], re.Pattern[str]]:
    """Country names (lower case) to their English name, and the pattern of a country after a preposition."""
    if lang == "en":
        names = _COUNTRIES
    else:
        territories = Locale.parse(lang).territories
        names = {territories[code].lower(): english for english, code in _TERRITORIES.items()}
        names.update({strip_accents(n): e for n, e in names.items()})
        names.update(_EXTRA_COUNTRY_NAMES[lang])
    alternatives = "|".join(sorted((re.escape(c) for c in names), key=len, reverse=True))
    words = grammar(lang).country_words
    return names, re.compile(rf"\b(?:{words})\s+(?:la\s+|le\s+|l'|het\s+)?({alternatives})(?!\w)", re.I)
_COUNT_FACTS = {"platelets", "neutrophils", "wbc"}
# Platelet counts without a unit between these bounds may be G/L (1,200 in essential thrombocythaemia) or per µL
# (1.2 G/L): the unit is asked, never guessed, since either reading decides trials the opposite way.
_AMBIGUOUS_PLATELETS = (1000, 10000)
# What one answer to a yes/no fact says about another: no infection now means none that keep coming back, and
# being in a drug trial means being in a trial.
_IMPLIES = {("infection", False): ("recurrent_infections", False), ("other_trial_drug", True): ("other_trial", True)}
_MARKUP = re.compile(r"<[^<>]{0,200}>")  # markup is dropped before reading: facts come from the words only


@dataclass
class Extraction:
    """What one message said: the facts, the values refused, and who is speaking."""

    profile: Profile
    problems: list[ValueRefused] = field(default_factory=list)
    speaker: str = "self"
    found: list[str] = field(default_factory=list)
    relation: str | None = None  # "daughter" in "my daughter is 6": whom a caregiver speaks for
    unsure: list[str] = field(default_factory=list)  # yes/no facts named with doubt ("not sure about infections")

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile.to_dict(), "speaker": self.speaker,
                "problems": [{"fact": p.fact, "message": p.message} for p in self.problems]}


class _Reader:
    """Collects facts from one document; each method handles one kind of entity."""

    def __init__(self, text: str, doc: Doc, today: date, lang: str = "en") -> None:
        self.text = text
        self.doc = doc
        self.today = today
        self.lang = lang
        self.grammar = grammar(lang)
        self.profile = Profile()
        self.problems: list[ValueRefused] = []
        self.found: list[str] = []
        self.used: list[tuple[int, int]] = []

    def set(self, key: str, value: Any, unit: str | None = None) -> None:
        try:
            self.profile.set(key, value, unit)
            self.found.append(key)
        except ValueRefused as problem:
            if not any(p.fact == key for p in self.problems):
                self.problems.append(problem)

    def clause_of(self, ent: Span) -> tuple[int, int]:
        """Character range of the punctuation-bounded stretch around an entity."""
        start = max((m.end() for m in re.finditer(r"[;.!?\n]|,(?!\d)", self.text[: ent.start_char])), default=0)
        tail = re.search(r"[;.!?\n]|,(?!\d)", self.text[ent.end_char:])
        end = ent.end_char + tail.start() if tail else len(self.text)
        return start, end

    def clause_has(self, ent: Span, labels: set[str]) -> bool:
        start, end = self.clause_of(ent)
        return any(e.label_ in labels and start <= e.start_char < end for e in self.doc.ents if e is not ent)

    def lab(self, ent: Span) -> None:
        key = ent.ent_id_
        reading = read_value_after(self.text, ent.end_char, self.lang)
        if reading is None:
            if not ent._.negated and key != "weight":
                definition = FACTS[key]
                self.problems.append(ValueRefused(key, phrase(
                    "I couldn't read a number for the {label}. For example: {example}.", label=definition.named,
                    example=definition.example_words)))
            return
        self.used.append((ent.start_char, reading.end))
        if reading.unknown_unit:
            self.problems.append(ValueRefused(key, phrase(
                "I don't know the unit '{unit}' for the {label}. For example: {example}.", unit=reading.unknown_unit,
                label=FACTS[key].named, example=FACTS[key].example_words)))
            return
        unit = reading.unit
        if unit is None and key == "platelets" and _AMBIGUOUS_PLATELETS[0] <= reading.number < _AMBIGUOUS_PLATELETS[1]:
            self.problems.append(ValueRefused(key, phrase(
                "Is that a platelet count of {number} G/L, or {number} per µL? Please say it with its unit, for "
                "example: {example}.", number=Number(reading.number), example=FACTS[key].example_words)))
            return
        if unit is None and key in _COUNT_FACTS and reading.number >= 1000:
            unit = "/uL"
        if unit is None and key == "haemoglobin" and reading.number < 25:
            unit = "g/dL"
        if unit is None and key == "weight":
            unit = "kg"
        self.set(key, reading.number, unit)

    def symptom(self, ent: Span) -> None:
        reading = read_value_after(self.text, ent.end_char, self.lang)
        if reading and (reading.out_of_ten or reading.unit is None) and not ent._.negated:
            self.used.append((ent.start_char, reading.end))
            self.set(ent.ent_id_, reading.number)
        elif ent._.negated:
            self.set(ent.ent_id_, 0)

    def flag(self, ent: Span) -> None:
        key = ent.ent_id_
        value = not ent._.negated
        if key == "contraception" and not ent._.negated:
            start, _ = self.clause_of(ent)
            before = self.text[start:ent.start_char].lower()
            value = not self.grammar.unwilling.search(before)
        implied = _IMPLIES.get((key, value))
        if implied and implied[0] not in self.profile.values:
            self.set(*implied)
        if f"{key}_days_ago" in FACTS and value:  # "in the ICU since 2 days ago", "radiotherapy 3 months ago"
            start, end = self.clause_of(ent)
            ago = days_ago(self.text[start:end], self.lang)
            if ago is not None:
                self.set(f"{key}_days_ago", ago)
        self.set(key, value)

    def diagnosis(self, ent: Span) -> None:
        code = ent.ent_id_
        if code == "e_coli_proteins" or self.clause_has(ent, {"ALLERGY"}):
            (self.profile.allergies.denied if ent._.negated else self.profile.allergies.asserted).add(code)
            self.found.append("allergies")
            return
        if _qualified_elsewhere(ent):
            return
        target = self.profile.diagnoses.denied if ent._.negated else self.profile.diagnoses.asserted
        target.add(code)
        self.found.append("diagnoses")

    def drug(self, ent: Span, drugs: list[Span]) -> None:
        code = ent.ent_id_
        if self.clause_has(ent, {"ALLERGY", "NOALLERGY"}):  # "allergic to anakinra", "no known allergy to it"
            denied = ent._.negated or self.clause_has(ent, {"NOALLERGY"})
            (self.profile.allergies.denied if denied else self.profile.allergies.asserted).add(code)
            self.found.append("allergies")
            return
        self.found.append("medications")
        start, end = self.clause_of(ent)
        # "stopped" before the name in English; in Dutch also after it ("ik gebruik geen Ascal meer")
        said = self.text[start:ent.start_char] if self.lang == "en" else self.text[start:end]
        if ent._.negated and not self.grammar.stopped.search(said):
            self.profile.medications.denied.add(code)
            return
        self.profile.medications.add(self._timing(ent, drugs))

    def _timing(self, ent: Span, drugs: list[Span]) -> MedicationUse:
        start, end = self.clause_of(ent)
        earlier = [d.end_char for d in drugs if d.end_char <= ent.start_char and d.end_char > start]
        later = [d.start_char for d in drugs if d.start_char >= ent.end_char and d.start_char < end]
        window = self.text[max(earlier, default=start): min(later, default=end)]
        use = MedicationUse(drug=ent.ent_id_)
        g = self.grammar
        before_icu = g.before_icu.search(window)
        if before_icu:
            use.days_before_icu = span_days(before_icu.group(1), self.lang)
            use.current = False
            return use
        stopped = g.stopped.search(window)
        if stopped:
            use.current = False
            after = window[stopped.end():]
            stop = self._date_days_ago(after, "stopped")
            use.stopped_days_ago = stop if stop is not None else (span_days(after, self.lang)
                                                                  or span_days(window, self.lang))
            return use
        duration = g.duration.search(window)
        started = self._started_days_ago(window, duration)
        if started is None and not duration and not later:
            # "hydroxyurea, for about three years I think": the time span in the next comma clause
            follow = g.following_span.match(self.text[end:])
            if follow and not any(d.start_char >= end and d.start_char < end + follow.end() for d in drugs):
                window = follow.group(1)
                duration = g.duration.search(window)
                started = self._started_days_ago(window, duration)
        if started is not None or duration:
            use.started_days_ago = started
            use.current = not g.was.search(window)
            return use
        if g.past.search(window):
            use.current = False
            use.stopped_days_ago = span_days(window, self.lang)
            return use
        use.current = True
        return use

    def _date_days_ago(self, text: str, what: str, words: tuple[str, ...] | None = None) -> float | None:
        """Days since a calendar date in text; a date still ahead is a problem to show, not a fact."""
        days = dates.date_days_ago(text, self.today, words, self.lang)
        if days is not None and days < 0:
            if not any(p.fact == "medications" for p in self.problems):
                template = (marked("The date it stopped seems to be in the future. Could you check it? For example: "
                                   "'since March 2024' or 'for 8 months'.") if what == "stopped" else
                            marked("The date it started seems to be in the future. Could you check it? For example: "
                                   "'since March 2024' or 'for 8 months'."))
                self.problems.append(ValueRefused("medications", phrase(template)))
            return None
        return days

    def _started_days_ago(self, window: str, duration: re.Match[str] | None) -> float | None:
        """A start as a date ("since March 2024", "started it in 2023"), a span ("for 8 months") or a time ago
        ("started it 3 months ago"), in that order. Without a verb of starting only "since" and "from" date a
        start: in "hydroxyurea for PV diagnosed in 2019" the year is the diagnosis's."""
        g = self.grammar
        words = g.when_words if g.start_verb.search(window) else g.start_when_words
        days = self._date_days_ago(window, "started", words)
        if days is None and duration:
            days = span_days(duration.group(1), self.lang)
        if days is None and g.started.search(window):
            days = days_ago(window, self.lang)
        return days

    def drug_class(self, ent: Span) -> None:
        if ent._.negated and not self.clause_has(ent, {"ALLERGY"}):
            self.profile.medications.denied.add(ent.ent_id_)
            self.found.append("medications")

    def ages_and_weights(self) -> None:
        ages = [a for a in read_ages(self.text, self.lang) if not any(s <= a.start < e for s, e in self.used)]
        for age in ages[:1]:
            self.set("age", age.years_or_count, age.unit)
            if age.sex:
                self.set("sex", age.sex)
        if "weight" not in self.profile.values:
            for number, unit, start, _end in read_weights(self.text):
                if not any(s <= start < e for s, e in self.used):
                    self.set("weight", number, unit)
                    break

    def speaker_and_relation(self) -> tuple[str, str | None]:
        g = self.grammar
        relation = g.caregiver.search(self.text)
        if relation:
            who = g.relations.get(relation.group(1).lower(), relation.group(1).lower())
            sex = g.relation_sex.get(who)
            if sex and "sex" not in self.profile.values:
                self.set("sex", sex)
            return "caregiver", who
        return ("clinician" if g.clinician.search(self.text) else "self"), None

    def country(self) -> None:
        names, pattern = _countries(self.lang)
        match = pattern.search(self.text)
        if match:
            self.set("country", names[match.group(1).lower()])


# Words before a disease name that leave it what it says ("known hypertension", "uncontrolled diabetes").
_PLAIN_MODIFIERS = frozenset("""essential chronic acute severe mild moderate known controlled uncontrolled diagnosed
confirmed treated untreated active stable unstable recent previous prior bronchial atopic diabetic medical clinical
general total partial primary""".split())


def _qualified_elsewhere(ent: Span) -> bool:
    """An ICD-10 name right after an organ or kind word that makes another disease ("pulmonary hypertension",
    "gestational diabetes"): not stored, since the wider category would be wrong; the curated names decide their
    own words."""
    if ent.start == 0 or vocabulary().concepts[ent.ent_id_].curated:
        return False
    before = ent.doc[ent.start - 1]
    return (before.is_alpha and before.lower_ not in _PLAIN_MODIFIERS
            and re.search(r"(?:ary|al|ic|ous|ive|ial|ar|ile)$", before.lower_) is not None)


def extract(text: str, today: date | None = None, lang: str = "en") -> Extraction:
    """Read every fact a message states, reading it as lang ("en", "fr" or "nl"); impossible values come back as
    problems, not facts.

    Number words become digits first (bot.nlp.spoken), so every reader sees one normalised text. Dates are
    counted back from today (dates.today() unless given). Names of diagnoses, medicines and labs are known in all
    three languages whatever lang is; the grammar words around them (negation, doubt, ages, time) are lang's.
    """
    problems: list[ValueRefused] = []
    if len(text) > MAX_CHARS:
        problems.append(ValueRefused("message", phrase(
            "That message is very long; I read only the first {count} characters. Could you send the rest in a "
            "shorter message?", count=MAX_CHARS)))
        text = text[:MAX_CHARS]
    text = normalise(_MARKUP.sub(" ", text).replace("μ", "µ"), lang)
    doc = analyse(text, lang)
    reader = _Reader(text, doc, today or dates.today(), lang)
    reader.problems.extend(problems)
    drugs = [e for e in doc.ents if e.label_ == "DRUG"]
    for ent in doc.ents:
        if ent._.hedged:  # "not sure about infections": neither yes nor no
            continue
        label = ent.label_
        if label == "LAB":
            reader.lab(ent)
        elif label == "SYMPTOM":
            reader.symptom(ent)
        elif label == "FLAG":
            reader.flag(ent)
        elif label == "INFERTILE" and not ent._.negated:
            reader.set("fertile", False)
        elif label == "NOT_FLAG" and not ent._.negated:
            reader.set(ent.ent_id_, False)  # words that answer a yes/no fact with no ("ruxolitinib for GVHD")
        elif label == "DIAG":
            reader.diagnosis(ent)
        elif label == "DRUG":
            reader.drug(ent, drugs)
        elif label == "CLASS":
            reader.drug_class(ent)
        elif label == "ONLY" and closes_medicine_list(ent):
            reader.profile.medications.complete = True
            reader.found.append("medications")
        elif label == "NOMEDS":
            reader.profile.medications.complete = True
            reader.found.append("medications")
        elif label == "NOALLERGY":
            reader.profile.allergies.none = True
            reader.found.append("allergies")
        elif label == "ALLERGY" and ent._.negated and not reader.clause_has(ent, {"DRUG", "DIAG"}):
            reader.profile.allergies.none = True
            reader.found.append("allergies")
        elif label == "ELN" and not ent._.negated:
            # ELN response in PV: complete means normal counts. Counts that "never normalised" or are "still too
            # high" are read as partial (some response is the likelier case), none only when the words say no
            # response at all ("did not respond", "counts didn't come down"); patterns/terms.jsonl holds them.
            reader.set("eln_response", ent.ent_id_)
        elif label == "SEX" and "sex" not in reader.profile.values:
            reader.set("sex", ent.ent_id_)
    reader.ages_and_weights()
    speaker, relation = reader.speaker_and_relation()
    reader.country()
    unsure = [e.ent_id_ for e in doc.ents if e._.hedged and e.label_ == "FLAG" and e.ent_id_ in FACTS]
    return Extraction(reader.profile, reader.problems, speaker, list(dict.fromkeys(reader.found)), relation,
                      list(dict.fromkeys(unsure)))
