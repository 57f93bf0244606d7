"""In Chromium: an admin logs in at /admin, uploads a PDF made here, a resident's chat answers from it, the
admin deletes it and the chat no longer does; without the admin's login the page never opens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from ingest.index import Indexer
from ingest.manage import ManagedCorpus
from qa.chain import QAChain
from qa.corpus import LiveCorpus
from qa.retrieve import HybridRetriever
from qa.semantic import SentenceMatcher
from qa.settings import Settings
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings
from tests.test_manage import BASE
from tests.test_ui_app import free_port
from tests.test_ui_browser import ARGS, ARTIFACTS, CHROMIUM, TIMEOUT
from ui.admin import AdminPage, build_admin
from ui.app import create, launch

ADMIN = ("boss", "pa55-word")
TITLE = "广州市白沙区国民经济和社会发展第十五个五年规划纲要"
PLAN = [
    TITLE,
    "第一章 生态建设",
    "到2030年，白沙区新建红树林湿地公园三座，湿地保护面积达到一千二百公顷。",
    "第二章 交通建设",
    "规划建设白沙港大道，连通港区与高铁站，全长十八公里。",
]
QUESTION = "白沙区规划新建几座红树林湿地公园？"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def make_pdf(path: Path) -> Path:
    """A one-page plan in Chinese, drawn with reportlab's built-in CID font (no font file needed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 12)
    for n, line in enumerate(PLAN):
        page.drawString(50, 800 - 22 * n, line)
    page.save()
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The chat over a one-plan index it follows live, and the admin page managing the same index."""
    root = tmp_path_factory.mktemp("browser-admin")
    index = root / "index"
    store = ChunkStore(open_client(index), "plans", embedding_model="bigram")
    indexer = Indexer(store, BigramEmbeddings(), index)
    (root / "qingmei.txt").write_text(BASE, encoding="utf-8")
    indexer.ingest([(root / "qingmei.txt", None)], progress=False)
    retriever = HybridRetriever(source=LiveCorpus(store, index), embeddings=BigramEmbeddings())
    chain = QAChain(retriever, max_question_chars=200, sentences=SentenceMatcher(BigramEmbeddings()))
    corpus = ManagedCorpus(indexer, root / "uploads", max_bytes=1 << 20)
    user, password = ADMIN
    settings = Settings(feedback_db=root / "f.sqlite3", admin_auth=SecretStr(f"{user}:{password}"))
    demo = create(chain, settings)
    url = launch(
        demo,
        settings,
        port=free_port(),
        prevent_thread_lock=True,
        quiet=True,
        admin=build_admin(AdminPage(corpus)),
    )
    yield url.rstrip("/")
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def log_in(page: object, url: str, user: str, password: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{url}/admin/")
    page.get_by_label("username").fill(user)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()


def ask(page: object, url: str, times: int = 1) -> str:
    """Ask the question `times` times on a fresh public page; return the last answer (or refusal)."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(url)
    replies = page.locator("#chat .a-text, #chat .a-refused")
    for n in range(times):
        page.fill("#question textarea", QUESTION)
        page.click("#send")
        expect(replies.nth(n)).to_be_visible()
    return replies.nth(times - 1).inner_text()


def test_admin_uploads_a_pdf_the_chat_answers_from_it_then_it_is_deleted(
    app: str, browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    expect.set_options(timeout=TIMEOUT)  # reading, embedding and publishing take a while on a busy machine
    ARTIFACTS.mkdir(exist_ok=True)
    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.set_default_timeout(TIMEOUT)
    log_in(admin, app, *ADMIN)
    expect(admin.locator("#documents")).to_contain_text("广州市青梅区")  # the plan already indexed

    admin.set_input_files("#upload input[type=file]", str(make_pdf(tmp_path / "baisha-plan.pdf")))
    admin.click("#upload-button")
    expect(admin.locator("#upload-results")).to_contain_text("已索引")
    expect(admin.locator("#documents")).to_contain_text(TITLE)
    expect(admin.locator("#documents")).to_contain_text("2026—2030")
    admin.screenshot(path=str(ARTIFACTS / "admin.png"))

    resident = browser.new_page(viewport={"width": 1280, "height": 900})
    resident.set_default_timeout(TIMEOUT)
    answered = ask(resident, app)
    assert "三座" in answered and "白沙区" in answered, answered
    expect(resident.locator("#sources")).to_contain_text(TITLE)  # the citation names the new plan

    admin.locator("#documents span.text", has_text="baisha-plan").first.click()
    expect(admin.locator("#chosen input")).to_have_value(f"baisha-plan · {TITLE}")
    admin.click("#remove-button")
    expect(admin.locator("#corpus-message")).to_contain_text("已删除 baisha-plan")
    expect(admin.locator("#documents")).not_to_contain_text(TITLE)
    expect(admin.locator("#documents")).to_contain_text("广州市青梅区")

    # Readers never wait for a new generation to load: a question that races the reload another request
    # started (the page opening reads the index too) is answered from the one before. The next is not.
    again = ask(resident, app, times=2)
    assert "三座" not in again and TITLE not in again, again


def test_without_the_admin_login_the_page_never_opens(app: str, browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    stranger = browser.new_page()
    stranger.set_default_timeout(TIMEOUT)
    log_in(stranger, app, ADMIN[0], "guess")
    expect(stranger.get_by_text("Incorrect credentials")).to_be_visible()
    assert stranger.locator("#upload").count() == 0 and stranger.locator("#documents").count() == 0
    stranger.goto(app)  # the public page: no corpus tab, no upload
    stranger.wait_for_selector("#question textarea")
    assert (
        stranger.get_by_role("tab", name="文档库").count() == 0 and stranger.locator("#upload").count() == 0
    )
