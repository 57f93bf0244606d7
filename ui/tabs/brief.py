"""The briefing tab: a topic and districts in, an editable cited draft out; each download is built from
the draft as the editor shows it at the moment its button is clicked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ui.briefing import export_docx, export_markdown
from ui.chat import ALL
from ui.corpus_text import PageText
from ui.preview import brief_preview_html
from ui.tabs import TOAST_TITLE, Page, session

TITLE = "简报助手"
ID = "brief-tab"
# Read the editor's text from the page itself when a download is clicked: whatever changed it (Backspace,
# Delete, an input method, a paste), the file holds what the reader sees, not the last value an event sent.
CURRENT_DRAFT = "(draft, topic) => [document.querySelector('#draft textarea')?.value ?? draft, topic]"
NOTHING_TO_EXPORT = "草稿为空，请先生成或填写简报。"


def _click(elem_id: str) -> str:
    """JavaScript that clicks the hidden download button once its new file is in place."""
    return f"() => {{ setTimeout(() => document.querySelector('#{elem_id}')?.click(), 100); }}"


@dataclass(frozen=True)
class BriefView:
    """The briefing tab's components."""

    topic: gr.Textbox
    areas: gr.CheckboxGroup
    make: gr.Button
    draft: gr.Textbox
    preview: gr.HTML
    md_button: gr.Button
    docx_button: gr.Button
    md_file: gr.DownloadButton  # hidden: receives the file just built and is clicked by the page
    docx_file: gr.DownloadButton


def brief_view(texts: PageText) -> BriefView:
    """Topic and districts, the editable draft, and the two downloads."""
    gr.Markdown(
        "为工作人员生成某一主题的规划简报草稿：按区列出**目标**、**主要举措**、**以往成效**（注明时期）、"
        "**数据**与**原文**，每条注明出处。草稿可直接修改；下载的文件就是编辑框里当时的内容。",
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
                label="简报草稿（Markdown，可直接修改；下载时使用编辑框中的当前内容）",
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
        md_button = gr.Button("下载 Markdown", interactive=False, elem_id="download-md")
        docx_button = gr.Button("下载 Word", interactive=False, variant="primary", elem_id="download-docx")
        md_file = gr.DownloadButton(visible="hidden", elem_id="md-file")
        docx_file = gr.DownloadButton(visible="hidden", elem_id="docx-file")
    return BriefView(topic, areas, make, draft, preview, md_button, docx_button, md_file, docx_file)


def build(page: Page) -> None:
    """Lay out the briefing tab and wire drafting, previewing and downloading to the briefing service."""
    service = page.briefs
    chat = page.service
    private = page.private
    brief = brief_view(chat.page())
    topic_used = gr.State("")

    def make_brief(text: str, chosen: list[str], request: gr.Request) -> tuple[Any, ...]:
        made, markdown = service.brief(text, chosen, session(request))
        if made is None:
            gr.Warning(markdown, title=TOAST_TITLE)
            return tuple(gr.skip() for _ in range(4))
        ready = gr.Button(interactive=True)
        return markdown, made.topic, ready, ready

    def areas() -> Any:  # a page opened after an ingest offers the plans indexed now
        plans = [(label, value) for label, value in chat.page().choices if value != ALL]
        return gr.CheckboxGroup(plans, value=[value for _, value in plans])

    gr.on(None, areas, None, [brief.areas], queue=False, **private)  # on each page load
    gr.on(
        [brief.make.click, brief.topic.submit],
        make_brief,
        [brief.topic, brief.areas],
        [brief.draft, topic_used, brief.md_button, brief.docx_button],
        **page.limit,
        **private,
    )
    brief.draft.change(brief_preview_html, brief.draft, brief.preview, queue=False, **private)
    for button, hidden, write in (
        (brief.md_button, brief.md_file, export_markdown),
        (brief.docx_button, brief.docx_file, export_docx),
    ):
        button.click(
            downloader(write, page), [brief.draft, topic_used], hidden, js=CURRENT_DRAFT, **private
        ).success(None, None, None, js=_click(hidden.elem_id or ""), **private)


def downloader(write: Callable[[str, str, Path], Path], page: Page) -> Callable[[str, str], Any]:
    """The click handler of one download: the draft as sent (the editor's current text) → a fresh file."""

    def export(markdown: str, topic: str) -> Any:
        if not (markdown or "").strip():
            gr.Warning(NOTHING_TO_EXPORT, title=TOAST_TITLE)
            raise gr.Error(NOTHING_TO_EXPORT, print_exception=False)
        return gr.DownloadButton(value=str(write(markdown, topic or "草稿", page.folders.new())))

    return export
