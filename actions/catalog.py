"""The catalogue, opened once per action-server process: curated files in memory, imported trials in the
database behind its prefilter (parsed trials are kept between messages; see bot.search)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from bot.catalog.trial import Trial, read_directory
from bot.matching import MatchReport
from bot.profile import Profile
from bot.search import Catalogue

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


# A read of the trial database that takes longer is cancelled by PostgreSQL: the person is told the database is
# unavailable (the reviewed trials still answer) rather than waiting, and the action's thread is free again.
READ_SECONDS = 10.0


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue; TRIALBOT_TRIALS_DIR forces a directory of trial files and no database."""
    directory = os.environ.get("TRIALBOT_TRIALS_DIR")
    if directory:
        return Catalogue(read_directory(Path(directory)))
    try:
        from bot.cli import open_catalogue

        opened = open_catalogue(ROOT / "trials", statement_seconds=READ_SECONDS)
    except Exception as error:  # an unreachable database must not stop the assistant: fall back to the files
        logger.warning("trial database unavailable (%s); reading trials/ instead", error.__class__.__name__)
        opened = Catalogue(read_directory(ROOT / "trials"))
    logger.info("catalogue: %d curated trials%s", len(opened.curated),
                " and a trial database" if opened.engine is not None else "")
    return opened


def by_id(trial_id: str) -> Trial | None:
    """A trial by its id or any of its register ids."""
    return catalogue().by_id(trial_id)


# A turn's steps ask for the answer to the same facts more than once (reading the message, deciding, asking): it
# is made once per turn and kept only for the turn, so no conversation's facts outlive it in memory.
_turn_reports: ContextVar[dict[str, MatchReport] | None] = ContextVar("turn_reports", default=None)


@contextmanager
def one_match_per_turn() -> Iterator[None]:
    """Within this block, match() makes each answer once."""
    token = _turn_reports.set({})
    try:
        yield
    finally:
        _turn_reports.reset(token)


def match(profile: Profile) -> MatchReport:
    """The catalogue's answer for these facts (near the person's country)."""
    kept = _turn_reports.get()
    key = json.dumps(profile.to_dict(), sort_keys=True, default=str)
    if kept is not None and key in kept:
        return kept[key]
    report = catalogue().match(profile, country=profile.get("country"), degrade=True)
    if kept is not None:
        kept[key] = report
    return report
