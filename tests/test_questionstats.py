"""The dashboard's tables over a seeded question log and a real feedback store (real jieba, real OpenCC)."""

from __future__ import annotations

import csv
from datetime import UTC, date
from pathlib import Path

import pandas as pd

from tests.question_seed import EVIL, answer, seed
from ui.feedback import FeedbackStore
from ui.questionlog import QuestionLog
from ui.questionstats import (
    ANSWERED,
    REFUSED,
    day_range,
    downvotes,
    per_day,
    slowest,
    top_sections,
    topics,
    unmet_demand,
    write_csv,
)


def seeded(tmp_path: Path) -> QuestionLog:
    return seed(tmp_path / "q.sqlite3")


def test_questions_per_day_count_both_outcomes_and_fill_quiet_days(tmp_path: Path) -> None:
    log = seeded(tmp_path)
    assert log.daily(date(2026, 11, 22), date(2026, 11, 22)) == {
        ("2026-11-22", False): 1,
        ("2026-11-22", True): 1,
    }
    frame = per_day(log.daily(), date(2026, 11, 19), date(2026, 11, 26))
    counts = {(d, o): n for d, o, n in frame.itertuples(index=False)}
    assert counts[("2026-11-20", ANSWERED)] == 2 and counts[("2026-11-20", REFUSED)] == 0
    assert counts[("2026-11-22", ANSWERED)] == 1 and counts[("2026-11-22", REFUSED)] == 1
    assert counts[("2026-11-23", ANSWERED)] == counts[("2026-11-23", REFUSED)] == 0  # a quiet day is a zero
    assert counts[("2026-11-19", ANSWERED)] == 0  # the range, not just the days with questions
    assert sorted({d for d, _ in counts}) == day_range(date(2026, 11, 19), date(2026, 11, 26))
    assert frame["问题数"].sum() == 10


def test_a_year_at_most_is_drawn() -> None:
    days = day_range(date(2020, 1, 1), date(2026, 1, 1))
    assert len(days) == 366 and days[-1] == "2026-01-01"
    assert day_range(date(2026, 1, 2), date(2026, 1, 1)) == ["2026-01-01"]


def test_most_asked_sections_count_each_answered_question_once(tmp_path: Path) -> None:
    frame = top_sections(seeded(tmp_path).rows())
    first = frame.iloc[0]
    assert (first["文档"], first["章节"], first["提问次数"]) == ("conghua", "第五章 生态 > 第一节 森林", 3)
    assert first["例句"].startswith("從化區森林覆蓋率是多少？")  # the newest example first
    counts = dict(zip(frame["章节"], frame["提问次数"], strict=True))
    assert counts["第三章 交通 > 第二节 轨道交通"] == 2
    assert counts["第六章 民生 > 第一节 教育"] == 2  # cited second in one answer, first in another
    assert "第六章 民生 > 第二节 医疗" not in counts  # only refusals came near it


def test_unmet_demand_groups_refusals_by_their_nearest_section(tmp_path: Path) -> None:
    frame = unmet_demand(seeded(tmp_path).rows())
    groups = {row["最接近的章节"]: row for _, row in frame.iterrows()}
    schools = groups["第六章 民生 > 第一节 教育"]
    assert schools["未答问题数"] == 2 and schools["文档"] == "liwan"
    assert set(schools["例句"].split("；")) == {"荔湾区新建几所幼儿园？", "荔湾区的幼儿园学位够不够"}
    assert groups["第六章 民生 > 第二节 医疗"]["未答问题数"] == 1
    assert EVIL in groups["（无相近章节）"]["例句"]  # refused with nothing near: still counted
    assert frame.iloc[0]["最接近的章节"] == "第六章 民生 > 第一节 教育"  # the largest gap first


def test_topics_are_content_words_counted_once_per_question_in_either_script(tmp_path: Path) -> None:
    frame = topics(seeded(tmp_path).rows(), exclude=["从化区", "从化", "荔湾区", "荔湾"])
    counts = dict(zip(frame["关键词"], frame["问题数"], strict=True))
    assert counts["森林"] == 3  # the Traditional 森林覆蓋率 counts with the Simplified ones
    assert counts["幼儿园"] == 2 and counts["地铁"] == 2
    assert not {"什么", "多少", "哪些", "规划", "有没有", "几所", "够不够", "时候"} & set(
        counts
    )  # the asking
    assert not {"从化区", "荔湾区", "从化", "荔湾"} & set(counts)
    assert all(len(w) >= 2 and not w.isdigit() for w in counts)
    unfiltered = dict(zip(*topics(seeded(tmp_path).rows()).iloc[:, :2].T.values, strict=True))
    assert unfiltered.get("荔湾区", 0) + unfiltered.get("荔湾", 0) >= 4  # exclude is what removed them


def test_the_slowest_answers_come_first_with_their_sections(tmp_path: Path) -> None:
    frame = slowest(seeded(tmp_path).rows(), n=3, tz=UTC)
    assert list(frame["用时（毫秒）"]) == [2500.0, 1800.0, 61.0]
    assert frame.iloc[0]["问题"] == "荔湾区小学学位怎么增加？" and frame.iloc[0]["时间"] == "2026-11-26 12:00"
    assert frame.iloc[0]["引用或最接近的章节"] == "liwan: 第六章 民生 > 第一节 教育"


def test_thumbs_down_are_listed_with_their_comments_within_the_dates(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    liked = store.record(answer("森林覆盖率是多少", False, (("conghua", ("第五章 生态",)),), 1.0), True)
    disliked = store.record(answer("地铁几时通", False, (("liwan", ("第三章 交通",)),), 1.0), False)
    store.add_comment(disliked, "=1+1 没有说具体年份")
    store.record(answer("学位够吗", True, (), 1.0), False)
    frame = downvotes(store.rows(), tz=UTC)
    assert list(frame["问题"]) == ["学位够吗", "地铁几时通"]  # newest first, the 👍 left out
    assert (
        frame.iloc[1]["评论"] == "=1+1 没有说具体年份" and frame.iloc[1]["引用章节"] == "liwan: 第三章 交通"
    )
    assert liked and downvotes(store.rows(), date(2000, 1, 1), date(2000, 1, 2), UTC).empty
    today = date.today()
    assert len(downvotes(store.rows(), today, today)) == 2


def test_every_table_exports_as_formula_safe_csv(tmp_path: Path) -> None:
    rows = seeded(tmp_path).rows()
    frame = pd.concat([unmet_demand(rows), pd.DataFrame([{"文档": "@SUM(A1)", "未答问题数": -3}])])
    out = write_csv(frame, tmp_path / "out" / "unmet.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        cells = list(csv.reader(handle))
    assert cells[0] == ["文档", "最接近的章节", "未答问题数", "例句"]
    flat = [c for row in cells for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in flat) and "'@SUM(A1)" in flat
    assert not [c for c in flat if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert "-3" in flat  # a number stays a number
