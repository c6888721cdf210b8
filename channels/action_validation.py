"""Rasa checks every action server reply against its response schema; this makes that check cost what it should.

Rasa 3.6.21 calls `jsonschema.validate(result, schema)` for each custom-action call. With jsonschema 4 and a schema
without `$schema`, that builds a Draft 2020-12 validator and first checks the schema itself against the
meta-schema, every time: about 50 ms a call on this machine, and a turn here makes three or four calls. Building
the validator once (the schema is a constant) gives the same verdict and the same error in about 6 ms.

Most of what is left went into the events: Rasa's event schema is a `oneOf` of 23 event kinds, so each event of a
reply was checked against all 23 to find the one it is. Each kind fixes its `event` name (`const`), so an event can
only pass the kind its name says: each event is checked against that kind alone (with the properties every event
shares), and a name no kind has fails as `oneOf` would. Same verdict, a twentieth of the work.

Installed when Rasa imports this package, which it does at start because credentials.yml names our channels.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _reply_validators() -> tuple[Any, Any, dict[str, Any]]:
    """The reply without its events; one event's shared properties; and each event kind by its name."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    events = schema["properties"]["events"]
    kinds = events["items"]["oneOf"]
    shared = {key: value for key, value in events["items"].items() if key != "oneOf"}
    reply = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    by_name = {kind["properties"]["event"]["const"]: cls(kind) for kind in kinds}
    if len(by_name) != len(kinds):
        raise RuntimeError("two event kinds of Rasa's schema share a name: checking by name would differ from oneOf")
    return cls(reply), cls(shared), by_name


def check_reply(result: Any) -> None:
    """Raise jsonschema's ValidationError when the reply breaks Rasa's schema; the same verdict as validating it
    against the whole schema."""
    reply, shared, by_name = _reply_validators()
    reply.validate(result)
    for event in result.get("events") or ():
        shared.validate(event)
        kind = by_name.get(event["event"])
        if kind is None:
            raise ValidationError(f"{event!r} is not valid under any of the given schemas")
        kind.validate(event)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with validators built once, each event checked against its kind."""
    try:
        check_reply(result)
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response from the "
                          f"Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
