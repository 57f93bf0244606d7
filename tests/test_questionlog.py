"""The question log in a real SQLite file: what it keeps, what it never keeps, how long, how much."""

from __future__ import annotations

import csv
import sqlite3
import threading
import time
from datetime import UTC, date
from pathlib import Path

import pytest
from gradio_client import Client

from qa.chain import QAChain
from qa.keywords import teach
from qa.settings import Settings
from tests.question_seed import FOREST, METRO, SCHOOLS, Clock, answer, noon, seed
from tests.test_ui_app import free_port
from tests.ui_index import plans_chain
from ui import topics
from ui.app import create, launch
from ui.chat import ChatService
from ui.cli import main
from ui.feedback import FeedbackStore
from ui.limits import RateLimiter
from ui.questionlog import COLUMNS, DAY_SECONDS, QUESTION_CHARS, QuestionLog

GDP = "从化区2020年的地区生产总值是多少？"
ADDRESS = "203.0.113.77"  # TEST-NET-3: an address no real client has
AGENT = "PlanQA-Probe/9.9 (privacy test)"


def file_bytes(path: Path) -> bytes:
    """The database and its WAL and shared-memory files, as written so far."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_an_answer_and_a_refusal_are_kept_with_what_staff_need(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3", days=30, clock=Clock(noon(date(2026, 3, 1))), tz=UTC)
    log.record(answer("從化區森林覆蓋率是多少？", False, (FOREST, METRO), 41.26), "conghua", "abc")
    log.record(
        answer("荔湾区新建几所幼儿园？", True, (SCHOOLS, METRO, FOREST, SCHOOLS), 9.0), None, "", "api"
    )
    got, refused = log.rows()
    assert (got.question, got.district, got.script, got.refused, got.source) == (
        "從化區森林覆蓋率是多少？", "conghua", "zh-Hant", False, "chat"
    )  # fmt: skip
    assert got.cited == (("conghua", "第五章 生态 > 第一节 森林"), ("liwan", "第三章 交通 > 第二节 轨道交通"))
    assert got.nearest == ()  # an answer's sections are the ones it cites
    assert (got.probability, got.latency_ms, got.backend) == (0.9, 41.3, "extractive")
    assert refused.refused and refused.cited == () and refused.source == "api"
    assert [d for d, _ in refused.nearest] == ["liwan", "liwan", "conghua"]  # three, without repeats
    assert refused.session == ""  # an API call without a session is no one's
    assert got.session and got.session != "abc" and len(got.session) == 16
    assert got.day == "2026-03-01"


def test_one_session_keeps_one_token_but_the_token_is_not_the_session_id(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    assert log.token("hash-1") == log.token("hash-1") != log.token("hash-2")
    assert QuestionLog(tmp_path / "other.sqlite3").token("hash-1") != log.token("hash-1")  # key per start
    log.record(answer("问题", False, (FOREST,), 1.0), session="gradio-session-hash-x1")
    assert b"gradio-session-hash-x1" not in file_bytes(log.path)


def test_no_column_could_hold_an_address_or_a_browser(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    with sqlite3.connect(log.path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(questions)")}
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables <= {"questions", "sqlite_sequence"}
    assert columns == set(COLUMNS)  # exactly the documented fields
    words = {w for c in columns for w in c.split("_")}
    assert not words & {"ip", "addr", "address", "host", "client", "remote", "agent", "ua", "browser", "hash"}


def test_a_question_keeps_its_content_words_and_a_reader_may_take_only_the_latest(tmp_path: Path) -> None:
    log = seed(tmp_path / "q.sqlite3")
    first = log.rows()[2]
    assert first.question == "從化區森林覆蓋率是多少？" and first.words == ("从化区", "森林", "覆盖率")
    assert [r.id for r in log.rows(limit=3)] == [8, 9, 10]
    assert [r.id for r in log.rows(date(2026, 11, 20), date(2026, 11, 21), limit=3)] == [2, 3, 4]
    assert log.count(date(2026, 11, 24), date(2026, 11, 24)) == 2 and log.count() == 10


def test_a_log_written_before_words_were_kept_is_read_and_written(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with sqlite3.connect(path) as conn:  # the first release's table
        conn.execute(
            "CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL,"
            " day TEXT NOT NULL, session TEXT NOT NULL, source TEXT NOT NULL, question TEXT NOT NULL,"
            " district TEXT NOT NULL,"
            " script TEXT NOT NULL, refused INTEGER NOT NULL, probability REAL, cited TEXT NOT NULL,"
            " nearest TEXT NOT NULL, latency_ms REAL, backend TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO questions VALUES (1, 0, '2026-01-01', '', 'chat', '旧问题', '', 'zh-Hans', 0, NULL,"
            " '[]', '[]', NULL, 'extractive')"
        )
    log = QuestionLog(path)
    log.record(answer("地铁规划", False, (METRO,), 1.0))
    assert [(r.question, r.words) for r in log.rows()] == [("旧问题", ()), ("地铁规划", ("地铁",))]


def test_the_questions_are_bounded_in_length_and_count(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3", max_rows=5)
    for i in range(12):
        log.record(answer(f"问题{i}" + "长" * 2000, False, (FOREST,), 1.0))
    rows = log.rows()
    assert [r.id for r in rows] == [8, 9, 10, 11, 12]  # the oldest went first
    assert all(len(r.question) == QUESTION_CHARS for r in rows)


def test_questions_older_than_the_retention_go_on_start_and_daily(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    clock = Clock(noon(date(2026, 1, 1)))
    log = QuestionLog(path, days=2, clock=clock, tz=UTC, sweep_every=None)
    log.record(answer("一月一日的问题", False, (FOREST,), 1.0))
    clock.now += 1.0 * DAY_SECONDS
    log.record(answer("一月二日的问题", False, (FOREST,), 1.0))
    assert [r.day for r in log.rows()] == ["2026-01-01", "2026-01-02"]
    clock.now += 0.5 * DAY_SECONDS  # the first is past retention, but the last purge was half a day ago
    assert len(log.rows()) == 2
    clock.now += 0.75 * DAY_SECONDS  # and now a day has passed since
    assert [r.question for r in log.rows()] == ["一月二日的问题"]
    clock.now += 2.0 * DAY_SECONDS
    reopened = QuestionLog(path, days=2, clock=clock, sweep_every=None)  # a restart purges at once
    assert reopened.count() == 0
    assert "一月".encode() not in file_bytes(path)  # nor left readable in free pages or the WAL


def test_an_idle_log_is_purged_by_its_background_sweep(tmp_path: Path) -> None:
    clock = Clock(noon(date(2026, 1, 1)))
    seeded = QuestionLog(tmp_path / "q.sqlite3", days=None, clock=clock)
    seeded.record(answer("旧问题", False, (FOREST,), 1.0))
    clock.now += 10 * DAY_SECONDS
    log = QuestionLog(tmp_path / "q.sqlite3", days=3, clock=clock, sweep_every=0.05)
    seeded.record(answer("新问题", False, (FOREST,), 1.0))  # another writer, after the opening purge
    clock.now += 3.5 * DAY_SECONDS
    deadline = time.monotonic() + 10
    while seeded.count() and time.monotonic() < deadline:
        time.sleep(0.05)
    log.close()
    assert seeded.count() == 0


def test_concurrent_writers_and_readers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    logs = [QuestionLog(path), QuestionLog(path)]  # two connections, as two worker processes would have
    failures: list[int | None] = []

    def write(n: int) -> None:
        for i in range(40):
            got = logs[n % 2].record(answer(f"线程{n}问题{i}", False, (FOREST,), 1.0), session=f"s{n}")
            if got is None:
                failures.append(got)

    seen: list[int] = []

    def read() -> None:  # the dashboard and an export, on connections of their own, while answers come in
        for i in range(10):
            seen.append(len(logs[0].rows()))
            seen.append(logs[1].export_csv(tmp_path / f"export{i}.csv"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(seen) == 20 and all(0 <= n <= 320 for n in seen)
    rows = logs[0].rows()
    assert len(rows) == 320 and len({r.question for r in rows}) == 320
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_broken_log_costs_no_answer(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    log.close()
    assert log.record(answer("问题", False, (FOREST,), 1.0)) is None


def test_the_export_is_formula_safe_and_filtered_by_date(tmp_path: Path) -> None:
    log = seed(tmp_path / "q.sqlite3")
    out = tmp_path / "questions.csv"
    assert log.export_csv(out) == 10
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    evil = next(r for r in rows if "HYPERLINK" in r["question"])
    assert evil["question"].startswith("'=")
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    assert rows[3]["cited"] == "liwan: 第三章 交通 > 第二节 轨道交通; liwan: 第六章 民生 > 第一节 教育"
    assert log.export_csv(out, date(2026, 11, 24), date(2026, 11, 24)) == 2


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def test_the_chat_service_logs_chat_and_api_questions_but_not_notices(chain: QAChain, tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.sqlite3")
    service = ChatService(chain, FeedbackStore(tmp_path / "f.sqlite3"), RateLimiter(per_minute=1), log)
    list(service.respond(GDP, "conghua", [], "s1"))
    service.ask("火星基地什么时候建成？", None, (), "s2")
    list(service.respond("第三个问题", None, [], "s1"))  # over s1's limit: a notice, not an answer
    chat, api = log.rows()
    assert (chat.source, chat.district, chat.refused) == ("chat", "conghua", False)
    assert chat.cited and chat.latency_ms and chat.nearest == ()
    assert (api.source, api.refused) == ("api", True)
    assert api.nearest and api.cited == ()
    assert chat.probability is not None and api.probability is not None and chat.probability > api.probability
    assert chat.session != api.session


def test_a_served_question_leaves_no_address_agent_or_session_id_in_the_file(
    chain: QAChain, tmp_path: Path
) -> None:
    path = tmp_path / "q.sqlite3"
    settings = Settings(feedback_db=tmp_path / "f.sqlite3", question_log=path, trusted_proxies="127.0.0.1")
    demo = create(chain, settings, warm_up=False)
    url = launch(demo, settings, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(url, verbose=False, headers={"X-Forwarded-For": ADDRESS, "User-Agent": AGENT})
        assert client.predict(question=GDP, api_name="/ask")["refused"] is False
    finally:
        demo.close()
    (row,) = QuestionLog(path).rows()
    assert row.question == GDP and row.source == "api" and row.session  # the session seen, as a token
    stored = file_bytes(path)
    for secret in (ADDRESS, "127.0.0.1", AGENT, client.session_hash):
        assert secret.encode() not in stored


def test_the_export_command_writes_the_log_and_refuses_a_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANQA_QUESTION_LOG_DAYS", "36500")  # the seeded days stay whenever this runs
    seed(tmp_path / "q.sqlite3").close()
    out = tmp_path / "out.csv"
    assert main(["questions", "export", "--out", str(out), "--db", str(tmp_path / "q.sqlite3")]) == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 11
    since = ["--since", "2026-11-25", "--until", "2026-11-26"]
    assert main(["questions", "export", "--out", str(out), "--db", str(tmp_path / "q.sqlite3"), *since]) == 0
    with out.open(encoding="utf-8-sig") as handle:
        assert [r["day"] for r in csv.DictReader(handle)] == ["2026-11-25", "2026-11-26"]
    assert main(["questions", "export", "--out", str(out), "--db", str(tmp_path / "none.sqlite3")]) == 2
    assert not (tmp_path / "none.sqlite3").exists()  # exporting never creates a log


def test_topic_words_do_not_depend_on_an_index_opened_first_in_the_process() -> None:
    # Opening an index teaches jieba the plans' short district names (for the whole process), after which it
    # cuts 某某区 in two; a question's topic words must come out the same either way.
    asked = ["從化區森林覆蓋率是多少？", "荔湾区小学学位怎么增加？", "这个区有什么规划？"]
    before = [topics.words(q) for q in asked]
    teach(["从化", "荔湾"])  # what Corpus.open does with the bundled plans
    after = [topics.words(q) for q in asked]
    assert before == after
    assert after[:2] == [("从化区", "森林", "覆盖率"), ("荔湾区", "小学", "学位", "增加")]
    assert all("这个区" not in w for w in after)  # a stop word is not made a place
