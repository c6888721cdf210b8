"""The chat widget in French and Dutch, in headless Chromium against the real Rasa and action servers.

The language comes from the widget's config (`?lang=fr` on the demo page sets it), else from the page's
`<html lang>` ("nl-BE" is Dutch), else English. The widget's own words must be those of its catalogue
(web/src/locales/<lang>.json) exactly; every message it sends carries `customData: {"lang": ...}`, so the assistant
answers in that language. The bot's words are checked only where the bot's catalogue (bot/locale/<lang>.po, read
with Babel here as the assistant reads it: fuzzy entries left out, English where a text is not translated yet) says
what they must be, so these tests hold while those catalogues are being filled in and once they are complete.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_widget import MPN, PAEDIATRIC, REPLY_TIMEOUT, Chat, Wire, widget_words

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
USER_UTTERED = re.compile(r'42\["user_uttered",(\{.*?\})\]')
# Labels of a card that are the widget's own (not the bot's), in English: none may show in another language.
# Sets <html lang> as soon as the element exists: before the page's scripts run, after the parser created it.
SET_PAGE_LANGUAGE = """(lang => new MutationObserver((changes, observer) => {
    if (document.documentElement) { document.documentElement.lang = lang; observer.disconnect(); }
}).observe(document, {childList: true}))(%s)"""
ENGLISH_CARD_LABELS = ("Register ID", "Status and dates", "Sites", "Why it may fit", "What is missing",
                       "Still unknown", "Register entry for")


def bot_words(lang: str, msgid: str) -> str:
    """What the assistant says for `msgid` in `lang`: its catalogue's translation, or the English msgid while the
    catalogue has none (as bot.i18n does: a fuzzy translation is not used)."""
    from babel.messages.pofile import read_po

    with (ROOT / "bot" / "locale" / f"{lang}.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    message = catalog.get(msgid)
    return message.string if message is not None and message.string and not message.fuzzy else msgid


def fill(text: str, **params) -> str:
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def sent_languages(frames: list[str]) -> list:
    """The customData of every user_uttered event among socket.io frames (websocket frames or polling bodies)."""
    found = []
    for frame in frames:
        for packet in frame.split("\x1e"):  # engine.io's separator of packets in one polling request
            for match in USER_UTTERED.finditer(packet):
                found.append(json.loads(match.group(1)).get("customData"))
    return found


def watch_polling(page) -> list[str]:
    """Bodies of the page's socket.io long-polling POSTs (before the upgrade to a websocket)."""
    bodies: list[str] = []

    def on_request(request) -> None:
        if "/socket.io/" in request.url and request.method == "POST":
            bodies.append(request.post_data or "")

    page.on("request", on_request)
    return bodies


def page_language(page, lang: str) -> None:
    """The demo page as if its `<html lang>` said `lang`, set as the page's element appears (before any script
    runs). Rewriting the served HTML with page.route would not do: Chromium then treats the page as coming from
    outside, and refuses it access to the loopback Rasa server."""
    page.add_init_script(SET_PAGE_LANGUAGE % json.dumps(lang))


def check_widget_words(page, chat: Chat, lang: str) -> None:
    """Every word of the widget's own on screen is its catalogue's, in `lang`."""
    words = chat.words
    root = page.locator(".tc-root")
    assert root.get_attribute("lang") == lang
    assert page.get_by_role("region", name=words["title"]).is_visible()
    assert page.locator(".tc-title").inner_text() == words["title"]
    assert page.locator(".tc-privacy").inner_text() == fill(words["privacy"], newChat=words["newChat"])
    assert page.locator(".tc-intro").inner_text() == fill(words["intro"], start=words["start"])
    assert chat.input.get_attribute("placeholder") == words["input.placeholder"]
    assert page.locator(".tc-label").inner_text() == words["input.label"]
    assert page.locator(".tc-send").inner_text() == words["send"]
    new_chat = page.locator(".tc-tool").first
    assert new_chat.inner_text() == words["newChat"] and new_chat.get_attribute("aria-label") == words["newChat.aria"]
    close = page.locator(".tc-close")
    assert close.inner_text() == words["close"] and close.get_attribute("aria-label") == words["close.aria"]
    # Numbers as the language writes them: "1 000" (a narrow no-break space) in French, "1.000" in Dutch.
    thousand = page.evaluate("lang => (1000).toLocaleString(lang)", lang)
    assert thousand != "1,000" or lang == "en"
    assert page.locator(".tc-hint").inner_text() == fill(words["input.hint"], max=thousand)
    english = widget_words("en")
    for key in ("title", "start", "send", "input.label", "newChat", "close"):
        if english[key] != words[key]:
            assert english[key] not in page.locator(".tc-panel").inner_text(), f"English {key!r} shown in {lang}"


def start_and_check_consent(chat: Chat, lang: str) -> None:
    """Start: the consent question comes with its two buttons in the assistant's words for `lang`."""
    chat.press(chat.words["start"])
    expected = [bot_words(lang, "Yes, go on"), bot_words(lang, "No, thanks")]
    chat.page.wait_for_function("() => document.querySelectorAll('.tc-suggestion').length >= 2",
                                timeout=REPLY_TIMEOUT)
    assert chat.suggestions() == expected, (chat.suggestions(), expected)


def test_french_from_the_config(site, context_factory, artifacts):
    """`?lang=fr` on the demo page sets the config's lang: French labels, lang=fr sent, French cards."""
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()
    polled = watch_polling(page)
    wire = Wire(page)
    page.goto(site.page + "?lang=fr")
    chat = Chat(page, site.logs, lang="fr")
    words = chat.words
    assert page.locator(".tc-launcher").inner_text() == words["launcher"]
    chat.open()
    chat.wait_connected()
    check_widget_words(page, chat, "fr")
    wire.wait_upgraded()

    # A clinician's one-liner in French, as the first message: the answer comes with a trial card whose own labels
    # are French, and with the assistant's buttons in the assistant's French.
    chat.say("Le patient, 6 ans, LAL après greffe de cellules souches, en réa, Phoenix 3, ferritine 4500 — un essai ?")
    card = chat.card(PAEDIATRIC)
    card.wait_for(timeout=REPLY_TIMEOUT)
    text = card.inner_text()
    for label in (f"{words['card.registerId']}\n{PAEDIATRIC}", words["card.statusDates"], words["card.sites"],
                  words["card.why"], fill(words["card.register"], id=PAEDIATRIC)):
        assert label in text, f"{label!r} not in the card:\n{text}"
    for label in ENGLISH_CARD_LABELS:
        assert label not in text, f"English {label!r} in a French card:\n{text}"
    assert "Utrecht" in text
    assert sum(PAEDIATRIC in m for m in chat.bot_messages()) == 1, "the card takes the place of the bot's text"
    link = card.locator("a").first
    assert "euclinicaltrials.eu" in link.get_attribute("href") and "lang=fr" in link.get_attribute("href")
    assert link.text_content() == fill(words["card.register"], id=PAEDIATRIC) + words["sr.newTab"]
    buttons = chat.suggestions()
    for msgid in ("Where are the sites?", "Forget my data"):
        assert bot_words("fr", msgid) in buttons, (msgid, buttons)
    page.screenshot(path=artifacts / "11-french-card.png")

    # Every message went with the widget's language.
    languages = sent_languages(polled + wire.sent)
    assert languages, languages
    assert all(data == {"lang": "fr"} for data in languages), languages

    # A trial whose texts exist in English only: a note says so, and its English title is marked as English.
    before = chat.received()
    wire.inject_bot_message({
        "type": "trial_results", "lang": "fr", "audience": "patient", "more_may_fit": 1,
        "results": [{"trial_id": MPN, "verdict": "possible", "fit": "pourrait convenir", "phase": "2",
                     "plain_title": "Adding anakinra for people with MPN", "english_only": True,
                     "recruitment": [{"display": "pas encore ouvert"}], "sites": [{"display": "Brest (France)"}],
                     "plain": {"why": ["néoplasme myéloprolifératif confirmé"], "unknown": ["plaquettes"],
                               "unknown_more": 2, "ask": "Donnez le numéro à votre médecin.",
                               "english_only": True}}]})
    page.wait_for_function("n => +document.querySelector('.tc-root').dataset.received > n", arg=before)
    card = chat.card(MPN)
    card.wait_for()
    text = card.inner_text()
    for label in (words["card.englishOnly"], fill(words["card.idPhase"], id=MPN, phase="2"), words["card.unknown"],
                  fill(words["card.unknownMore"], count=2), words["card.ask"], "néoplasme myéloprolifératif"):
        assert label in text, f"{label!r} not in the card:\n{text}"
    assert card.locator(".tc-card-title").get_attribute("lang") == "en"
    assert fill(words["results.more.one"], count=1) in chat.log.inner_text()


def test_dutch_from_the_page_language(site, context_factory, artifacts):
    """A page in Dutch (`<html lang="nl-BE">`) without a lang in the config: Dutch labels, lang=nl sent."""
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()

    page_language(page, "nl-BE")
    polled = watch_polling(page)
    wire = Wire(page)
    page.goto(site.page)
    assert page.evaluate("document.documentElement.lang") == "nl-BE"
    chat = Chat(page, site.logs, lang="nl")
    words = chat.words
    assert page.locator(".tc-launcher").inner_text() == words["launcher"]
    chat.open()
    chat.wait_connected()
    check_widget_words(page, chat, "nl")
    wire.wait_upgraded()
    start_and_check_consent(chat, "nl")
    page.screenshot(path=artifacts / "12-dutch-consent.png")
    languages = sent_languages(polled + wire.sent)
    assert languages and all(data == {"lang": "nl"} for data in languages), languages

    # Cards and counts from the assistant: the widget's labels in Dutch, numbers written the Dutch way.
    before = chat.received()
    wire.inject_bot_message({
        "type": "trial_results", "lang": "nl", "audience": "clinician", "more_may_fit": 1234,
        "results": [{"trial_id": PAEDIATRIC, "verdict": "possible", "fit": "past misschien",
                     "plain_title": "Vroeg anakinra voor kinderen", "recruitment": [], "sites": [],
                     "criteria": [{"kind": "inclusion", "status": "met", "label": "leeftijd", "reasons": []}],
                     "missing": [], "study_team_checks": ["a", "b"]}]})
    page.wait_for_function("n => +document.querySelector('.tc-root').dataset.received > n", arg=before)
    card = chat.card(PAEDIATRIC)
    card.wait_for()
    text = card.inner_text()
    for label in (f"{words['card.registerId']}\n{PAEDIATRIC}", words["card.statusUnknown"], words["card.noSites"],
                  words["card.why"], words["card.missing"], words["card.nothingMissing"],
                  fill(words["card.teamChecks"], count=2)):
        assert label in text, f"{label!r} not in the card:\n{text}"
    assert words["card.englishOnly"] not in text
    assert fill(words["results.more.other"], count="1.234") in chat.log.inner_text()

    # "New chat" says so in Dutch.
    page.locator(".tc-tool").first.click()
    page.locator(".tc-status", has_text=words["newChat.done"]).wait_for(timeout=5_000)
    page.screenshot(path=artifacts / "13-dutch-card.png")


@pytest.mark.parametrize(("query", "page_lang", "expected"), [
    ("?lang=fr", "nl-BE", "fr"),  # the config wins over the page
    ("?lang=de", "fr", "en"),  # a language without a catalogue is English
    ("", "fr-FR", "fr"),
    ("", "de", "en"),
    ("?lang=NL_be", "en", "nl"),
])
def test_which_language(site, context_factory, query, page_lang, expected):
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()

    page_language(page, page_lang)
    page.goto(site.page + query)
    assert page.evaluate("document.documentElement.lang") == page_lang
    page.locator(".tc-launcher").wait_for()
    assert page.locator(".tc-root").get_attribute("lang") == expected
    assert page.locator(".tc-launcher").inner_text() == widget_words(expected)["launcher"]
