"""Rasa checks every action server reply against its response schema; this makes that check cost what it should.

Rasa 3.6.21 calls `jsonschema.validate(result, schema)` for each custom-action call. With jsonschema 4 and a schema
without `$schema`, that builds a Draft 2020-12 validator and first checks the schema itself against the
meta-schema, every time: about 50 ms a call on this machine, and a turn here makes three or four calls. Building
the validator once (the schema is a constant) gives the same verdict and the same error in about 6 ms.

Installed when Rasa imports this package, which it does at start because credentials.yml names our channels.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once."""
    try:
        _validator().validate(result)
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response from the "
                          f"Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
