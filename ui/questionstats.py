"""The staff dashboard's tables: questions per day, sections and topics asked about, unmet demand.

Each function takes logged questions (or feedback rows) and returns a pandas DataFrame with Chinese headers,
ready for a Gradio table or plot and for CSV export.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import pandas as pd

from qa.script import to_simplified
from ui.feedback import COLUMNS as FEEDBACK_COLUMNS
from ui.feedback import spreadsheet_safe
from ui.questionlog import LoggedQuestion, Section, sections_text

ANSWERED, REFUSED = "已回答", "未回答"
EXAMPLES = 3  # questions shown beside a count, so staff see what the count is made of
MAX_DAYS = 366  # a chart wider than a year of bars says nothing more
NO_SECTION = ("", "（无相近章节）")
# Words every resident's question has (question words, fillers, the name of the thing asked about): a topic
# made of them says nothing. Simplified, as questions are compared after conversion; Cantonese included.
STOPWORDS = frozenset(
    """什么 哪些 哪个 哪里 哪儿 如何 怎么 怎样 怎么样 多少 几个 是否 有没有 是不是 请问 关于 有关 方面 情况
    时候 主要 问题 规划 计划 纲要 十四五 十三五 期间 我们 你们 现在 目前 今年 明年 未来 可以 能够 需要
    一下 一些
    这个 那个 这些 那些 还有 以及 什么样 具体 内容 提出 提到 点样 乜嘢 边个 边度 系咪 有冇 区里 本区
    what which how where when does did do is are the a an of in on for to and or plan plans district
    http https www com
    """.split()
)
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z-]{2,}")
_ASKING = re.compile(r"^几|^什么|(.)[不没]\1")  # 几所, 什么时候, 够不够, 有没有: the asking, not the topic


def day_range(start: date, end: date) -> list[str]:
    """Every day from start to end (at most MAX_DAYS, the latest kept), as YYYY-MM-DD."""
    days = max(0, min((end - start).days, MAX_DAYS - 1))
    return [(end - timedelta(days=n)).isoformat() for n in range(days, -1, -1)]


def per_day(
    rows: Sequence[LoggedQuestion], start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Questions per day, answered and not, one line per day and outcome (days without any count 0)."""
    counts = Counter((r.day, REFUSED if r.refused else ANSWERED) for r in rows)
    first = start or (date.fromisoformat(rows[0].day) if rows else date.today())
    last = end or (date.fromisoformat(rows[-1].day) if rows else first)
    records = [
        {"日期": day, "结果": outcome, "问题数": counts.get((day, outcome), 0)}
        for day in day_range(first, last)
        for outcome in (ANSWERED, REFUSED)
    ]
    return pd.DataFrame(records, columns=["日期", "结果", "问题数"])


def _grouped(groups: dict[Section, list[str]], label: str, count: str, n: int) -> pd.DataFrame:
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n]
    records = [
        {"文档": doc, label: section, count: len(asked), "例句": _examples(asked)}
        for (doc, section), asked in ranked
    ]
    return pd.DataFrame(records, columns=["文档", label, count, "例句"])


def _examples(asked: Sequence[str]) -> str:
    """The latest few distinct questions, newest first."""
    return "；".join(list(dict.fromkeys(reversed(asked)))[:EXAMPLES])


def top_sections(rows: Iterable[LoggedQuestion], n: int = 20) -> pd.DataFrame:
    """The sections answers cited most, each question counted once per section, with recent examples."""
    groups: dict[Section, list[str]] = defaultdict(list)
    for row in rows:
        if not row.refused:
            for section in dict.fromkeys(row.cited):
                groups[section].append(row.question)
    return _grouped(groups, "章节", "提问次数", n)


def unmet_demand(rows: Iterable[LoggedQuestion], n: int = 50) -> pd.DataFrame:
    """Questions the plans could not answer, grouped by their nearest section (what is missing where)."""
    groups: dict[Section, list[str]] = defaultdict(list)
    for row in rows:
        if row.refused:
            groups[row.nearest[0] if row.nearest else NO_SECTION].append(row.question)
    return _grouped(groups, "最接近的章节", "未答问题数", n)


@lru_cache(maxsize=1)
def _jieba() -> ModuleType:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def words(question: str, exclude: frozenset[str] = frozenset()) -> set[str]:
    """The content words of a question (Simplified, lower-case; stop words, digits and `exclude` left out)."""
    tokens = _jieba().lcut(to_simplified(question).lower())
    return {
        t for t in tokens if _WORD.fullmatch(t) and not _ASKING.search(t) and t not in STOPWORDS | exclude
    }


def topics(rows: Iterable[LoggedQuestion], n: int = 30, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """The words most questions contain: a word counts once per question; recent examples beside it."""
    skip = frozenset(to_simplified(w).lower() for w in exclude)
    asked: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for word in words(row.question, skip):
            asked[word].append(row.question)
    ranked = sorted(asked.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n]
    records = [{"关键词": word, "问题数": len(qs), "例句": _examples(qs)} for word, qs in ranked]
    return pd.DataFrame(records, columns=["关键词", "问题数", "例句"])


def slowest(rows: Iterable[LoggedQuestion], n: int = 20, tz: tzinfo | None = None) -> pd.DataFrame:
    """The answers that took longest, slowest first."""
    timed = sorted((r for r in rows if r.latency_ms is not None), key=lambda r: -(r.latency_ms or 0.0))[:n]
    records = [
        {
            "时间": _minute(datetime.fromtimestamp(r.time, tz)),
            "问题": r.question,
            "用时（毫秒）": r.latency_ms,
            "结果": REFUSED if r.refused else ANSWERED,
            "引用或最接近的章节": sections_text(r.nearest if r.refused else r.cited),
            "后端": r.backend,
        }
        for r in timed
    ]
    return pd.DataFrame(
        records, columns=["时间", "问题", "用时（毫秒）", "结果", "引用或最接近的章节", "后端"]
    )


def downvotes(
    feedback: Sequence[tuple[object, ...]],
    start: date | None = None,
    end: date | None = None,
    tz: tzinfo | None = None,
) -> pd.DataFrame:
    """👎 votes from FeedbackStore.rows() within the dates (local days), newest first, with comments."""
    at = {name: i for i, name in enumerate(FEEDBACK_COLUMNS)}
    records = []
    for row in feedback:
        if row[at["vote"]] != -1:
            continue
        when = datetime.fromisoformat(str(row[at["created"]])).astimezone(tz)
        if (start and when.date() < start) or (end and when.date() > end):
            continue
        cited = json.loads(str(row[at["citations"]]) or "[]")
        records.append(
            {
                "时间": _minute(when),
                "问题": row[at["question"]],
                "评论": row[at["comment"]],
                "回答": str(row[at["answer"]])[:300],
                "引用章节": sections_text([(c.get("doc_id", ""), c.get("section", "")) for c in cited]),
            }
        )
    records.reverse()
    return pd.DataFrame(records, columns=["时间", "问题", "评论", "回答", "引用章节"])


def _minute(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


def write_csv(frame: pd.DataFrame, out: Path) -> Path:
    """Write a table as CSV (UTF-8 with BOM, so spreadsheets read the Chinese); no cell runs as a formula."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([spreadsheet_safe(str(c)) for c in frame.columns])
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in frame.itertuples(index=False))
    return out
