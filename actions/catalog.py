"""The catalogue, opened once per action-server process: curated files in memory, imported trials in the
database behind its prefilter (parsed trials are kept between messages; see bot.search)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from bot.catalog.trial import Trial, read_directory
from bot.matching import MatchReport
from bot.profile import Profile
from bot.search import Catalogue

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue; TRIALBOT_TRIALS_DIR forces a directory of trial files and no database."""
    directory = os.environ.get("TRIALBOT_TRIALS_DIR")
    if directory:
        return Catalogue(read_directory(Path(directory)))
    try:
        from bot.cli import open_catalogue

        opened = open_catalogue(ROOT / "trials")
    except Exception as error:  # an unreachable database must not stop the assistant: fall back to the files
        logger.warning("trial database unavailable (%s); reading trials/ instead", error.__class__.__name__)
        opened = Catalogue(read_directory(ROOT / "trials"))
    logger.info("catalogue: %d curated trials%s", len(opened.curated),
                " and a trial database" if opened.engine is not None else "")
    return opened


def by_id(trial_id: str) -> Trial | None:
    """A trial by its id or any of its register ids."""
    return catalogue().by_id(trial_id)


# One turn asks for the same match three times (reading the message, deciding, asking): each is its own HTTP call
# from Rasa, so the report is kept for a few seconds, keyed by the facts it was made from.
REPORT_SECONDS = 10.0
REPORTS_KEPT = 64
_reports: OrderedDict[str, tuple[float, MatchReport]] = OrderedDict()
_reports_lock = threading.Lock()  # actions run in threads (actions/safety.py)


def match(profile: Profile) -> MatchReport:
    """The catalogue's answer for these facts (near the person's country), computed once per turn."""
    country = profile.get("country")
    key = json.dumps(profile.to_dict(), sort_keys=True, default=str)
    now = time.monotonic()
    with _reports_lock:
        kept = _reports.get(key)
        if kept is not None and now - kept[0] < REPORT_SECONDS:
            _reports.move_to_end(key)
            return kept[1]
    report = catalogue().match(profile, country=country, degrade=True)
    if not report.notice:  # an answer made while the database was down is not kept
        with _reports_lock:
            _reports[key] = (now, report)
            while len(_reports) > REPORTS_KEPT:
                _reports.popitem(last=False)
    return report
