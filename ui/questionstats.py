"""The staff dashboard's tables: questions per day, sections and topics asked about, unmet demand.

Each function takes logged questions (or feedback rows) and returns a pandas DataFrame with Chinese headers,
ready for a Gradio table or plot and for CSV export.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

import pandas as pd

from qa.script import to_simplified
from ui.feedback import COLUMNS as FEEDBACK_COLUMNS
from ui.feedback import spreadsheet_safe
from ui.questionlog import LoggedQuestion, Section, sections_text

ANSWERED, REFUSED = "已回答", "未回答"
EXAMPLES = 3  # questions shown beside a count, so staff see what the count is made of
MAX_DAYS = 366  # a chart wider than a year of bars says nothing more
NO_SECTION = ("", "（无相近章节）")


def day_range(start: date, end: date) -> list[str]:
    """Every day from start to end (at most MAX_DAYS, the latest kept), as YYYY-MM-DD."""
    days = max(0, min((end - start).days, MAX_DAYS - 1))
    return [(end - timedelta(days=n)).isoformat() for n in range(days, -1, -1)]


def per_day(counts: Mapping[tuple[str, bool], int], start: date, end: date) -> pd.DataFrame:
    """Questions per day, answered and not (QuestionLog.daily), one line per day and outcome, quiet days 0."""
    records = [
        {"日期": day, "结果": REFUSED if refused else ANSWERED, "问题数": counts.get((day, refused), 0)}
        for day in day_range(start, end)
        for refused in (False, True)
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


def topics(rows: Iterable[LoggedQuestion], n: int = 30, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """The words most questions contain (as logged, `exclude` left out), with recent examples beside them."""
    skip = frozenset(to_simplified(w).lower() for w in exclude)
    asked: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        for word in row.words:
            if word not in skip:
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
