"""The briefing tab: a topic and districts in, an editable cited draft out, with its downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.chat import ALL, export_brief
from ui.corpus_text import PageText
from ui.downloads import DownloadFolders
from ui.preview import brief_preview_html
from ui.tabs import TOAST_TITLE, Page, session

TITLE = "简报助手"
ID = "brief-tab"


@dataclass(frozen=True)
class BriefView:
    """The briefing tab's components."""

    topic: gr.Textbox
    areas: gr.CheckboxGroup
    make: gr.Button
    draft: gr.Textbox
    preview: gr.HTML
    export: gr.Button
    md_file: gr.DownloadButton
    docx_file: gr.DownloadButton


def brief_view(texts: PageText) -> BriefView:
    """Topic and districts, the editable draft, and the two downloads."""
    gr.Markdown(
        "为工作人员生成某一主题的规划要点简报草稿：按区列出**要点**、**数据**与**原文**，"
        "每条注明出处。草稿可直接修改，并下载为 Markdown 或 Word 文件。",
        elem_id="brief-intro",
    )
    districts = [(label, doc_id) for label, doc_id in texts.choices if doc_id != ALL]
    with gr.Row(equal_height=True):
        topic = gr.Textbox(
            label="简报主题",
            scale=4,
            elem_id="topic",
            placeholder="例如：生态环境保护、交通基础设施、乡村振兴",
        )
        areas = gr.CheckboxGroup(districts, value=[d for _, d in districts], label="涉及区", scale=2)
    make = gr.Button("生成简报", variant="primary", elem_id="make-brief")
    with gr.Tabs():
        with gr.Tab("编辑草稿"):
            draft = gr.Textbox(
                label="简报草稿（Markdown，可直接修改；下载时使用修改后的内容）",
                lines=20,
                max_lines=40,
                elem_id="draft",
                buttons=["copy"],
            )
        with gr.Tab("预览"):
            # HTML built by brief_preview_html: a plan's own Markdown (an image, a link) stays text
            preview = gr.HTML(
                "<p>生成简报后在此预览。</p>", elem_id="brief-preview", container=True, js_on_load=None
            )
    with gr.Row():
        export = gr.Button("按修改后内容更新文件", interactive=False, elem_id="export-brief")
        md_file = gr.DownloadButton("下载 Markdown", interactive=False, elem_id="download-md")
        docx_file = gr.DownloadButton(
            "下载 Word", interactive=False, variant="primary", elem_id="download-docx"
        )
    return BriefView(topic, areas, make, draft, preview, export, md_file, docx_file)


def build(page: Page) -> None:
    """Lay out the briefing tab and wire drafting, editing and exporting to the chat service."""
    service = page.service
    folders = page.folders
    private = page.private
    brief = brief_view(service.page())
    topic_used = gr.State("")

    def make_brief(text: str, chosen: list[str], request: gr.Request) -> tuple[Any, ...]:
        made, markdown = service.brief(text, chosen, session(request))
        if made is None:
            gr.Warning(markdown, title=TOAST_TITLE)
            return tuple(gr.skip() for _ in range(5))
        return (markdown, made.topic, *export(markdown, made.topic))

    def edited() -> tuple[Any, Any, Any]:  # stale files must not be downloadable after an edit
        stale = gr.DownloadButton(value=None, interactive=False)
        return gr.Button(interactive=True, variant="primary"), stale, stale

    def export(markdown: str, used: str) -> tuple[Any, Any, Any]:
        if not markdown.strip():
            return gr.skip(), gr.skip(), gr.skip()
        return (gr.Button(interactive=False, variant="secondary"), *_downloads(markdown, used, folders))

    files = [brief.export, brief.md_file, brief.docx_file]

    def areas() -> Any:  # a page opened after an ingest offers the plans indexed now
        plans = [(label, value) for label, value in service.page().choices if value != ALL]
        return gr.CheckboxGroup(plans, value=[value for _, value in plans])

    gr.on(None, areas, None, [brief.areas], queue=False, **private)  # on each page load
    gr.on(
        [brief.make.click, brief.topic.submit],
        make_brief,
        [brief.topic, brief.areas],
        [brief.draft, topic_used, *files],
        **page.limit,
        **private,
    )
    brief.draft.change(brief_preview_html, brief.draft, brief.preview, queue=False, **private)
    brief.draft.input(edited, None, files, queue=False, show_progress="hidden", **private)
    brief.export.click(export, [brief.draft, topic_used], files, **private)


def _downloads(markdown: str, topic: str, folders: DownloadFolders) -> tuple[Any, Any]:
    md, docx = export_brief(markdown, topic, folders.new())
    return (
        gr.DownloadButton(value=str(md), interactive=True),
        gr.DownloadButton(value=str(docx), interactive=True),
    )
