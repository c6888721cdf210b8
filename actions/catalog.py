"""The trials, read once per action-server process: from the database when it holds any, else the files."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from bot.catalog.trial import Trial, read_directory

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def trials() -> tuple[Trial, ...]:
    """Every trial of the catalogue; TRIALBOT_TRIALS_DIR forces reading a directory of trial files."""
    directory = os.environ.get("TRIALBOT_TRIALS_DIR")
    if directory:
        return tuple(read_directory(Path(directory)))
    try:
        from bot.cli import load_trials

        loaded = tuple(load_trials(ROOT / "trials"))
    except Exception as error:  # an unreachable database must not stop the assistant: fall back to the files
        logger.warning("trial database unavailable (%s); reading trials/ instead", error.__class__.__name__)
        loaded = tuple(read_directory(ROOT / "trials"))
    logger.info("catalogue: %d trials", len(loaded))
    return loaded


def by_id(trial_id: str) -> Trial | None:
    """A trial by its id or any of its register ids."""
    wanted = trial_id.strip().upper()
    for trial in trials():
        ids = {trial.id.upper()} | {str(r["id"]).upper() for r in trial.data.get("register_ids") or ()}
        if wanted in ids:
            return trial
    return None
