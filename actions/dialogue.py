"""The steps of a turn (actions.turn runs them). Each reads the tracker, calls `bot`, and words a reply."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.catalog import by_id, catalogue, match
from actions.questions import OFFER_SKIP_AFTER, buttons_for, deciding_facts, next_question, open_facts
from actions.reading import ANSWERS, INTERRUPTIONS, apply, read
from actions.said import say
from actions.state import QUESTIONS, State, cleared
from actions.step import Step
from bot.facts import FACTS
from bot.i18n import Words, marked, words
from bot.matching import MatchReport
from bot.nlp import extract
from bot.nlp.language import detect, switch_to
from bot.vocab import vocabulary

TRIAL_ID = re.compile(r"\b(\d{4}-\d{6}-\d{2}-\d{2}|NCT\d{8})\b", re.I)
# "Yes" to the consent question in words, in English, French or Dutch.
_CONSENT_YES = re.compile(r"^\W*(yes|yeah|yep|ok|okay|sure|fine|go on|go ahead|continue|let'?s go|agreed?|i agree|"
                          r"of course|please do|alright|all right|oui|ouais|d'?accord|allez-?y|vas-?y|volontiers|"
                          r"bien s[uû]r|continuons|continuer|on continue|ja|jawel|goed|prima|akkoord|ga door|graag|"
                          r"natuurlijk|ok[eé])\b", re.I)
CONSENT_TEXT = marked(
    "I look for clinical trials that may fit {who}: I ask a few questions, one at a time, and then show which "
    "trials may fit and why, what is still unknown, the sites and when they recruit.\n"
    "I don't give medical advice, and I can't say whether someone can take part: only the study team decides.\n"
    "I keep only the facts you tell me in this conversation, and only for this conversation. "
    "Say \"forget me\" at any time and I'll delete them.\n"
    "Shall we go on?"
)
REFUSED = marked("That's fine: I won't ask anything, and I've deleted anything you told me. If you change your "
                 "mind, just say \"start\". Take care.")
NOT_STARTED = marked("We haven't started yet: say \"start\" and I'll explain how this works before any question.")
CONSENT_AGAIN = marked("Before any question: I give no medical advice, and I keep only this conversation's facts, "
                       "for this conversation only. Shall we go on?")
GROUP_HINT = marked("Say \"none of these\", or tell me the ones that apply.")


def consent_buttons(_: Words) -> list[dict[str, str]]:
    return [{"title": _("Yes, go on"), "payload": "/affirm"}, {"title": _("No, thanks"), "payload": "/deny"}]


def report_for(state: State) -> MatchReport:
    return match(state.profile)


def unspoken(turn: dict[str, Any]) -> tuple[list[str], list[dict[str, str]]]:
    """Notes and problems of this turn that no reply has mentioned yet."""
    if turn.get("spoken"):
        return [], []
    return list(turn.get("notes") or ()), list(turn.get("problems") or ())


def spoken(turn: dict[str, Any]) -> list[SlotSet]:
    return [SlotSet("turn", {**turn, "spoken": True})] if turn else []


def carried_facts(tracker: Tracker) -> bool:
    """Whether the latest message held facts (or impossible values): then the questions take it up, whatever its
    intent ("no, he is 9" outside the questions)."""
    turn = State.from_tracker(tracker).turn
    return bool(turn.get("found") or turn.get("problems"))


def interrupts(state: State, turn: dict[str, Any]) -> bool:
    """A message that is not an answer: a question, a greeting, "forget me"… with no fact in it."""
    return state.intent in INTERRUPTIONS and turn.get("outcome") in (None, "none")


def answer_now(state: State, report: MatchReport, activating: bool) -> bool:
    """Whether this turn shows the answer rather than another question.

    With no question left, always. A clinician's new facts after an answer: at once, with what is unknown.
    Otherwise the first answer comes as soon as the trials that may fit are known (only facts that could rule
    one out are left); "answer the remaining questions" then asks until none is left. A correction that
    reopens a trial goes back to the questions that decide it instead of answering with it half known.
    """
    if next_question(report, state.skipped) is None:
        return True
    if state.voice == "clinician" and activating and not state.continuing:
        return True
    if state.continuing:
        return False
    return not deciding_facts(report, state.skipped)


# Erasing or restarting only on words that say so (or the button): a classifier's guess about an odd message
# ("aaaa…" came out as start_over at 0.97) must never wipe what the person told.
_FORGET_WORDS = re.compile(r"\b(forget|forgotten|delete|erase|remove|wipe|clear|data|remember|keep|"
                           r"oubli\w*|supprim\w*|effac\w*|donn[ée]es|vergeet|vergeten|verwijder\w*|wis|wissen|"
                           r"gegevens)\b", re.I)
_START_WORDS = re.compile(r"\b(start|restart|again|over|reset|new|begin|fresh|scratch|anew|redo|recommen\w*|"
                          r"d[ée]but|z[ée]ro|nouveau|nouvelle|opnieuw|beginnen|overnieuw|nieuw|vooraf)\b", re.I)


def meant(tracker: Tracker, words: re.Pattern[str]) -> bool:
    """Whether the latest message is a button payload or has words that ask for this."""
    text = (tracker.latest_message or {}).get("text") or ""
    return text.startswith("/") or bool(words.search(text))


def chosen_language(state: State, started: bool) -> str:
    """The conversation's language: the widget's (or page's) when it says one; else the language the message is
    clearly written in; else the one so far. Once the conversation has a language, only a message that clearly says
    more in another (several of its own words, not names of labs or medicines: "de Phoenix score is 3" stays Dutch)
    switches it."""
    if state.asked_lang:
        return state.asked_lang
    text = state.text or ""
    if not text or text.startswith("/"):
        return state.lang
    found = detect(text) if not started else switch_to(text, state.lang)
    return found or state.lang


class ReadMessage(Step):
    """The first step of every turn: bot.nlp reads the message, the profile keeps it."""

    def name(self) -> str:
        return "read_message"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        state = State.from_tracker(tracker)
        lang = chosen_language(state, started=tracker.get_slot("language") is not None)
        events: list[EventType] = [SlotSet("language", lang)] if lang != tracker.get_slot("language") else []
        state.lang = lang
        if state.consent is False and not state.form_active:
            state.turn = {"outcome": "none", "notes": [], "problems": [], "found": []}
            return [*events, SlotSet("turn", state.turn)]
        reading = read(state)
        turn = apply(state, reading, state.intent in ANSWERS,
                     lambda profile: open_facts(match(profile), state.skipped))
        state.turn = turn
        return [*events, *state.slot_events()]


class Decide(Step):
    """Decides after each message whether the questions go on, stop with the answer, or let an interruption be
    answered first (then it returns nothing)."""

    def name(self) -> str:
        return "decide"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        state = State.from_tracker(tracker)
        turn = state.turn
        # the questions being (re)started have asked nothing yet
        activating = not state.form_active or not state.requested
        if state.consent is False:
            if activating or state.requested != "consent":
                return [SlotSet("consent", None)]  # refused earlier, back now: ask again
            return [*cleared(), SlotSet("consent", False)]  # the turn ends with the refusal said
        if state.consent is None:
            if activating and state.voice == "clinician" and len(turn.get("found") or ()) >= 2:
                # a clinician's dense first message: answer at once, with a short notice instead of the question
                return [SlotSet("consent", True), SlotSet("matching_done", True)]
            if activating or state.requested != "consent" or not _CONSENT_YES.match(state.text or ""):
                return [] if not activating and interrupts(state, turn) else [SlotSet("consent", None)]
            events: list[EventType] = [SlotSet("consent", True)]  # "ok, go ahead" said in words
        else:
            events = []
        if state.intent == "show_results":
            return [*events, SlotSet("matching_done", True), SlotSet("continuing", None)]
        if not activating and not events and interrupts(state, turn):
            return []
        if activating and state.intent == "continue_questions":
            state.continuing = True
        done = answer_now(state, report_for(state), activating)
        return [*events, SlotSet("matching_done", True if done else None),
                SlotSet("continuing", None if done else state.continuing or None)]


class AskConsent(Step):
    """Before the first health question: what the assistant does, no medical advice, what it keeps."""

    def name(self) -> str:
        return "ask_consent"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        state = State.from_tracker(tracker)
        _ = words(state.lang)
        turn = state.turn
        notes, problems = unspoken(turn)
        who = _("you") if state.voice == "self" else _("the person you are asking for")
        if state.asking.get("fact") == "consent" and state.form_active and state.requested == "consent":
            dispatcher.utter_message(text=_(CONSENT_AGAIN), buttons=consent_buttons(_))
            return spoken(turn)
        lines = [_("Hello!") + " " + _(CONSENT_TEXT, who=who)]
        if notes or problems:
            lines.insert(0, _("Before I use what you told me, a few words on how this works. If you say no, "
                              "I'll delete it."))
        dispatcher.utter_message(text="\n".join(lines), buttons=consent_buttons(_))
        return [*spoken(turn), SlotSet("asking", {"fact": "consent"})]


class AskNext(Step):
    """Asks the question that would settle the most candidate trials, or re-asks one that was not understood."""

    def name(self) -> str:
        return "ask_next"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        state = State.from_tracker(tracker)
        _ = words(state.lang)
        turn = state.turn
        notes, problems = unspoken(turn)
        report = report_for(state)
        lines = list(notes)
        lines += [p["message"] for p in problems if p["fact"] not in FACTS]
        fact_problem = next((p for p in problems if p["fact"] in FACTS), None)
        detail: dict[str, Any] = {}
        if fact_problem:
            fact = fact_problem["fact"]
            lines.append(fact_problem["message"])
        else:
            question = next_question(report, state.skipped, state.voice, state.relation, state.lang)
            if question is None:
                dispatcher.utter_message(text="\n".join([*lines, _("I have what I need. Say \"show results\".")]),
                                         buttons=[{"title": _("Show results"), "payload": "/show_results"}])
                return [*spoken(turn), SlotSet("asking", None)]
            fact, detail = question.fact, question.detail
            missed = turn.get("outcome") == "miss" and turn.get("asked") == fact and not turn.get("spoken")
            if detail.get("group"):
                lines.append(_("Sorry, I couldn't tell which of these apply.") + " " + question.text if missed
                             else question.text)
                lines.append(_(GROUP_HINT))
            elif missed:
                lines.append(_("Sorry, I couldn't read that as the {label}. {question} For example: {example}.",
                               label=replies.fact_label(fact, state.lang), question=question.text,
                               example=question.example))
            elif fact in ("diagnoses", "medications") or detail:
                lines.append(_("{question} For example: {example}.", question=question.text,
                               example=question.example))
            else:
                lines.append(question.text)
        offer = state.misses.get(fact, 0) >= OFFER_SKIP_AFTER
        if offer:
            lines.append(_("If you don't know, that's fine: say \"skip\" and the study team will check it."))
        dispatcher.utter_message(text="\n".join(lines),
                                 buttons=buttons_for(fact, offer, bool(detail.get("group")), state.lang))
        return [*spoken(turn), SlotSet("asking", {"fact": fact, "detail": detail})]


class ShowResults(Step):
    """The answer: trials that may fit with reasons, unknowns, study-team checks, sites and dates; then the rest."""

    def name(self) -> str:
        return "show_results"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        state = State.from_tracker(tracker)
        _ = words(state.lang)
        if state.consent is not True:
            dispatcher.utter_message(text=_(REFUSED if state.consent is False else NOT_STARTED),
                                     buttons=[{"title": _("Start"), "payload": "/start_over"}])
            return []
        turn = state.turn
        notes, problems = unspoken(turn)
        report = report_for(state)
        offset = 0
        remaining = len(open_facts(report, state.skipped))
        if state.intent == "show_more" and state.results_shown:
            offset = state.results_offset + replies.MAX_SHOWN
            if offset >= len(report.fitting):
                dispatcher.utter_message(text=_(replies.NO_MORE),
                                         buttons=replies.results_buttons(report, offset, remaining, state.lang))
                return [*spoken(turn)]
        head: list[str] = []
        if state.voice == "clinician" and not state.results_shown:
            head.append(_(replies.CLINICIAN_NOTE))
        head += notes + [p["message"] for p in problems]
        if state.intent == "continue_questions" and not remaining and state.results_shown:
            head.append(_(replies.NOTHING_TO_ASK))
        messages = replies.results_messages(report, offset, state.voice, state.relation, remaining, state.lang)
        if head:
            messages[0] = "\n".join([*head, messages[0]])
        for message in messages[:-1]:
            dispatcher.utter_message(text=message)
        dispatcher.utter_message(text=messages[-1],
                                 buttons=replies.results_buttons(report, offset, remaining, state.lang))
        dispatcher.utter_message(json_message=replies.results_payload(report, offset, state.voice, state.relation,
                                                                      remaining, state.lang))
        return [*spoken(turn), SlotSet("results_shown", True), SlotSet("results_offset", offset),
                SlotSet("asking", None)]


class TrialInfo(Step):
    """Follow-ups about a trial: the study medicine, what happens and the visits, the sites, how to take part."""

    def name(self) -> str:
        return "trial_info"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        state = State.from_tracker(tracker)
        _ = words(state.lang)
        named = self.named_trials(tracker, state.text)
        chosen = named or self.focus(state)
        events: list[EventType] = [SlotSet("focus_trial", named[0].id)] if len(named) == 1 else []
        if not chosen:
            dispatcher.utter_message(text=_("I don't know of any open trial at the moment."))
            return events
        intent = state.intent
        if intent == "ask_about_drug":
            text = self.drug_text(state.text if not state.text.startswith("/") else "", chosen, state.lang)
        elif intent == "ask_sites":
            text = "\n".join(replies.sites_answer(t, state.lang) for t in chosen)
        elif intent == "ask_how_to_join":
            text = "\n".join(replies.how_to_join_answer(t, state.voice, state.relation, state.lang) for t in chosen)
        else:
            text = "\n".join(replies.what_happens_answer(t, state.lang) for t in chosen)
        dispatcher.utter_message(text=text)
        return events

    @staticmethod
    def named_trials(tracker: Tracker, text: str) -> list[Any]:
        ids = [e.get("value") for e in (tracker.latest_message or {}).get("entities") or ()
               if e.get("entity") == "trial_id" and e.get("value")]
        ids += TRIAL_ID.findall(text or "")
        found = [by_id(str(i)) for i in dict.fromkeys(ids)]
        return [t for t in found if t is not None]

    @staticmethod
    def focus(state: State) -> list[Any]:
        if state.focus and by_id(state.focus):
            return [by_id(state.focus)]
        report = report_for(state)
        fitting = [r.trial for r in report.results if r.verdict != "ineligible"]
        if fitting and state.profile.to_dict():
            return fitting[:3]
        return [r.trial for r in report.results][:3]

    @staticmethod
    def drug_text(text: str, chosen: list[Any], lang: str) -> str:
        said = extract(text, lang=lang).profile.to_dict().get("medications", {}) if text else {}
        drugs = [u["drug"] for u in said.get("taken") or ()] + list(said.get("not") or ())
        drugs = [d for d in drugs if d in vocabulary().drugs]
        if not drugs:
            drugs = list(dict.fromkeys(d for t in chosen for d in replies.study_drugs(t)))
        if not drugs:
            _ = words(lang)
            return _("I can only explain the study medicines of the trials I know; your doctor or "
                               "pharmacist can tell you more.")
        users = [t for t in chosen if any(d in replies.study_drugs(t) for d in drugs)]
        users = users or [t for t in catalogue().curated if t.open]
        return "\n".join(replies.drug_answer(d, users, lang) for d in drugs[:2])


class Forget(Step):
    """"Forget me": erase every fact of this conversation, and say so."""

    def name(self) -> str:
        return "forget"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        _ = words(State.from_tracker(tracker).lang)
        if not meant(tracker, _FORGET_WORDS):
            dispatcher.utter_message(text=_("Did you want me to delete everything you told me? If so, say "
                                            "\"forget me\" or press the button."),
                                     buttons=[{"title": _("Forget my data"), "payload": "/forget_me"}])
            return []
        # Tells a widget to drop its own copy of the conversation too, however the request was worded; the
        # tracker store deletes the conversation when it sees this at the end of the turn (stores/forgetting.py).
        dispatcher.utter_message(json_message={"type": "conversation_forgotten"})
        dispatcher.utter_message(text=_("Done: I've deleted everything you told me in this conversation. "
                                        "If you'd like to look for trials again, say \"start\"."))
        return [*cleared(), SlotSet("consent", None)]


class StartOver(Step):
    """Start again from the first question, with no fact kept."""

    def name(self) -> str:
        return "start_over"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        consent = tracker.get_slot("consent")
        _ = words(State.from_tracker(tracker).lang)
        if not meant(tracker, _START_WORDS):
            dispatcher.utter_message(text=_("Did you want to start again from the beginning? If so, say \"start "
                                            "over\" or press the button."),
                                     buttons=[{"title": _("Start over"), "payload": "/start_over"}])
            return []
        if tracker.get_slot("profile") or tracker.get_slot("results_shown"):
            dispatcher.utter_message(text=_("Let's start again. I've cleared what you told me before."))
        return [*cleared(), SlotSet("consent", True if consent else None)]


class Fallback(Step):
    """A message the assistant did not understand; if it carried facts, the questions take them up."""

    def name(self) -> str:
        return "fallback"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if carried_facts(tracker):
            return [FollowupAction(QUESTIONS)]
        _ = words(State.from_tracker(tracker).lang)
        dispatcher.utter_message(
            text=_("Sorry, I didn't understand that. I look for clinical trials that may fit: tell me the diagnosis "
                   "and the age, or ask me what a clinical trial is."),
            buttons=[{"title": _("Start"), "payload": "/start_over"},
                     {"title": _("What is a clinical trial?"), "payload": "/ask_what_is_trial"}])
        return []


class WhatNext(Step):
    """"Yes", "no" or "I don't know" outside the questions: if the message carried facts ("no, he is 9"), the
    questions take them up; otherwise the person is offered what to do next."""

    def name(self) -> str:
        return "what_next"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        if carried_facts(tracker):
            return [FollowupAction(QUESTIONS)]
        say(dispatcher, "what_next", State.from_tracker(tracker).lang)
        return []
