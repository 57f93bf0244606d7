"""Chromium (Debian's, via Playwright) asks, opens a source, votes; edits and downloads a briefing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from qa.chain import QAChain
from qa.settings import REPO_ROOT, Settings
from tests.test_ui_app import free_port
from tests.ui_index import plans_chain
from ui.app import create, launch

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts"
GDP = "从化区2020年的地区生产总值是多少？"
TIMEOUT = 60_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    chain: QAChain = plans_chain(tmp_path_factory.getbasetemp() / "ui-index")
    db = tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"
    demo = create(chain, Settings(feedback_db=db, rate_limit_per_minute=50))
    url = launch(demo, Settings(), port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url, db
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def test_ask_open_a_source_and_vote(app: tuple[str, Path], browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, db = app
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector("#question textarea")

    page.fill("#question textarea", GDP)
    page.click("#send")
    chip = page.locator("#chat a.cite-chip[href='#src-0-1']").first  # the lead and its quote both cite [1]
    expect(chip).to_be_visible()
    expect(page.locator("#chat .a-text").first).to_contain_text("386.31亿元")
    expect(page.locator("#chat .a-meta").first).not_to_contain_text("用时")  # the API keeps the time
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "answer.png"))  # the README's docs/screenshot.png is a copy of this

    page.fill("#question textarea", "那荔湾呢？")
    page.keyboard.press("Enter")
    expect(page.locator("#sources #src-1-1")).to_contain_text("荔")
    card = page.locator("#sources #src-0-1")
    assert card.evaluate("el => el.open") is False  # earlier answers' sources start folded
    chip.click()
    expect(card).to_have_attribute("open", "")
    expect(card.locator("mark")).to_contain_text("386.31亿元")
    expect(card.locator("mark")).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "chat.png"))

    evil = '<img src=x onerror="window.pwned=1">结果如何'
    page.fill("#question textarea", evil)
    page.click("#send")
    expect(page.locator("#chat .q-text").last).to_have_text(evil)
    assert page.evaluate("window.pwned") is None

    page.locator("#chat button[aria-label='Dislike']").first.click()
    expect(page.locator("#comment-box textarea")).to_be_visible()
    page.fill("#comment-box textarea", "希望附上原文链接")
    page.click("#comment-send")
    expect(page.locator("#comment-box textarea")).to_be_hidden()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT vote, comment, question FROM feedback").fetchall() == [
            (-1, "希望附上原文链接", GDP)
        ]

    page.close()


def test_a_briefing_edited_with_backspace_and_typing_downloads_as_edited(
    app: tuple[str, Path], browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(TIMEOUT)
    page.goto(app[0])
    page.get_by_role("tab", name="简报助手").click()
    page.fill("#topic textarea", "生态环境保护")
    page.click("#make-brief")
    page.wait_for_function("document.querySelector('#draft textarea').value.includes('### 主要举措')")
    expect(page.locator("#download-md")).to_be_enabled()
    draft = page.locator("#draft textarea")
    draft.click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")  # the end of "# 简报：生态环境保护"
    for _ in range(2):
        page.keyboard.press("Backspace")
    page.keyboard.type("（已核）")  # non-keyboard characters go in as text insertion, as an input method's
    page.keyboard.press("Control+End")
    page.keyboard.type("\n补充：请办公室核对。")
    page.keyboard.press("Backspace")  # the last edit comes right before the click, with no pause
    with page.expect_download() as got_md:
        page.click("#download-md")
    md = tmp_path / got_md.value.suggested_filename
    got_md.value.save_as(md)
    text = md.read_text(encoding="utf-8")
    assert md.suffix == ".md" and text.startswith("# 简报：生态环境（已核）\n")
    assert text.rstrip().endswith("补充：请办公室核对") and text == draft.input_value()

    draft.press("Control+End")
    for _ in range(4):
        page.keyboard.press("Backspace")  # "补充：请办" is what the Word file must hold now
    with page.expect_download() as got_docx:
        page.click("#download-docx")
    docx = tmp_path / got_docx.value.suggested_filename
    got_docx.value.save_as(docx)
    document = Document(str(docx))
    paragraphs = [p.text for p in document.paragraphs]
    assert docx.suffix == ".docx" and paragraphs[0] == "简报：生态环境（已核）"
    assert paragraphs[-1] == "补充：请办" and "补充：请办公室核对" not in paragraphs
    assert document.core_properties.title == "生态环境保护" and document.core_properties.author == "PlanQA"

    page.get_by_role("tab", name="预览").click()
    preview = page.locator("#brief-preview")
    expect(preview.locator("h1")).to_have_text("简报：生态环境（已核）")
    expect(preview.locator("sup.fn-ref a").first).to_have_attribute("href", "#brief-note-1")
    expect(preview.locator("ol.brief-notes li").first).to_contain_text("第")
    assert "[^" not in preview.inner_text()
    page.screenshot(path=str(ARTIFACTS / "brief.png"))
    page.close()


def test_on_a_phone_the_district_filter_offers_its_own_examples(
    app: tuple[str, Path], browser: object
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page.set_default_timeout(TIMEOUT)
    page.goto(app[0])
    page.locator("#district").get_by_text("荔湾").tap()
    example = page.locator("#chat").get_by_text("荔湾区有哪些历史文化街区？")
    example.tap()
    expect(page.locator("#chat a.cite-chip").first).to_be_visible()
    expect(page.locator("#sources .src-district").first).to_have_text("荔灣區")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    page.locator("#chat a.cite-chip").first.tap()
    expect(page.locator("#sources #src-0-1 mark")).to_be_in_viewport()
    page.wait_for_timeout(600)  # let the smooth scroll settle before the picture
    page.screenshot(path=str(ARTIFACTS / "chat-mobile.png"))
    page.close()
