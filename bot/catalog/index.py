"""What the catalogue can know about a trial without running its rules: the prefilter's fields, and the query.

Every field is derived from the trial's own rules or register fields when it is loaded or imported, and
only in the direction the rules themselves decide: a trial is left out by the prefilter only where its
rules would say "does not fit" anyway, so the prefilter changes speed, never an answer. A field that is
unknown (no age limit stated, no diagnosis line read as a rule) never leaves a trial out.

Apart from that filter, `topics` says what a trial is about (its `topics`, else its `conditions`):
relevance, not eligibility. Trials about other conditions than the person's are counted and can be asked
for, but are not checked by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.trial import Trial
from bot.criteria import Combine, Compare, InChoices, Rule, WithinConcepts
from bot.profile import Profile
from bot.vocab import vocabulary

# How a trial relates to the person's diagnoses: about one of them, about nothing the vocabulary knows, or
# only about other conditions.
ABOUT, UNKNOWN, OTHER = "about", "unknown", "other"


@dataclass(frozen=True)
class Filters:
    """A trial's prefilter fields. Ages in years; `needs` are groups of concepts, one group per inclusion
    line, each of which the person's diagnoses must touch; `sexes` is None when any sex may take part."""

    is_open: bool
    min_age: float | None = None
    max_age: float | None = None
    sexes: frozenset[str] | None = None
    needs: tuple[frozenset[str], ...] = ()
    topics: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()


def _conjuncts(rule: Rule) -> list[Rule]:
    """The parts a rule needs all of: itself, or the parts of an "all" (nested "all"s flattened)."""
    if isinstance(rule, Combine) and rule.kind == "all":
        return [part for inner in rule.parts for part in _conjuncts(inner)]
    return [rule]


def filters_for(trial: Trial) -> Filters:
    """Read the prefilter fields from the trial's inclusion rules that can rule a person out.

    Only whole rules and `necessary` parts count (a `sufficient` rule never rules out); only parts that the
    whole rule needs ("all"), never a branch of "any" or a negation.
    """
    low: list[float] = []
    high: list[float] = []
    sexes: set[str] | None = None
    needs: list[frozenset[str]] = []
    for criterion in trial.criteria:
        if criterion.kind != "inclusion" or criterion.rule is None or criterion.partial == "sufficient":
            continue
        for part in _conjuncts(criterion.rule):
            if isinstance(part, Compare) and part.fact.key == "age" and part.op in (">", ">="):
                low.append(part.threshold)
            elif isinstance(part, Compare) and part.fact.key == "age" and part.op in ("<", "<="):
                high.append(part.threshold)
            elif isinstance(part, InChoices) and part.fact.key == "sex":
                sexes = set(part.choices) if sexes is None else sexes & set(part.choices)
            elif isinstance(part, WithinConcepts) and part.fact.key == "diagnoses":
                needs.append(frozenset(part.targets) | frozenset(part.borderline))
    named = trial.data.get("topics") or trial.data.get("conditions") or ()
    topics = frozenset(c for c in named if c in vocabulary().concepts)
    countries = frozenset(c.lower() for c in trial.countries() if c and c.lower() != "unknown")
    return Filters(trial.open, max(low) if low else None, min(high) if high else None,
                   frozenset(sexes) if sexes is not None else None, tuple(needs), topics, countries)


@dataclass(frozen=True)
class Query:
    """What the prefilter asks of the catalogue for one person.

    `related` holds every concept a diagnosis rule could count for the person: their diagnoses, everything
    above them (a line about any cancer) and below them (a line naming a subtype of what they said, which the
    matcher leaves open rather than failing). Empty when the person has named no diagnosis.
    """

    age: float | None = None
    sex: str | None = None
    related: frozenset[str] = frozenset()
    include_closed: bool = False
    only_country: str | None = None
    other_conditions: bool = False
    diagnosed: bool = False

    @classmethod
    def for_profile(cls, profile: Profile, include_closed: bool = False, only_country: str | None = None,
                    other_conditions: bool = False) -> Query:
        return cls(profile.get("age"), profile.get("sex"), related_concepts(profile.diagnoses.asserted),
                   include_closed, (only_country or "").strip().lower() or None, other_conditions,
                   bool(profile.diagnoses.asserted))


def related_concepts(diagnoses: set[str]) -> frozenset[str]:
    """The person's diagnoses with their ancestors and descendants in the vocabulary."""
    voc = vocabulary()
    related: set[str] = set()
    for code in diagnoses:
        related.add(code)
        if code in voc.concepts:
            related.update(voc.concept_ancestors(code))
            related.update(voc.concept_descendants(code))
    return frozenset(related)


def tier(filters: Filters, query: Query) -> str:
    """How the trial relates to the person's diagnoses (ABOUT when the person named none)."""
    if not query.diagnosed:
        return ABOUT
    if not filters.topics:
        return UNKNOWN
    return ABOUT if filters.topics & query.related else OTHER


def admits(filters: Filters, query: Query) -> bool:
    """The prefilter in Python, for trials held in memory; store.prefilter says the same in SQL."""
    if not query.include_closed and not filters.is_open:
        return False
    if query.age is not None and (
            (filters.min_age is not None and query.age < filters.min_age)
            or (filters.max_age is not None and query.age > filters.max_age)):
        return False
    if query.sex is not None and filters.sexes is not None and query.sex not in filters.sexes:
        return False
    if query.diagnosed and any(not (group & query.related) for group in filters.needs):
        return False
    if query.only_country and filters.countries and query.only_country not in filters.countries:
        return False
    return query.other_conditions or tier(filters, query) != OTHER
