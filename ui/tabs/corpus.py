"""The admin page's 文档库 tab: upload plans (checked, indexed with progress), list, remove, re-read them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ingest.load import SUFFIXES
from ingest.manage import DocumentRow, ManagedCorpus, Outcome, Progress
from ui.docs import status_text

if TYPE_CHECKING:
    from ui.admin import AdminPage

TITLE = "文档库"
ID = "corpus"
HEADERS = ["编号", "标题", "地区", "时期", "片段数", "状态", "索引时间"]
RESULT_HEADERS = ["文件", "结果"]
TOO_MANY = "一次最多上传 {limit} 个文件（本次 {count} 个）。"


def rows(documents: list[DocumentRow]) -> list[list[Any]]:
    """The documents as the table shows them."""
    return [
        [d.doc_id, d.title, d.district, d.period, d.chunks, status_text(d), d.indexed_at.replace("T", " ")]
        for d in documents
    ]


def _results(outcomes: list[Outcome]) -> list[list[str]]:
    return [[o.name, ("✅ " if o.ok else "❌ ") + o.message] for o in outcomes]


def _listing(corpus: ManagedCorpus) -> tuple[list[list[Any]], Any]:
    documents = corpus.documents()
    choices = [(f"{d.doc_id} · {d.title}", d.doc_id) for d in documents]
    return rows(documents), gr.update(choices=choices, value=None)


def upload(page: AdminPage, paths: list[str], progress: Progress | None = None) -> tuple[list[Outcome], str]:
    """Index the files Gradio received (each under its uploaded name) and say how it went; too many: none."""
    if len(paths) > page.max_files:
        return [], TOO_MANY.format(limit=page.max_files, count=len(paths))
    if not paths:
        return [], "请先选择文件。"
    outcomes = page.corpus.add([(Path(p).name, Path(p)) for p in paths], progress)
    good = sum(o.ok for o in outcomes)
    return outcomes, f"已索引 {good} 个文件，{len(outcomes) - good} 个失败。"


def build(page: AdminPage) -> None:
    """Upload box and result table; the document table with remove and re-read for the chosen one."""
    corpus = page.corpus
    gr.Markdown(
        f"上传规划文件（{', '.join(sorted(SUFFIXES))}）：每个文件检查类型、内容与大小后编入索引，"
        "聊天页在下一次提问时即可检索到。同名文件视为新版本；读取失败时保留已索引的旧版本。"
    )
    files = gr.File(
        label="规划文件",
        file_count="multiple",
        file_types=sorted(SUFFIXES),
        type="filepath",
        elem_id="upload",
    )
    send = gr.Button("上传并索引", variant="primary", elem_id="upload-button")
    results = gr.Dataframe(
        headers=RESULT_HEADERS, label="上传结果", interactive=False, elem_id="upload-results", wrap=True
    )
    table = gr.Dataframe(
        value=lambda: rows(corpus.documents()),  # a callable: read again each time the page loads
        headers=HEADERS,
        label="已索引文档（点选一行以选择文档）",
        interactive=False,
        elem_id="documents",
        wrap=True,
    )
    with gr.Row():
        chosen = gr.Dropdown(label="选择文档", choices=[], allow_custom_value=True, elem_id="chosen", scale=3)
        remove = gr.Button("删除", variant="stop", elem_id="remove-button", scale=1)
        reread = gr.Button("重新索引", elem_id="reindex-button", scale=1)
        refresh = gr.Button("刷新", elem_id="refresh-button", scale=1)
    message = gr.Markdown(elem_id="corpus-message")

    def add(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 (how Gradio asks for progress)
        outcomes, note = upload(page, paths or [], lambda fraction, text: progress(fraction, desc=text))
        return _results(outcomes), *_listing(corpus), note, None

    def drop(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return *_listing(corpus), "请先选择文档。"
        done = corpus.remove(doc_id)
        return *_listing(corpus), (f"已删除 {doc_id}。" if done else f"未找到 {doc_id}。")

    def again(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return *_listing(corpus), "请先选择文档。"
        report = corpus.reindex(doc_id)
        if report is None:
            text = f"{doc_id} 不是在此上传或随附的文档，没有可重新读取的文件。"
        elif report.failed:
            text = f"重新索引失败：{report.failed[0].error}（已索引的版本保留）。"
        else:
            text = f"已重新索引 {doc_id}：新增 {report.added} 个片段，删除 {report.removed} 个。"
        return *_listing(corpus), text

    listing_out = [table, chosen]
    send.click(add, files, [results, *listing_out, message, files], **page.changes)
    remove.click(drop, chosen, [*listing_out, message], **page.changes)
    reread.click(again, chosen, [*listing_out, message], **page.changes)
    refresh.click(lambda: _listing(corpus), None, listing_out, **page.private)

    def pick(event: gr.SelectData) -> str | None:
        row = event.row_value
        return str(row[0]) if row else None

    table.select(pick, None, chosen, **page.private)
