"""The chat widget on the demo page, in headless Chromium against the real Rasa and action servers.

A conversation to a trial card for each seed trial (a patient's, by keyboard, and a clinician's one-shot on a
phone-sized screen), the conversation kept across a reload, bot content shown as text (a crafted bot message and
crafted trial data injected into the page's socket.io connection), keyboard use and accessibility, the error for an
unreachable server, a dropped connection that comes back by itself, and a message that is too long.
Screenshots of the key steps: tests/browser/artifacts/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPLY_TIMEOUT = 30_000  # ms
LOCALES = Path(__file__).resolve().parents[2] / "web" / "src" / "locales"
MPN = "2025-523921-17-00"
PAEDIATRIC = "2025-524541-27-00"
MARKUP = "<img src=x onerror=alert(1)>"
FOCUSED_NAME = """() => { const e = document.activeElement;
    return e.labels && e.labels.length ? e.labels[0].textContent : e.getAttribute('aria-label') || e.textContent; }"""


def widget_words(lang: str = "en") -> dict[str, str]:
    """The widget's own words in a language: its message catalogue, web/src/locales/<lang>.json."""
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


class Chat:
    """The widget on one page, used as a person would: launcher, typing, Enter, suggestion buttons; the widget's
    own words (launcher, labels) in the language `lang` of its catalogue."""

    def __init__(self, page, logs: Path | None = None, lang: str = "en") -> None:
        self.page = page
        self.logs = logs
        self.words = widget_words(lang)
        self.root = page.locator(".tc-root")
        self.input = page.get_by_role("textbox", name=self.words["input.label"])
        self.log = page.get_by_role("log", name=self.words["log.aria"])
        self.dialogs: list[str] = []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self) -> None:
        self.page.get_by_role("button", name=self.words["launcher"]).click()
        self.input.wait_for()

    def received(self) -> int:
        return int(self.root.get_attribute("data-received") or 0)

    def wait_connected(self) -> None:
        self.page.wait_for_selector(".tc-root[data-state=connected]", state="attached", timeout=REPLY_TIMEOUT)

    def wait_replies(self, before: int) -> None:
        """Until the bot answered, and then until no new message came for half a second."""
        try:
            self.page.wait_for_function(
                "n => +document.querySelector('.tc-root').dataset.received > n", arg=before, timeout=REPLY_TIMEOUT)
        except Exception as error:  # playwright's TimeoutError (playwright is imported only where installed)
            pytest.fail(f"the bot did not answer within {REPLY_TIMEOUT // 1000} s ({type(error).__name__}); "
                        f"the servers' logs are in {self.logs}")
        count, quiet_since = self.received(), time.monotonic()
        while time.monotonic() - quiet_since < 0.5:
            time.sleep(0.1)
            if self.received() != count:
                count, quiet_since = self.received(), time.monotonic()

    def say(self, text: str) -> str:
        """Type a message and press Enter; returns the text of the bot's answer."""
        before, shown = self.received(), self.bot_messages()
        self.input.click()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self.wait_replies(before)
        return "\n".join(self.bot_messages()[len(shown):])

    def press(self, title: str) -> str:
        """Press a suggested reply."""
        before, shown = self.received(), self.bot_messages()
        self.suggestion_group().get_by_role("button", name=title).click()
        self.wait_replies(before)
        return "\n".join(self.bot_messages()[len(shown):])

    def suggestion_group(self):
        return self.page.get_by_role("group", name=self.words["suggestions.aria"])

    def suggestions(self) -> list[str]:
        return self.suggestion_group().get_by_role("button").all_inner_texts()

    def bot_messages(self) -> list[str]:
        return self.page.locator(".tc-log .tc-from-bot").all_inner_texts()

    def card(self, trial_id: str):
        return self.page.locator(".tc-card", has=self.page.locator(".tc-trial-id", has_text=trial_id))


def check_card(card, *, trial_id: str, title: str, status: str, site: str, patient: bool) -> None:
    """A patient's card is short (why, what is unknown, how to ask); a clinician's has every criterion."""
    text = card.inner_text()
    parts = ("Still unknown", "How to ask about it") if patient else ("What is missing",)
    for expected in (title, f"Register ID\n{trial_id}", "Status and dates", status, "Sites", site, "Why it may fit",
                     *parts):
        assert expected in text, f"{expected!r} not in the card:\n{text}"
    assert "eligible" not in text.lower().replace("ineligible", "")


def no_horizontal_scroll(page) -> None:
    widths = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth, view: window.innerWidth,
        wide: [...document.querySelectorAll('.tc-root *')].filter(e => {
            const r = e.getBoundingClientRect(); return r.width && (r.right > window.innerWidth + 1 || r.left < -1);
        }).map(e => e.className || e.tagName).slice(0, 5)})""")
    assert widths["page"] <= widths["view"], widths
    assert not widths["wide"], widths


def test_patient_reaches_mpn_card_and_reload_keeps_it(site, context_factory, artifacts):
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(site.page)
    chat = Chat(page, site.logs)
    chat.open()
    chat.wait_connected()
    page.screenshot(path=artifacts / "01-open.png")
    consent = chat.press("Start")
    assert "Shall we go on?" in consent
    assert "diagnosed" in chat.press("Yes, go on")
    chat.say("I have essential thrombocythemia")
    chat.say("I'm 45")
    chat.say("I've been on hydroxyurea for 8 months")
    # the first answer comes as soon as the trial that may fit is known, with the rest offered
    assert "more questions would settle it" in chat.say("partial response")
    card = chat.card(MPN)
    card.wait_for(timeout=REPLY_TIMEOUT)
    check_card(card, trial_id=MPN, title="Adding anakinra", status="1 June 2026", site="Brest", patient=True)
    assert "at least the 6 months required" not in card.inner_text()
    page.screenshot(path=artifacts / "02-mpn-card.png")
    session = page.evaluate("() => JSON.parse(Object.entries(localStorage)[0][1]).sessionId")
    before = chat.log.inner_text()

    page.reload()
    chat = Chat(page, site.logs)
    chat.wait_connected()
    assert chat.input.is_visible(), "the chat was open before the reload and should still be"
    assert chat.card(MPN).count() == 1
    assert chat.log.inner_text() == before
    assert page.evaluate("() => JSON.parse(Object.entries(localStorage)[0][1]).sessionId") == session
    # The same Rasa conversation goes on: the kept suggestion asks about the trial the answer was about.
    answer = chat.press("Where are the sites?")
    assert "Brest" in answer and "1 June 2026" in answer, answer
    page.screenshot(path=artifacts / "03-after-reload.png")
    assert not chat.dialogs


def test_clinician_one_shot_on_a_phone(site, context_factory, artifacts):
    context = context_factory(viewport={"width": 375, "height": 667}, device_scale_factor=2, is_mobile=True,
                              has_touch=True)
    page = context.new_page()
    page.goto(site.page)
    no_horizontal_scroll(page)
    page.screenshot(path=artifacts / "04-phone-page.png")
    chat = Chat(page, site.logs)
    chat.open()
    chat.wait_connected()
    box = page.locator(".tc-panel").bounding_box()
    assert box["x"] == 0 and box["width"] == 375 and box["height"] == 667, box
    answer = chat.say("6 y/o, ALL post-HCT, PICU, Phoenix 3, ferritin 4500 — anything?")
    assert "not medical advice" in answer
    card = chat.card(PAEDIATRIC)
    card.wait_for(timeout=REPLY_TIMEOUT)
    check_card(card, trial_id=PAEDIATRIC, title="Early anakinra for children", status="1 May 2026",
               site="Utrecht", patient=False)
    # The card replaced the bot's text about the same trial: it is said once.
    assert sum(PAEDIATRIC in m for m in chat.bot_messages()) == 1
    no_horizontal_scroll(page)
    page.screenshot(path=artifacts / "05-phone-card.png")

    # "Forget my data": the assistant erases the facts, and the widget erases its copy in this browser.
    assert "ferritin" in page.evaluate("() => JSON.stringify(localStorage)")
    chat.press("Forget my data")
    assert "deleted everything" in chat.bot_messages()[-1]
    assert "ferritin" not in page.evaluate("() => JSON.stringify(localStorage)")
    assert "ferritin" not in chat.log.inner_text()
    # Typed in words rather than pressed, "forget me" clears this browser's copy as well.
    chat.say("ferritin 3000")
    assert "ferritin" in page.evaluate("() => JSON.stringify(localStorage)")
    chat.say("forget me")
    assert "ferritin" not in page.evaluate("() => JSON.stringify(localStorage)")
    assert "ferritin" not in chat.log.inner_text()


class Wire:
    """The page's socket.io websocket, passed through to Rasa, into which a test can inject frames, or cut it.

    The client starts with HTTP long-polling and then upgrades to a websocket; frames are injected once the
    upgrade is done (the page sent engine.io's upgrade packet "5").
    """

    def __init__(self, page) -> None:
        self.page = page
        self.routes: list = []
        self.upgrades = 0
        self.sent: list[str] = []  # the frames the page sent over the websocket
        page.route_web_socket("**/socket.io/**", self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()

        def from_page(message) -> None:
            self.sent.append(message)
            if message == "5":
                self.upgrades += 1
            server.send(message)

        ws.on_message(from_page)
        server.on_message(ws.send)
        self.routes.append(ws)

    def wait_upgraded(self, count: int = 1) -> None:
        deadline = time.monotonic() + 15
        while self.upgrades < count:
            assert time.monotonic() < deadline, "the widget's connection never upgraded to a websocket"
            self.page.wait_for_timeout(100)

    def inject_bot_message(self, message: dict) -> None:
        """A bot_uttered event as Rasa sends it (engine.io message '4', socket.io event '2')."""
        self.routes[-1].send("42" + json.dumps(["bot_uttered", message]))

    def cut(self) -> None:
        self.routes[-1].close()


def test_bot_content_is_shown_as_text(site, context_factory, artifacts):
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    wire = Wire(page)
    page.goto(site.page)
    chat = Chat(page, site.logs)
    chat.open()
    chat.wait_connected()
    wire.wait_upgraded()
    before = chat.received()
    wire.inject_bot_message({
        "text": f"{MARKUP} is not a picture. Not a link: javascript:alert(2). A link: https://example.org/info.",
        "quick_replies": [{"title": "<b>bold?</b>", "payload": "/affirm"}]})
    wire.inject_bot_message({
        "type": "trial_results", "note": "<em>note</em>", "order": "Ordered <b>by fit</b>.", "more_may_fit": 7,
        "results": [{
            "trial_id": MPN, "verdict": "possible", "fit": "may fit <script>alert(3)</script>",
            "plain_title": f"{MARKUP}<svg onload=alert(4)>", "phase": "II",
            "recruitment": [{"display": "<i>recruiting</i> (start 1 June 2026)"}],
            "sites": [{"display": '<a href="javascript:alert(5)">Brest</a>'}],
            "criteria": [{"kind": "inclusion", "status": "met", "label": "<iframe src=javascript:alert(6)>",
                          "reasons": []}],
            "missing": [{"label": "<u>platelets</u>"}], "study_team_checks": ["<b>check</b>"],
            "url": "javascript:alert(7)"}]})
    page.wait_for_function("n => +document.querySelector('.tc-root').dataset.received >= n + 2", arg=before)
    chat.card(MPN).wait_for()
    page.wait_for_timeout(500)  # time for any onerror/onload to have fired

    widget = page.locator(".tc-root")
    assert widget.locator("img, svg, script, iframe, b, i, u, em").count() == 0
    assert page.locator("img").count() == 0
    text = chat.log.inner_text()
    for literal in (MARKUP, "<svg onload=alert(4)>", "<script>alert(3)</script>", '<a href="javascript:alert(5)">',
                    "<iframe src=javascript:alert(6)>", "<u>platelets</u>", "<em>note</em>", "Ordered <b>by fit</b>.",
                    "\u2026and 7 more trials that may fit."):
        assert literal in text, literal
    assert page.get_by_role("button", name="<b>bold?</b>").is_visible()
    hrefs = widget.locator("a").evaluate_all("links => links.map(a => [a.getAttribute('href'), a.rel, a.target])")
    assert ["https://example.org/info", "noopener noreferrer nofollow", "_blank"] in hrefs
    assert all(re.match(r"https?://", href) for href, _, _ in hrefs), hrefs
    assert not any("javascript" in href for href, _, _ in hrefs)
    assert not chat.dialogs, chat.dialogs
    assert not [url for url in requested if url.rstrip("/").endswith("/x")], requested
    page.screenshot(path=artifacts / "06-markup-card-as-text.png")
    chat.log.locator(".tc-from-bot", has_text="is not a picture").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=artifacts / "06-markup-message-as-text.png")


def test_keyboard_and_screen_reader_structure(site, context_factory, artifacts):
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(site.page)
    chat = Chat(page, site.logs)
    launcher = page.locator(".tc-launcher")  # hidden while the chat is open
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.get_attribute("aria-controls") == page.locator(".tc-panel").get_attribute("id")
    for _ in range(10):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if launcher.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert chat.input.evaluate("e => e === document.activeElement"), "opening the chat puts the focus in the input"
    chat.wait_connected()

    # Structure: a labelled region, a polite live log, status and alert regions, a labelled input, named buttons.
    panel = page.get_by_role("region", name="Trial finder")
    assert panel.is_visible()
    assert chat.log.get_attribute("aria-live") == "polite"
    assert page.locator(".tc-root [role=status]").count() == 1
    assert page.locator(".tc-root [role=alert]").count() >= 1
    assert all(name.strip() for name in page.locator(".tc-root button").evaluate_all(
        "bs => bs.map(b => b.getAttribute('aria-label') || b.textContent)"))

    before = chat.received()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    chat.wait_replies(before)
    assert "Shall we go on?" in chat.bot_messages()[-1]

    # Focus order: header buttons, the conversation, the suggested replies, the input, Send.
    page.get_by_role("button", name=re.compile("New chat")).focus()
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED_NAME))
    assert order == ["Close the chat", "Conversation", "Yes, go on", "No, thanks", "Your message", "Send"], order
    # A suggested reply by keyboard: Shift+Tab back to it, Enter; the focus comes back to the input.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    before = chat.received()
    page.keyboard.press("Enter")
    chat.wait_replies(before)
    assert "diagnosed" in chat.bot_messages()[-1]
    assert chat.input.evaluate("e => e === document.activeElement")
    page.screenshot(path=artifacts / "07-keyboard.png")

    # A message that is too long is not sent, and the person is told why and by how much.
    sent = page.locator(".tc-from-user").count()
    chat.input.fill("a" * 1001)
    page.keyboard.press("Enter")
    error = page.locator(".tc-input-error")
    assert "too long: 1,001 characters" in error.inner_text() and "limit is 1,000" in error.inner_text()
    assert error.get_attribute("role") == "alert"
    assert chat.input.get_attribute("aria-invalid") == "true"
    assert page.locator(".tc-from-user").count() == sent
    page.screenshot(path=artifacts / "08-too-long.png")
    chat.input.fill("")
    page.keyboard.type("x")
    assert chat.input.get_attribute("aria-invalid") is None

    # Escape closes the chat and gives the focus back to the launcher.
    page.keyboard.press("Escape")
    assert launcher.evaluate("e => e === document.activeElement")
    assert launcher.get_attribute("aria-expanded") == "false"


def test_unreachable_server_is_explained(site, context_factory, artifacts):
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(site.dead_page)
    chat = Chat(page, site.logs)
    chat.open()
    alert = page.locator(".tc-alert")
    alert.filter(has_text="can\u2019t be reached right now").wait_for(timeout=15_000)
    assert page.locator(".tc-root").get_attribute("data-state") == "unreachable"
    chat.input.click()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    assert "will be sent as soon as the connection is back" in page.locator(".tc-status").inner_text()
    page.screenshot(path=artifacts / "09-unreachable.png")


def test_dropped_connection_reconnects_by_itself(site, context_factory, artifacts):
    page = context_factory(viewport={"width": 1280, "height": 860}).new_page()
    wire = Wire(page)
    page.goto(site.page)
    chat = Chat(page, site.logs)
    chat.open()
    chat.wait_connected()
    wire.wait_upgraded()
    wire.cut()  # as if the server or the network cut the connection
    page.locator(".tc-alert", has_text="connection to the assistant dropped").wait_for(timeout=5_000)
    page.screenshot(path=artifacts / "10-dropped.png")
    chat.wait_connected()
    page.locator(".tc-status", has_text="Connected again").wait_for(timeout=5_000)
    wire.wait_upgraded(2)
    assert "Shall we go on?" in chat.say("hello"), "messages flow again after the reconnection"
