"""The whole catalogue for one person: prefilter, then rules, then ranking, with figures on what it cost.

The curated trials (the reviewed files, a handful) are held in memory and all checked, so their reasons can be
shown; the stored imported trials are filtered in the database on their indexed prefilter fields, and only the
ones that pass are parsed (once per process, see catalog.cache) and evaluated. The prefilter (catalog.index)
never leaves out a trial whose rules could let the person in.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from bot import collector
from bot.catalog import store
from bot.catalog.cache import TrialCache
from bot.catalog.index import ABOUT, OTHER, UNKNOWN, Filters, Query, admits, filters_for, tier
from bot.catalog.trial import Trial, TrialFileError, parse_trial
from bot.i18n import phrase
from bot.matching import MatchReport, match
from bot.profile import Profile

COUNTS_FOR = 60.0
# A bound on the stored trials whose rules run for one answer: a whole register with open and closed trials can
# pass 80,000 trials through the prefilter for a broad profile (measured: 24 s and 4.6 GiB for 25,000 checked).
MAX_CHECKED = 3_000
TIER_ORDER = {ABOUT: 0, UNKNOWN: 1, OTHER: 2}
UNAVAILABLE = phrase("I could only check the trials our team has reviewed just now: the full list of trials from the "
                     "registers is unavailable at the moment. Please ask again a little later for the others.")
logger = logging.getLogger(__name__)


@dataclass
class Catalogue:
    """Curated trials in memory and, when there is a database, the imported trials it holds."""

    curated: list[Trial]
    engine: Engine | None = None
    cache: TrialCache | None = None

    def __post_init__(self) -> None:
        self._filters: list[tuple[Trial, Filters]] = [(t, filters_for(t)) for t in self.curated]
        self._curated_ids = {t.id for t in self.curated}
        self.cache = self.cache or TrialCache()
        self._counted: tuple[float, tuple[int, int]] | None = None

    def match(self, profile: Profile, include_closed: bool = False, country: str | None = None,
              only_country: bool = False, other_conditions: bool = False, degrade: bool = False,
              max_checked: int | None = MAX_CHECKED) -> MatchReport:
        """Every trial that may concern the person, checked and ranked; report.stats says what it took.

        only_country keeps only trials with a site or recruitment in `country` (trials whose countries are
        not known stay); other_conditions also checks trials registered only for other conditions than the
        person's, which are otherwise counted and left out. With degrade, a database that cannot be reached
        mid-conversation leaves the curated trials checked and says so in report.notice, instead of raising
        CatalogUnavailable. At most max_checked stored trials have their rules run (None: all), those about the
        person's conditions first; the rest are counted in report.unchecked, never said not to fit.
        """
        with collector.paused():
            return self._match(profile, include_closed, country, only_country, other_conditions, degrade,
                               max_checked)

    def _match(self, profile: Profile, include_closed: bool, country: str | None, only_country: bool,
               other_conditions: bool, degrade: bool, max_checked: int | None) -> MatchReport:
        start = time.perf_counter()
        query = Query.for_profile(profile, include_closed, country if only_country else None, True)
        # The curated trials are few and in memory: all of them are checked (their reasons help the person),
        # whatever the age, sex or diagnosis limits would let through; only status, place and topic apply.
        place_only = replace(query, age=None, sex=None, diagnosed=False)
        chosen: list[Trial] = []
        other = closed = ruled_out = 0
        for trial, filters in self._filters:
            if not include_closed and not filters.is_open:
                closed += 1
            elif admits(filters, place_only):
                if tier(filters, query) == OTHER and not other_conditions:
                    other += 1
                else:
                    chosen.append(trial)
        in_catalogue = len(self.curated)
        passed = len(chosen) + other
        notice = ""
        unchecked = 0
        if self.engine is not None:
            try:
                candidates = [c for c in store.prefilter(self.engine, query) if c.trial_id not in self._curated_ids]
                wanted = sorted((c for c in candidates if other_conditions or c.tier != OTHER),
                                key=lambda c: TIER_ORDER[c.tier])
                unchecked = max(0, len(wanted) - max_checked) if max_checked is not None else 0
                checked = wanted[:len(wanted) - unchecked]
                stored_trials = self.cache.trials(self.engine, [(c.trial_id, c.checksum) for c in checked])
                stored, stored_open = self._counts()
            except store.CatalogUnavailable as error:
                if not degrade:
                    raise
                logger.warning("trial database unavailable mid-conversation: %s", error)
                notice = UNAVAILABLE
            else:
                passed += len(candidates)
                other += len(candidates) - len(wanted)
                chosen += stored_trials
                in_catalogue += stored
                closed += 0 if include_closed else stored - stored_open
                ruled_out += (stored if include_closed else stored_open) - len(candidates)
        report = match(profile, chosen, include_closed=True, country=country)
        report.notice = notice
        report.closed_left_out = closed
        report.other_conditions = other
        report.ruled_out = ruled_out
        report.unchecked = unchecked
        report.stats = {"catalogue": in_catalogue, "passed_prefilter": passed, "evaluated": len(chosen),
                        "ms": round((time.perf_counter() - start) * 1000, 1)}
        return report

    def _counts(self) -> tuple[int, int]:
        """Stored trials and open ones, for the figures and the "left out" sentences: a count over 100,000 rows
        costs tens of milliseconds, so it is kept for COUNTS_FOR seconds (an import shows up within a minute)."""
        now = time.monotonic()
        if self._counted is None or now - self._counted[0] > COUNTS_FOR:
            self._counted = (now, store.counts(self.engine))
        return self._counted[1]

    def by_id(self, trial_id: str) -> Trial | None:
        """A trial by its id or any of its register ids: curated first, then the database (None when the
        database cannot be reached: the curated trials still answer)."""
        wanted = trial_id.strip().upper()
        for trial in self.curated:
            ids = {trial.id.upper()} | {str(r["id"]).upper() for r in trial.data.get("register_ids") or ()}
            if wanted in ids:
                return trial
        if self.engine is None:
            return None
        try:
            document = store.document(self.engine, trial_id.strip())
        except store.CatalogUnavailable as error:
            logger.warning("trial database unavailable for a look-up by id: %s", error)
            return None
        if document is None:
            return None
        kept = self.cache.get(document["id"])
        return kept if kept is not None else _parse_stored(document)


def _parse_stored(document: dict) -> Trial | None:
    try:
        return parse_trial(document, f"database:{document.get('id')}", validate=False)
    except TrialFileError:
        return None
