"""Actions run in threads of their own: slow matches never hold up another person's answer."""

from __future__ import annotations

import asyncio
import threading

from rasa_sdk.executor import CollectingDispatcher

from actions.turn import ActionTurn
from bot.search import Catalogue

SLOW = 8  # more than asyncio's default pool has threads on this machine (cpu count + 4)


def test_slow_matches_do_not_hold_up_another_conversation(chat_factory, monkeypatch):
    chats = [chat_factory() for _ in range(SLOW + 1)]
    for age, chat in enumerate(chats, start=50):
        chat.say("hi", "greet")
        chat.say("yes", "affirm")
        chat.say(f"I have polycythaemia vera and I am {age}", "inform")
    quick = chats[-1]
    quick_answered = threading.Event()
    waited: list[bool] = []
    original = Catalogue.match

    def match(self, profile, *args, **kwargs):
        if profile.get("age") < 50 + SLOW:
            # A slow database or a long match, for these people only: each ends once the last person has their
            # answer. On the action server's event loop, or with too few threads, that answer could never come,
            # and each would give up after 20 s.
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
        if chat is quick:
            quick_answered.set()

    async def all_of_them() -> None:
        slow = [asyncio.create_task(show(chat, "slow")) for chat in chats[:-1]]
        await asyncio.sleep(0.2)  # the slow ones are under way
        await show(quick, "quick")
        await asyncio.gather(*slow)

    asyncio.run(all_of_them())
    assert finished == ["quick"] + ["slow"] * SLOW and waited == [True] * SLOW
