"""In Chromium: a resident asks, then an admin opens the 问题看板 over a seeded week of questions: charts
drawn, refusals grouped by nearest section, 👎 comments shown, dates filtered, CSVs downloaded safe."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from ingest.index import Indexer
from ingest.manage import ManagedCorpus
from qa.settings import Settings
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings
from tests.question_seed import answer, seed
from tests.test_ui_app import free_port
from tests.test_ui_browser import ARGS, ARTIFACTS, CHROMIUM, GDP, TIMEOUT
from tests.ui_index import plans_chain
from ui.admin import AdminPage, build_admin
from ui.app import create, launch
from ui.feedback import FeedbackStore
from ui.tabs.questions import question_data

ADMIN = ("boss", "pa55-word")
COMMENT = "=没有写明哪一年通车"  # a comment a spreadsheet would run, were it not quoted

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The chat over both plans with a question log seeded with the past week, and the admin page."""
    index = tmp_path_factory.getbasetemp() / "ui-index"
    chain = plans_chain(index)
    root = tmp_path_factory.mktemp("browser-questions")
    seed(root / "q.sqlite3", date.today() - timedelta(days=6)).close()
    metro = answer("荔湾地铁什么时候通车", False, (("liwan", ("第三章 交通",)),), 1.0)
    FeedbackStore(root / "f.sqlite3").record(metro, False, comment=COMMENT)
    user, password = ADMIN
    settings = Settings(
        feedback_db=root / "f.sqlite3",
        question_log=root / "q.sqlite3",
        admin_auth=SecretStr(f"{user}:{password}"),
        rate_limit_per_minute=50,
    )
    store = ChunkStore(open_client(index), "plans", embedding_model="bigram")
    corpus = ManagedCorpus(Indexer(store, BigramEmbeddings(), index), root / "uploads", max_bytes=1 << 20)
    admin = build_admin(AdminPage(corpus, questions=question_data(settings)))
    demo = create(chain, settings)
    url = launch(demo, settings, port=free_port(), prevent_thread_lock=True, quiet=True, admin=admin)
    yield url.rstrip("/")
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def download(page: object, button: str, folder: Path) -> list[list[str]]:
    """Click a download button; return the CSV's cells."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    with page.expect_download() as got:
        page.click(button)
    path = folder / got.value.suggested_filename
    got.value.save_as(path)
    assert path.suffix == ".csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_an_admin_sees_what_residents_ask_and_downloads_it(app: str, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    resident = browser.new_page()
    resident.set_default_timeout(TIMEOUT)
    resident.goto(app)
    resident.fill("#question textarea", GDP)
    resident.click("#send")
    expect(resident.locator("#chat .a-text").first).to_contain_text("386.31亿元")

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{app}/admin/")
    page.get_by_label("username").fill(ADMIN[0])
    page.get_by_label("password").fill(ADMIN[1])
    page.get_by_role("button", name="Login").click()
    page.get_by_role("tab", name="问题看板").click()

    summary = page.locator("#q-summary")
    expect(summary).to_contain_text(re.compile(r"共\s*11\s*个问题"))  # the seeded ten and the resident's
    expect(summary).to_contain_text(re.compile(r"未能回答\s*4\s*个"))
    for chart in ("#per-day-chart", "#topic-chart"):
        expect(page.locator(f"{chart} canvas, {chart} svg").first).to_be_visible()
    unmet = page.locator("#unmet-table")
    expect(unmet).to_contain_text("第六章 民生 > 第一节 教育")
    expect(unmet).to_contain_text("荔湾区的幼儿园学位够不够")
    expect(page.locator("#sections-table")).to_contain_text("第五章 生态 > 第一节 森林")
    expect(page.locator("#topics-table")).to_contain_text("幼儿园")
    expect(page.locator("#downvotes-table")).to_contain_text(COMMENT)
    expect(page.locator("#slowest-table")).to_contain_text("荔湾区小学学位怎么增加？")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "questions.png"), full_page=True)

    unmet_csv = download(page, "#unmet-csv", tmp_path)
    assert unmet_csv[0] == ["文档", "最接近的章节", "未答问题数", "例句"]
    assert unmet_csv[1][:3] == ["liwan", "第六章 民生 > 第一节 教育", "2"]
    assert any(cell.startswith("'=HYPERLINK") for row in unmet_csv for cell in row)
    keywords = [row[0] for row in download(page, "#topics-csv", tmp_path)[1:]]
    assert "幼儿园" in keywords and not {"荔湾区", "荔湾", "从化区", "从化"} & set(
        keywords
    )  # places: no topic
    comments = [row[2] for row in download(page, "#downvotes-csv", tmp_path)[1:]]
    assert comments == ["'" + COMMENT]
    page.click("#questions-export")
    expect(page.locator("#questions-csv")).to_be_enabled()
    everything = download(page, "#questions-csv", tmp_path)
    assert len(everything) == 12 and GDP in [row[5] for row in everything]

    page.locator("#q-start input").fill(date.today().isoformat())
    page.locator("#q-start input").press("Enter")
    expect(summary).to_contain_text(re.compile(r"共\s*2\s*个问题"))  # today's seeded one and the resident's
    page.close()
    resident.close()
