"""Parsed stored trials kept in the process, so a trial's rules are read once, not once per message.

Each copy is kept with its content's fingerprint; the prefilter returns the current fingerprint with every
candidate, so a trial that changed in the database is read again and the others never are. The cache is
bounded (least recently used trials go first) so that a catalogue of 100,000 trials does not have to fit in
memory at once.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace

from sqlalchemy.engine import Engine

from bot.catalog import store
from bot.catalog.trial import Trial, TrialFileError, parse_trial

logger = logging.getLogger(__name__)
# About 50 KB a parsed imported trial: 10,000 kept is about half a gigabyte.
DEFAULT_LIMIT = 10_000


class TrialCache:
    """Parsed trials by id, with the checksum each was parsed from."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._kept: OrderedDict[str, tuple[str, Trial]] = OrderedDict()
        self.parsed = 0  # trials parsed since the start: a figure for benchmarks and tests
        # The action server matches in several threads at once (actions/safety.py); the database is read
        # outside the lock, so one slow read holds up no other thread's kept trials.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def trials(self, engine: Engine, wanted: list[tuple[str, str]]) -> list[Trial]:
        """The parsed trials for these (id, checksum) pairs, in order; reads from the database only the ones
        not kept or kept from an older checksum. A stored document that no longer reads is left out with a
        warning naming the trial (the study's id, never a person's fact)."""
        with self._lock:
            stale = [trial_id for trial_id, digest in wanted
                     if trial_id not in self._kept or self._kept[trial_id][0] != digest]
        fresh: dict[str, tuple[str, Trial]] = {}
        if stale:
            current = dict(wanted)
            for trial_id, document in store.documents(engine, stale).items():
                try:
                    trial = parse_trial(document, f"database:{trial_id}", validate=False)
                except TrialFileError as error:
                    logger.warning("stored trial %s cannot be read and is left out: %s", trial_id, error.message)
                    continue
                # The criteria's raw lines are in trial.criteria already: keeping them twice doubles the memory.
                slim = replace(trial, data={k: v for k, v in trial.data.items() if k != "criteria"})
                fresh[trial_id] = (current[trial_id], slim)
        with self._lock:
            self._kept.update(fresh)
            self.parsed += len(fresh)
            found = []
            for trial_id, _ in wanted:
                kept = self._kept.get(trial_id)
                if kept is not None:
                    self._kept.move_to_end(trial_id)
                    found.append(kept[1])
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return found

    def get(self, trial_id: str) -> Trial | None:
        kept = self._kept.get(trial_id)
        return kept[1] if kept else None
