"""Fixed replies (what a trial is, help, goodbye...) in the person's language, from the message catalogues.

They were Rasa responses in domain.yml; a response there has one text per condition, outside the catalogues, so
each is now a step `say_<name>` (actions.turn runs it) that words its text with bot.i18n like every other reply.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.state import State
from actions.step import Step
from bot.i18n import marked, words

# name: (text, buttons as (title, payload))
SAYINGS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "what_is_trial": (marked(
        "A clinical trial is a research study with volunteers that tests whether a treatment is safe and works. "
        "Each trial has rules about who can join (for example age, diagnosis, blood test results or other "
        "medicines), so that the results are reliable and the people taking part are safe. Taking part is always "
        "a free choice, and you can stop at any time. I can show which trials may fit; the study team decides."), ()),
    "help": (marked(
        "I look for clinical trials that may fit. Tell me the diagnosis and the age, and answer a few questions "
        "(say \"skip\" if you don't know). You can change an answer at any time (\"actually I'm 68\"), ask "
        "\"show results\", ask about a trial's sites, visits or study medicine, or say \"start over\". "
        "I keep only what you tell me in this conversation, for this conversation only, and I delete it when you "
        "say \"forget me\". I give no medical advice: only the study team decides who can take part."),
        ((marked("Show results"), "/show_results"), (marked("What is a clinical trial?"), "/ask_what_is_trial"),
         (marked("Start over"), "/start_over"))),
    "out_of_scope": (marked(
        "Sorry, I can't help with that. I can only look for clinical trials that may fit and answer questions "
        "about them. For medical questions, please ask your doctor."), ()),
    "abuse": (marked(
        "I'm sorry if this is frustrating. I'm here to help find trials that may fit, and I'll do my best. "
        "You can say \"start over\" or \"forget me\" at any time."), ()),
    "greet_again": (marked("Hello again! You can ask about a trial, change an answer, or say \"start over\"."), ()),
    "goodbye": (marked("Goodbye, and take care. Say \"forget me\" before you leave if you'd like me to delete what "
                       "you told me."), ()),
    "you_are_welcome": (marked("You're welcome."), ()),
    "what_next": (marked("What would you like to do next?"),
                  ((marked("Show results"), "/show_results"), (marked("Start over"), "/start_over"),
                   (marked("Forget my data"), "/forget_me"))),
}


def say(dispatcher: CollectingDispatcher, name: str, lang: str) -> None:
    """Send one fixed reply in the language."""
    _ = words(lang)
    text, buttons = SAYINGS[name]
    dispatcher.utter_message(text=_(text), buttons=[{"title": _(title), "payload": payload}
                                                    for title, payload in buttons])


class Say(Step):
    """One fixed reply, named by its saying."""

    def __init__(self, saying: str) -> None:
        self.saying = saying

    def name(self) -> str:
        return f"say_{self.saying}"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        say(dispatcher, self.saying, State.from_tracker(tracker).lang)
        return []
