"""In Chromium: a refusal's chips open its nearest sections, suggested questions ask with one click (in the
other district's plan when offered), a 👎 with a comment is one row, and toasts speak Chinese."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.chain import QAChain
from qa.settings import Settings
from tests.test_ui_app import free_port
from tests.test_ui_browser import ARGS, CHROMIUM, TIMEOUT
from tests.ui_index import plans_chain
from ui.app import create, launch

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]
GDP = "从化区2020年的地区生产总值是多少？"
LANDMARK = "白鹅潭商务区的战略定位是什么？"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    chain: QAChain = plans_chain(tmp_path_factory.getbasetemp() / "ui-index")
    db = tmp_path_factory.mktemp("feedback-leads") / "feedback.sqlite3"
    demo = create(chain, Settings(feedback_db=db, rate_limit_per_minute=50))
    url = launch(demo, Settings(), port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url, db
    demo.close()


def test_refusals_and_answers_lead_on_and_feedback_is_one_row(app: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, db = app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.wait_for_selector("#question textarea")
        questions = page.locator("#chat .q-text")
        answers = page.locator("#chat .a-text, #chat .a-refused")

        def ask(question: str) -> None:
            before = answers.count()
            page.fill("#question textarea", question)
            page.click("#send")
            expect(answers).to_have_count(before + 1)

        # A refusal: its nearest sections are chips that open the passage in the sources panel.
        ask("火星基地什么时候建成？")
        expect(page.locator("#chat .a-plans")).to_contain_text("可查询的规划")
        near = page.locator("#chat a.near-chip").first
        card = page.locator("#sources #src-0-near1")
        assert card.evaluate("el => el.open") is False
        near.click()
        expect(card).to_have_attribute("open", "")
        expect(card.locator(".src-text")).to_be_in_viewport()
        assert card.locator(".src-text").inner_text().strip()

        # An answer: a follow-up chip asks its question, which is answered with citations.
        ask(GDP)
        follow_up = page.locator("#chat .a-next .ask-chip").last
        suggested = follow_up.get_attribute("title")
        assert suggested and "举措" in suggested
        follow_up.click()
        expect(questions).to_have_count(3)
        expect(questions.last).to_have_text(suggested)
        expect(page.locator("#chat .a-text")).to_have_count(2)
        expect(page.locator("#chat a.cite-chip[href^='#src-2-']").first).to_be_visible()
        assert "用时" not in page.locator("#chat").inner_text()  # the time taken is the API's

        # Within 从化, a landmark of 荔湾 offers 荔湾; the chip chooses it and asks again there.
        page.locator("#district").get_by_text("从化").click()
        ask(LANDMARK)
        switch = page.locator("#chat .a-switch .ask-chip").last
        expect(switch).to_contain_text("荔湾")
        switch.click()
        expect(page.locator("#district input[value='liwan']")).to_be_checked()
        expect(questions).to_have_count(5)
        expect(page.locator("#sources .src-group").first.locator(".src-district").first).to_have_text(
            "荔灣區"
        )

        # 👎 with a comment: one row, the comment on it; the thanks is a Chinese toast.
        page.locator("#chat button[aria-label^='Dislike']").nth(1).click()
        expect(page.locator("#comment-box textarea")).to_be_visible()
        page.fill("#comment-box textarea", "希望多给一些数字")
        page.click("#comment-send")
        toast = page.locator(".toast-body").last
        expect(toast).to_contain_text("已收到您的意见")
        expect(toast).to_contain_text("提示")
        expect(toast).not_to_contain_text("Info")
        settle(db, page, [(-1, "希望多给一些数字", GDP)])
        page.locator("#chat button[aria-label^='Like']").nth(1).click()  # changed: the same row, updated
        settle(db, page, [(1, "希望多给一些数字", GDP)])
        page.locator("#chat button[aria-label^='Like']").nth(1).click()  # clicked off: no vote
        settle(db, page, [])
        browser.close()


def settle(db: Path, page: object, want: list[tuple[int, str, str]]) -> None:
    """Wait for the feedback rows to become `want` (a vote travels through the page's event queue)."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    rows: list[tuple[int, str, str]] = []
    for _ in range(100):
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT vote, comment, question FROM feedback ORDER BY id").fetchall()
        if rows == want:
            return
        page.wait_for_timeout(100)
    assert rows == want
