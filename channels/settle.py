"""Once Rasa has loaded its model, its objects are set aside from the garbage collector's full collections.

A full collection in Rasa's process walked every object of the loaded models: 300 to 500 ms here, during which the
event loop served no one, so every conversation waiting at that moment got its reply that much later. After start,
`gc.freeze()` moves what exists (the models, the domain, the channels) out of the collector's way; full collections
then walk only what the conversations made since. Registered by the REST channel, which every profile serves.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from sanic import Blueprint

log = logging.getLogger(__name__)


async def _settle(_app: Any, _loop: Any) -> None:
    gc.collect()
    gc.freeze()
    log.info("%d objects of the loaded model set aside from full garbage collections", gc.get_freeze_count())


def after_start(blueprint: Blueprint) -> Blueprint:
    """The blueprint, with the settling run once the server has started (Rasa loads the model before that)."""
    blueprint.listener("after_server_start")(_settle)
    return blueprint
