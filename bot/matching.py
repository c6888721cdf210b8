"""Verdicts per trial, the reasons in words and numbers, ranking, and the next most useful question.

"eligible" here is the matcher's technical verdict (every checkable rule decided in the
person's favour); what a person is told is only that a trial may fit and that the study
team decides.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot import collector
from bot.catalog.trial import Criterion, Trial
from bot.criteria import Combine, Reasons, Rule, WithinConcepts
from bot.facts import FACTS
from bot.i18n import Country, joined, phrase
from bot.profile import Profile
from bot.vocab import vocabulary

# Asked first whatever the counts say: without them no trial can be placed at all.
FIRST_FACTS = ("diagnoses", "age")
# How much an inclusion line met with the person's own facts says that a trial is meant for them: the disease
# most, then the labs, scores and treatments that define it, then anything else; age, sex and size least.
GENERIC_FACTS = ("age", "sex", "weight", "height")
DIAGNOSIS_WEIGHT, MEASURE_WEIGHT, MEDICATION_WEIGHT, OTHER_WEIGHT, GENERIC_WEIGHT = 4.0, 3.0, 2.0, 1.0, 0.5


@dataclass
class CriterionResult:
    """How one criterion came out: met (good for the person), failed, unknown, or manual."""

    criterion: Criterion
    status: str
    given: Reasons = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    details: list[dict[str, str]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """The reasons in words, worded when first read (see criteria.Reasons)."""
        if callable(self.given):
            self.given = self.given()
        return self.given

    def sentence(self) -> str:
        c = self.criterion
        if self.status == "failed":
            head = phrase("Excluded") if c.kind == "exclusion" else phrase("Not met")
        elif self.status == "met":
            head = phrase("Not excluded") if c.kind == "exclusion" else phrase("Meets")
        elif self.open_against:
            head = phrase("May exclude") if c.kind == "exclusion" else phrase("May not meet")
        else:
            head = phrase("Unknown")
        text = phrase("{head}: {label}", head=head, label=c.label)
        if self.reasons:
            text = phrase("{text} — {detail}", text=text, detail=joined(self.reasons, "; "))
        if self.open_against and c.partial and c.also_check:
            text = phrase("{text}; the study team checks {what}", text=text, what=c.also_check)
        return text

    @property
    def open_against(self) -> bool:
        """Unknown with no fact left to ask: what was checked leaves the line open against the person,
        and only the study team can settle it (a qualifier the rule does not check, a borderline diagnosis)."""
        return self.status == "unknown" and not self.missing

    @property
    def to_check(self) -> str | None:
        """For an open line, what the study team checks, in words."""
        if not self.open_against:
            return None
        c = self.criterion
        return c.also_check if c.partial and c.also_check else "; ".join(self.reasons) or c.also_check

    def to_dict(self) -> dict[str, Any]:
        c = self.criterion
        return {"id": c.id, "kind": c.kind, "label": c.label, "text": c.text, "status": self.status,
                "reasons": self.reasons, "missing": self.missing,
                "manual": c.manual, "also_check": c.also_check, "partial": c.partial, "note": c.note,
                "open_against": self.open_against, "to_check": self.to_check, "origin": c.origin}


@dataclass
class TrialResult:
    trial: Trial
    verdict: str
    criteria: list[CriterionResult]

    @property
    def failed(self) -> list[CriterionResult]:
        return [r for r in self.criteria if r.status == "failed"]

    @cached_property
    def missing(self) -> list[str]:
        """Computed once: ranking and the next question read it for every trial."""
        return list(dict.fromkeys(m for r in self.criteria if r.status == "unknown" for m in r.missing))

    @property
    def reasons(self) -> list[str]:
        """Failures first (why it does not fit), then what may still rule it out, then what was checked in the
        person's favour."""
        first = [r.sentence() for r in self.failed] + [r.sentence() for r in self.open_against]
        return first + [r.sentence() for r in self.criteria if r.status == "met"]

    @property
    def open_against(self) -> list[CriterionResult]:
        """Lines the checked facts leave open against the person: only the study team can settle them."""
        return [r for r in self.criteria if r.open_against]

    @property
    def study_team_checks(self) -> list[str]:
        """What the study team settles: first the lines that may go against the person, then the rest and notes."""
        checks = [r.sentence() for r in self.open_against]
        checks += [phrase("{label}: {what}", label=r.criterion.label, what=r.criterion.manual)
                   for r in self.criteria if r.status == "manual"]
        checks += [phrase("{label}: {what}", label=r.criterion.label, what=r.criterion.also_check)
                   for r in self.criteria if r.criterion.also_check and r.status != "manual" and not r.open_against]
        checks += [phrase("{label} (note): {note}", label=r.criterion.label, note=r.criterion.note)
                   for r in self.criteria if r.criterion.note]
        return checks

    def to_dict(self) -> dict[str, Any]:
        data = self.trial.data
        return {
            "trial_id": self.trial.id,
            "register_ids": [r["id"] for r in data["register_ids"]],
            "title": self.trial.text("title"),
            "plain_title": self.trial.text("plain_title"),
            "phase": data.get("phase"),
            "origin": data.get("origin", "curated"),
            "sponsor": data.get("sponsor"),
            "sponsor_verified": data.get("sponsor_verified", True),
            "verdict": self.verdict,
            "reasons": self.reasons,
            "missing": [{"fact": key, "label": FACTS[key].named, "question": FACTS[key].question}
                        for key in self.missing],
            "study_team_checks": self.study_team_checks,
            "sites": [{"name": s.name, "city": s.city, "country": s.country, "verified": s.verified,
                       "display": s.display()} for s in self.trial.sites],
            "recruitment": [{"country": r.country, "status": r.status, "start": r.start, "display": r.display()}
                            for r in self.trial.recruitment],
            "criteria": [r.to_dict() for r in self.criteria],
        }


@dataclass
class MatchReport:
    """Every checked trial in ranked order (callers page through it), with how the order was made.

    stats: trials in the catalogue, passed the prefilter, evaluated, and milliseconds, when a catalogue made
    it; other_conditions: trials about other conditions than the person's, counted but not checked.
    """

    profile: Profile
    results: list[TrialResult]
    next_questions: list[dict[str, Any]]
    closed_left_out: int = 0
    order_note: str = ""
    other_conditions: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    notice: str = ""  # what could not be searched, for the person (e.g. the trial database is down)
    ruled_out: int = 0  # stored trials the prefilter left out: their age, sex or diagnosis limits rule the person out
    unchecked: int = 0  # trials that passed the prefilter beyond the bound on trials checked for one answer

    @property
    def fitting(self) -> list[TrialResult]:
        return [r for r in self.results if r.verdict != "ineligible"]

    @property
    def not_fitting(self) -> list[TrialResult]:
        return [r for r in self.results if r.verdict == "ineligible"]

    def to_dict(self, limit: int | None = None, offset: int = 0) -> dict[str, Any]:
        """The report as JSON: the trials that may fit from offset on (at most limit of them), then those that
        do not fit (all of them without a limit, else only their count beyond the first few)."""
        fitting, failing = self.fitting, self.not_fitting
        shown = fitting[offset:offset + limit] if limit is not None else fitting[offset:]
        if limit is not None:
            failing = failing[:NOT_FITTING_LISTED] if offset == 0 else []
        out = {
            "profile": self.profile.to_dict(),
            "results": [r.to_dict() for r in shown + failing],
            "next_questions": self.next_questions,
            "closed_trials_left_out": self.closed_left_out,
            "other_conditions_left_out": self.other_conditions,
            "ruled_out_by_limits": self.ruled_out,
            "not_checked": self.unchecked,
            "order": self.order_note,
            "counts": {"may_fit": len(fitting), "do_not_fit": len(self.not_fitting), "shown_from": offset,
                       "may_fit_shown": len(shown), "do_not_fit_shown": len(failing)},
        }
        if self.stats:
            out["stats"] = self.stats
        if self.notice:
            out["notice"] = self.notice
        return out


# With a page size, only this many trials that do not fit are listed; the rest are counted.
NOT_FITTING_LISTED = 3


def evaluate_criterion(criterion: Criterion, profile: Profile) -> CriterionResult:
    """The line's status from its rule's value, deciding only in the directions the rule covers.

    A partial rule decides its line one way only: a necessary part can show the line false, a
    sufficient case can show it true. When the rule's value does not decide the line, the line is
    left open: in the person's favour it counts as met with the rest for the study team (as a
    manual check would), against the person it is unknown, never failed.
    """
    if criterion.rule is None:
        return CriterionResult(criterion, "manual")
    outcome = criterion.rule.evaluate(profile)
    if outcome.value is None:
        return CriterionResult(criterion, "unknown", outcome.given, outcome.missing, outcome.details)
    line_open = (criterion.partial == "necessary" and outcome.value) or (
        criterion.partial == "sufficient" and not outcome.value)
    good = outcome.value if criterion.kind == "inclusion" else not outcome.value
    if line_open and not good:
        return CriterionResult(criterion, "unknown", outcome.given)
    return CriterionResult(criterion, "met" if good else "failed", outcome.given)


def evaluate_trial(trial: Trial, profile: Profile) -> TrialResult:
    results = [evaluate_criterion(c, profile) for c in trial.criteria]
    if any(r.status == "failed" for r in results):
        verdict = "ineligible"
    elif any(r.status == "unknown" for r in results):
        verdict = "possible"
    else:
        verdict = "eligible"
    return TrialResult(trial, verdict, results)


def _weight(key: str) -> float:
    if key == "diagnoses":
        return DIAGNOSIS_WEIGHT
    if key in GENERIC_FACTS:
        return GENERIC_WEIGHT
    if key == "medications":
        return MEDICATION_WEIGHT
    fact = FACTS.get(key)
    return MEASURE_WEIGHT if fact is not None and fact.type in ("quantity", "score") else OTHER_WEIGHT


def topic_weight(topics: list[str] | tuple[str, ...], diagnoses: set[str] | frozenset[str]) -> float:
    """How closely concepts (what a trial is about, or what a line asks for) match the person's diagnoses: the
    full disease weight for the same concept or one below it, halved for each step the concept lies above the
    person's ("leukaemia" for a person with ALL counts half, "any tumour" next to nothing)."""
    voc = vocabulary()
    best = 0.0
    for diagnosis in diagnoses:
        above = voc.concept_ancestors(diagnosis)
        for topic in topics:
            if topic == diagnosis or (topic in voc.concepts and voc.concept_within(topic, diagnosis)):
                return DIAGNOSIS_WEIGHT
            if topic in above:
                best = max(best, DIAGNOSIS_WEIGHT * 0.5 ** above.index(topic))
    return best


def _diagnosis_targets(rule: Rule) -> list[str]:
    """The concepts a rule's diagnosis parts ask for (outside negations)."""
    if isinstance(rule, WithinConcepts) and rule.fact.key == "diagnoses":
        return list(rule.targets)
    if isinstance(rule, Combine):
        return [t for part in rule.parts for t in _diagnosis_targets(part)]
    return []


def line_weight(rule: Rule, diagnoses: set[str] | frozenset[str]) -> float:
    """What meeting one inclusion line says: a diagnosis line by how close its concept is to the person's own
    (a line on "any tumour" met by a PV says little), any other by the most specific fact it reads."""
    facts = rule.facts()
    weights = [_weight(k) for k in facts if k != "diagnoses"]
    if "diagnoses" in facts:
        weights.append(topic_weight(_diagnosis_targets(rule), diagnoses))
    return max(weights, default=OTHER_WEIGHT)


def relevance(result: TrialResult, diagnoses: set[str] | frozenset[str]) -> float:
    """How well the person fits what the trial is about: the inclusion lines their own facts meet, each
    weighted by line_weight, plus topic_weight for what the trial is registered for."""
    score = sum(line_weight(r.criterion.rule, diagnoses) for r in result.criteria
                if r.status == "met" and r.criterion.kind == "inclusion" and r.criterion.rule is not None)
    data = result.trial.data
    return score + topic_weight(data.get("topics") or data.get("conditions") or (), diagnoses)


def order_note(country: str | None) -> str:
    """The order of the results, in one sentence a patient can read."""
    if country and country.strip():
        return phrase("Trials that may fit come first, ordered by how much of what they ask about (the condition "
                      "first, then tests and treatments) matches what you told me, then by how little is still "
                      "unknown, then those with a site in {country}.", country=Country(country.strip()))
    return phrase("Trials that may fit come first, ordered by how much of what they ask about (the condition first, "
                  "then tests and treatments) matches what you told me, then by how little is still unknown.")


def match(profile: Profile, trials: list[Trial], include_closed: bool = False,
          country: str | None = None) -> MatchReport:
    """Evaluate every trial, rank them and work out which questions would settle the most candidates."""
    chosen = trials if include_closed else [t for t in trials if t.open]
    with collector.paused():
        results = [evaluate_trial(t, profile) for t in chosen]
    wanted = (country or "").strip().lower()
    scores = {id(r): relevance(r, profile.diagnoses.asserted) for r in results}

    def order(result: TrialResult) -> tuple:
        far = bool(wanted) and wanted not in {c.lower() for c in result.trial.countries()}
        return (result.verdict == "ineligible", -scores[id(result)], len(result.missing), far, result.trial.id)

    results.sort(key=order)
    return MatchReport(profile, results, next_questions(results), len(trials) - len(chosen), order_note(country))


def next_questions(results: list[TrialResult]) -> list[dict[str, Any]]:
    """Unknown facts ordered by how many candidate trials their answer would settle.

    `qualifies` marks the facts an inclusion line of a candidate still needs: once none is left, the trials
    that may fit are known, and the rest can only rule some out (the chat shows a first answer there).
    """
    candidates = [r for r in results if r.verdict == "possible"]
    mentions: Counter[str] = Counter()
    decisive: Counter[str] = Counter()
    qualifying: Counter[str] = Counter()
    position: dict[str, int] = {}
    for result in candidates:
        missing = result.missing
        for index, key in enumerate(missing):
            position[key] = min(position.get(key, index), index)
        mentions.update(missing)
        if len(missing) == 1:
            decisive[missing[0]] += 1
        qualifying.update({m for r in result.criteria if r.status == "unknown" and r.criterion.kind == "inclusion"
                           for m in r.missing})
    order = list(FACTS)

    def rank(key: str) -> tuple:
        # Ties go to what qualifies someone (inclusion) before what rules them out, then to the order in
        # which the trials' own criteria reach the fact: the first branch of an "any" is asked first.
        first = FIRST_FACTS.index(key) if key in FIRST_FACTS else len(FIRST_FACTS)
        return (first, -mentions[key], -decisive[key], -qualifying[key], position[key], order.index(key))

    return [
        {"fact": key, "label": FACTS[key].named, "question": FACTS[key].question, "trials": mentions[key],
         "qualifies": qualifying[key] > 0 or key in FIRST_FACTS}
        for key in sorted(mentions, key=rank)
    ]
