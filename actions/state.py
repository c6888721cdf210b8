"""The conversation's state as kept in Rasa slots, read into plain Python and written back as SlotSet events.

Slots hold only what this conversation needs: the profile as a dict (Profile.to_dict), the facts the
person chose to skip, how often a question missed, and who is speaking. Nothing here is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.facts import ValueRefused
from bot.i18n import LANGUAGES, language
from bot.profile import Profile, profile_from_mapping

# The questions (consent first, then the facts that decide the trials) are on while the slot `in_questions` is set;
# `requested` names what was asked last ("consent" or "matching_done", the facts). A step that finds facts in a
# message outside the questions returns FollowupAction(QUESTIONS): the turn then takes the questions up.
QUESTIONS = "questions"
# Slots that hold the person's facts or the state of the questions; all cleared by "forget me" / "start over".
CONVERSATION_SLOTS = ("profile", "turn", "skipped", "misses", "asking", "last_fact", "voice", "relation",
                      "results_shown", "results_offset", "matching_done", "focus_trial", "continuing")


def load_profile(data: Any) -> Profile:
    """The profile kept in the slot; a slot that cannot be read (never expected) counts as empty."""
    if not isinstance(data, dict):
        return Profile()
    try:
        return profile_from_mapping(data)
    except (ValueRefused, TypeError, ValueError, AttributeError):
        return Profile()


@dataclass
class State:
    """What the actions need from the tracker, in one place."""

    profile: Profile = field(default_factory=Profile)
    skipped: list[str] = field(default_factory=list)
    misses: dict[str, int] = field(default_factory=dict)
    asking: dict[str, Any] = field(default_factory=dict)
    last_fact: str | None = None
    voice: str = "self"
    relation: str | None = None
    consent: bool | None = None
    results_shown: bool = False
    results_offset: int = 0
    continuing: bool = False
    focus: str | None = None
    turn: dict[str, Any] = field(default_factory=dict)
    intent: str | None = None
    text: str = ""
    form_active: bool = False
    requested: str | None = None
    lang: str = "en"
    # The language the latest message asks for: the widget's or page's (message metadata), else None.
    asked_lang: str | None = None

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> State:
        slot = tracker.get_slot
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        return cls(
            profile=load_profile(slot("profile")),
            skipped=[s for s in (slot("skipped") or []) if isinstance(s, str)],
            misses={k: int(v) for k, v in (slot("misses") or {}).items()} if isinstance(slot("misses"), dict) else {},
            asking=slot("asking") if isinstance(slot("asking"), dict) else {},
            last_fact=slot("last_fact"),
            voice=slot("voice") or "self",
            relation=slot("relation"),
            consent=slot("consent"),
            results_shown=bool(slot("results_shown")),
            results_offset=int(slot("results_offset") or 0),
            continuing=bool(slot("continuing")),
            focus=slot("focus_trial"),
            turn=slot("turn") if isinstance(slot("turn"), dict) else {},
            intent=intent.get("name"),
            text=message.get("text") or "",
            form_active=bool(slot("in_questions")),
            requested=slot("requested"),
            lang=language(slot("language")),
            asked_lang=_metadata_language(message.get("metadata")),
        )

    @property
    def asked(self) -> str | None:
        """The fact the last question asked about, while the form is asking about facts."""
        if self.form_active and self.requested == "matching_done":
            return self.asking.get("fact")
        return None

    def slot_events(self) -> list[SlotSet]:
        """SlotSet events for everything this state keeps."""
        return [
            SlotSet("profile", self.profile.to_dict()),
            SlotSet("skipped", list(self.skipped)),
            SlotSet("misses", dict(self.misses)),
            SlotSet("asking", dict(self.asking) or None),
            SlotSet("last_fact", self.last_fact),
            SlotSet("voice", self.voice),
            SlotSet("relation", self.relation),
            SlotSet("turn", dict(self.turn)),
        ]


def _metadata_language(metadata: Any) -> str | None:
    """The widget sends its configured language (or the page's `lang`) with each message."""
    if not isinstance(metadata, dict) or not isinstance(metadata.get("lang"), str):
        return None
    code = metadata["lang"].strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def cleared() -> list[SlotSet]:
    """Events that erase every fact and question state of the conversation (consent is kept)."""
    return [SlotSet(name, None) for name in CONVERSATION_SLOTS]
