"""The admin page's 问题看板 tab: what residents ask, what goes unanswered, what got 👎, what was slow."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd

from ingest.manage import ManagedCorpus
from qa.corpus import district_of
from qa.settings import Settings
from qa.store import StoreError
from ui.downloads import DownloadFolders
from ui.feedback import FeedbackStore
from ui.questionlog import LoggedQuestion, QuestionLog
from ui.questionstats import (
    downvotes,
    per_day,
    slowest,
    top_sections,
    topics,
    unmet_demand,
    write_csv,
)

if TYPE_CHECKING:
    from ui.admin import AdminPage

TITLE = "问题看板"
ID = "questions"
DEFAULT_DAYS = 30
MAX_ROWS = 50_000  # questions the tables are built from (the latest): a few seconds' work at most
CHART_TOPICS = 15
LOG_OFF = (
    "**问题日志未开启。** 设置 `PLANQA_QUESTION_LOG`（SQLite 文件路径）后，"
    "聊天页和 API 的每个问题都会记录在此，保留 `PLANQA_QUESTION_LOG_DAYS` 天；"
    "不记录 IP 地址和浏览器信息。下方仅显示 👎 反馈。"
)
NO_LOG = "问题日志未开启（PLANQA_QUESTION_LOG），没有可导出的问题。"
NOT_SET_UP = "问题看板未接入问题日志和反馈记录。"
BAD_DATE = "日期格式应为 YYYY-MM-DD，例如 2026-01-31。"
# (element id, heading, what the table shows): the dashboard's tables, in the order they appear
TABLES = (
    (
        "unmet",
        "未能回答的问题（按最接近的章节分组）",
        "规划未覆盖、居民却在问的内容：每组是最接近的章节和问到它的问题。",
    ),
    ("sections", "最常被问到的章节", "回答引用最多的章节，每个问题只计一次。"),
    ("topics", "热门关键词", "问题中最常出现的词（已去掉疑问词和地名），按包含该词的问题数排序。"),
    ("downvotes", "👎 反馈与评论", "居民点了 👎 的回答，附其评论。"),
    ("slowest", "最慢的回答", "用时最长的回答。"),
)


@dataclass(frozen=True)
class QuestionData:
    """What the dashboard reads: the question log (None when off) and the feedback store."""

    log: QuestionLog | None
    feedback: FeedbackStore


def question_data(settings: Settings) -> QuestionData:
    """The dashboard's sources: the log at PLANQA_QUESTION_LOG (if set), the votes at PLANQA_FEEDBACK_DB."""
    log = QuestionLog(settings.question_log, settings.question_log_days) if settings.question_log else None
    return QuestionData(log, FeedbackStore(settings.feedback_db))


@dataclass(frozen=True)
class Dashboard:
    """Every table of the dashboard for one date range."""

    start: date
    end: date
    summary: str
    per_day: pd.DataFrame
    tables: dict[str, pd.DataFrame]  # keyed by the ids in TABLES


def date_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The days a filter asks for: empty end is today, empty start DEFAULT_DAYS before end."""
    last = date.fromisoformat(end.strip()[:10]) if end and end.strip() else today
    first = date.fromisoformat(start.strip()[:10]) if start and start.strip() else None
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    return (first, last) if first <= last else (last, first)


def dashboard(
    data: QuestionData, start: date, end: date, names: Iterable[str] = (), limit: int = MAX_ROWS
) -> Dashboard:
    """Read the log and the feedback for the days from start to end and build every table.

    Counts per day cover every question; the tables, the latest `limit` of them. `names` (the plans' place
    names, in every second question) are left out of the topics.
    """
    log = data.log
    counts = log.daily(start, end) if log is not None else {}
    rows = log.rows(start, end, limit=limit) if log is not None else []
    disliked = downvotes(data.feedback.rows(), start, end)
    tables = {
        "unmet": unmet_demand(rows),
        "sections": top_sections(rows),
        "topics": topics(rows, exclude=names),
        "downvotes": disliked,
        "slowest": slowest(rows),
    }
    summary = _summary(data, counts, rows, len(disliked), f"{start.isoformat()} 至 {end.isoformat()}")
    return Dashboard(start, end, summary, per_day(counts, start, end), tables)


def _summary(
    data: QuestionData,
    counts: dict[tuple[str, bool], int],
    rows: list[LoggedQuestion],
    disliked: int,
    span: str,
) -> str:
    if data.log is None:
        return f"{LOG_OFF}\n\n{span}：👎 {disliked} 条。"
    total = sum(counts.values())
    if not total:
        return f"{span}：没有记录到问题。"
    refused = sum(n for (_, was_refused), n in counts.items() if was_refused)
    times = [r.latency_ms for r in rows if r.latency_ms is not None]
    median = f"，中位用时 {statistics.median(times):.0f} 毫秒" if times else ""
    sessions = len({r.session for r in rows if r.session})
    shown = f"（下列各表统计其中最近的 {len(rows)} 个）" if len(rows) < total else ""
    return (
        f"{span}：共 **{total}** 个问题{shown}，来自 {sessions} 个会话；"
        f"未能回答 **{refused}** 个（{refused / total:.0%}）{median}；👎 {disliked} 条。"
    )


def place_names(corpus: ManagedCorpus) -> list[str]:
    """Every name of every indexed plan's district (全称, short name, pinyin); none when the index is down."""
    try:
        rows = corpus.documents()
    except StoreError:
        return []
    return [a for row in rows if (d := district_of(row.doc_id, row.district)) for a in d.aliases]


def _short_days(board: Dashboard) -> pd.DataFrame:
    """The per-day chart's data with MM-DD labels when the range lies in one year (the summary says which)."""
    if board.start.year != board.end.year:
        return board.per_day
    return board.per_day.assign(日期=board.per_day["日期"].str[5:])


def build(page: AdminPage) -> None:
    """Lay out the date filter, the two charts and the tables with their CSV downloads; refresh on load."""
    data = page.questions
    folders = DownloadFolders()
    gr.Markdown("居民在问什么、哪些问题规划里找不到答案、哪些回答不满意。日期留空时显示最近 30 天。")
    with gr.Row(equal_height=True):
        start = gr.DateTime(
            label="开始日期", include_time=False, type="string", elem_id="q-start", value=None
        )
        end = gr.DateTime(label="结束日期", include_time=False, type="string", elem_id="q-end", value=None)
        refresh = gr.Button("刷新", variant="primary", elem_id="q-refresh", scale=0, min_width=96)
    summary = gr.Markdown(elem_id="q-summary")
    with gr.Row():
        daily = gr.BarPlot(
            x="日期",
            y="问题数",
            color="结果",
            title="每日问题数",
            elem_id="per-day-chart",
            height=300,
            scale=3,
            x_label_angle=-45,
            y_lim=[0, None],
        )
        words = gr.BarPlot(
            x="关键词",
            y="问题数",
            title="热门关键词",
            sort="-y",
            elem_id="topic-chart",
            height=300,
            scale=2,
            x_label_angle=-45,
            y_lim=[0, None],
        )
    frames: list[gr.Dataframe] = []
    files: list[gr.DownloadButton] = []
    for key, heading, note in TABLES:
        gr.Markdown(f"### {heading}\n{note}")
        frames.append(gr.Dataframe(interactive=False, wrap=True, max_height=420, elem_id=f"{key}-table"))
        files.append(gr.DownloadButton("导出 CSV", size="sm", interactive=False, elem_id=f"{key}-csv"))
    gr.Markdown("### 全部问题\n所选日期内记录的每个问题（时间、问题、范围、结果、章节、用时等），按需生成。")
    with gr.Row():
        prepare = gr.Button("生成全部问题 CSV", size="sm", elem_id="questions-export")
        everything = gr.DownloadButton("下载", size="sm", interactive=False, elem_id="questions-csv")

    def show(first: str | None, last: str | None) -> tuple[Any, ...]:
        if data is None:
            return (NOT_SET_UP, *(gr.skip() for _ in outputs[1:]))
        try:
            chosen = date_range(first, last, date.today())
        except ValueError:
            gr.Warning(BAD_DATE)
            return tuple(gr.skip() for _ in outputs)
        board = dashboard(data, *chosen, place_names(page.corpus))
        folder = folders.new()
        stem = f"{board.start.isoformat()}_{board.end.isoformat()}"
        downloads = [
            gr.DownloadButton(
                value=str(write_csv(board.tables[key], folder / f"{key}_{stem}.csv")), interactive=True
            )
            for key, _, _ in TABLES
        ]
        chart = board.tables["topics"].head(CHART_TOPICS)
        return (
            board.summary,
            _short_days(board),
            chart,
            *(board.tables[key] for key, _, _ in TABLES),
            *downloads,
            gr.DownloadButton(value=None, interactive=False),  # made for other dates: not to be served
        )

    def export_all(first: str | None, last: str | None) -> Any:
        """Every logged question of the range as CSV: made on request, as it may run to many megabytes."""
        if data is None or data.log is None:
            gr.Warning(NO_LOG)
            return gr.skip()
        try:
            chosen = date_range(first, last, date.today())
        except ValueError:
            gr.Warning(BAD_DATE)
            return gr.skip()
        name = f"questions_{chosen[0].isoformat()}_{chosen[1].isoformat()}.csv"
        data.log.export_csv(path := folders.new() / name, *chosen)
        return gr.DownloadButton(value=str(path), interactive=True)

    outputs = [summary, daily, words, *frames, *files, everything]
    gr.on(None, show, [start, end], outputs, **page.private)  # on load and whenever a date changes
    refresh.click(show, [start, end], outputs, **page.private)
    prepare.click(export_all, [start, end], everything, **page.private)
