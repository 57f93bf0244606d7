"""The 问题看板 tab without a browser: its date filter, its summary, and its load event in a gr.Blocks."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import gradio as gr
import pandas as pd
import pytest

from ingest.index import Indexer
from ingest.manage import ManagedCorpus
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings
from tests.question_seed import FIRST_DAY, answer, seed
from ui.admin import AdminPage
from ui.feedback import FeedbackStore
from ui.tabs import questions as questions_tab
from ui.tabs.questions import LOG_OFF, TABLES, QuestionData, dashboard, date_range

TODAY = date(2026, 11, 30)


def test_an_empty_filter_means_the_last_thirty_days() -> None:
    assert date_range(None, "", TODAY) == (date(2026, 11, 1), TODAY)
    assert date_range("2026-11-20", None, TODAY) == (date(2026, 11, 20), TODAY)
    assert date_range(" 2026-12-05 ", "2026-12-01", TODAY) == (
        date(2026, 12, 1),
        date(2026, 12, 5),
    )  # swapped
    with pytest.raises(ValueError):
        date_range("30/11/2026", None, TODAY)


def test_the_summary_counts_questions_sessions_refusals_and_votes(tmp_path: Path) -> None:
    feedback = FeedbackStore(tmp_path / "f.sqlite3")
    data = QuestionData(seed(tmp_path / "q.sqlite3"), feedback)
    board = dashboard(data, FIRST_DAY, date(2026, 11, 22))
    assert "共 **6** 个问题，来自 3 个会话" in board.summary and "未能回答 **1** 个（17%）" in board.summary
    assert set(board.tables) == {key for key, _, _ in TABLES}
    assert board.per_day["问题数"].sum() == 6
    assert "没有记录到问题" in dashboard(data, date(2020, 1, 1), date(2020, 1, 2)).summary
    latest = dashboard(data, FIRST_DAY, date(2026, 11, 30), limit=4)
    assert "共 **10** 个问题（下列各表统计其中最近的 4 个）" in latest.summary
    assert latest.per_day["问题数"].sum() == 10  # the chart counts every question
    assert latest.tables["slowest"]["问题"].tolist()[0] == "荔湾区小学学位怎么增加？"
    assert "从化区森林覆盖率目标是多少？" not in latest.tables["sections"].to_string()  # the oldest is out


def test_without_a_log_the_dashboard_says_how_to_turn_it_on_and_still_shows_votes(tmp_path: Path) -> None:
    feedback = FeedbackStore(tmp_path / "f.sqlite3")
    feedback.record(answer("地铁几时通", False, (("liwan", ("第三章 交通",)),), 1.0), False, comment="太慢")
    board = dashboard(QuestionData(None, feedback), date(2000, 1, 1), date(2100, 1, 1))
    assert LOG_OFF in board.summary and "👎 1 条" in board.summary
    assert list(board.tables["downvotes"]["评论"]) == ["太慢"] and board.tables["unmet"].empty


def test_the_tab_loads_its_tables_and_csvs_in_a_blocks(tmp_path: Path) -> None:
    store = ChunkStore(open_client(tmp_path / "index"), "plans", embedding_model="bigram")
    corpus = ManagedCorpus(
        Indexer(store, BigramEmbeddings(), tmp_path / "index"), tmp_path / "up", max_bytes=1
    )
    data = QuestionData(seed(tmp_path / "q.sqlite3"), FeedbackStore(tmp_path / "f.sqlite3"))
    with gr.Blocks() as demo:
        questions_tab.build(AdminPage(corpus, questions=data))
    events = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    show, export_all = events["show"], events["export_all"]
    got = show(FIRST_DAY.isoformat(), "2026-11-26")
    summary, daily, chart, *rest = got
    frames, files, everything = rest[: len(TABLES)], rest[len(TABLES) : -1], rest[-1]
    assert "共 **10** 个问题" in summary
    assert list(daily["日期"].unique()) == ["11-20", "11-21", "11-22", "11-23", "11-24", "11-25", "11-26"]
    assert isinstance(chart, pd.DataFrame) and chart.iloc[0]["关键词"] == "荔湾区"  # no plan names a place
    unmet = frames[0]
    assert unmet.iloc[0]["最接近的章节"] == "第六章 民生 > 第一节 教育"
    with Path(files[0].value["path"]).open(encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle)) == list(unmet.columns)
    assert everything.value is None and not everything.interactive  # the full export waits to be asked for
    made = export_all(FIRST_DAY.isoformat(), "2026-11-21")
    assert made.value["orig_name"] == "questions_2026-11-20_2026-11-21.csv"
    with Path(made.value["path"]).open(encoding="utf-8-sig") as handle:
        assert [row["day"] for row in csv.DictReader(handle)] == ["2026-11-20"] * 2 + ["2026-11-21"] * 2
    with pytest.warns(UserWarning, match="日期格式"):  # gr.Warning outside a running event
        warned = show("not a date", None)
    assert all(isinstance(x, type(gr.skip())) for x in warned)  # a bad date changes nothing
