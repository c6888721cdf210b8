"""Actions run in threads of their own: one conversation's slow match never holds up another's answer."""

from __future__ import annotations

import asyncio
import threading

from rasa_sdk.executor import CollectingDispatcher

from actions.turn import ActionTurn
from bot.search import Catalogue


def test_a_slow_match_does_not_hold_up_another_conversation(chat_factory, monkeypatch):
    slow, quick = chat_factory(), chat_factory()
    for chat, age in ((slow, 58), (quick, 60)):
        chat.say("hi", "greet")
        chat.say("yes", "affirm")
        chat.say(f"I have polycythaemia vera and I am {age}", "inform")
    quick_answered = threading.Event()
    waited: list[bool] = []
    original = Catalogue.match

    def match(self, profile, *args, **kwargs):
        if profile.get("age") == 58:
            # A slow database or a long match, for this person only: it ends once the other person has their
            # answer. On the action server's event loop it could never see that, and would give up after 20 s.
            waited.append(quick_answered.wait(timeout=20))
        return original(self, profile, *args, **kwargs)

    monkeypatch.setattr(Catalogue, "match", match)
    finished: list[str] = []

    async def show(chat, label: str) -> None:
        dispatcher = CollectingDispatcher()
        chat.message = {"text": "show results", "intent": {"name": "show_results", "confidence": 1.0}, "entities": []}
        await ActionTurn().run(dispatcher, chat.tracker(), {})
        assert dispatcher.messages, label
        finished.append(label)
        if label == "quick":
            quick_answered.set()

    async def both() -> None:
        slow_one = asyncio.create_task(show(slow, "slow"))
        await asyncio.sleep(0.1)  # the slow one is under way
        await show(quick, "quick")
        await slow_one

    asyncio.run(both())
    assert finished == ["quick", "slow"] and waited == [True]
