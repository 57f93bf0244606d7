"""The page's components: the chat tab (question, answers, sources) and the briefing tab."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ui.chat import ALL, DISTRICT_CHOICES, examples
from ui.render import sources_html
from ui.theme import CHAT_PLACEHOLDER


@dataclass(frozen=True)
class ChatView:
    """The chat tab's components."""

    district: gr.Radio
    chatbot: gr.Chatbot
    box: gr.Textbox
    send: gr.Button
    new_chat: gr.Button
    comment_group: gr.Group
    comment: gr.Textbox
    comment_send: gr.Button
    sources: gr.HTML


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


def chat_view() -> ChatView:
    """Question box and chat on the left (on top on a phone), sources on the right (below)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            district = gr.Radio(DISTRICT_CHOICES, value=ALL, label="查询范围", elem_id="district")
            chatbot = gr.Chatbot(
                value=[],
                examples=examples(None),
                height=540,
                show_label=False,
                elem_id="chat",
                placeholder=CHAT_PLACEHOLDER,
                buttons=["copy"],
                layout="bubble",
                feedback_options=("Like", "Dislike"),
                autoscroll=True,
            )
            with gr.Row(elem_id="ask-row"):
                box = gr.Textbox(
                    placeholder="请输入您的问题，按回车提问…",
                    show_label=False,
                    scale=5,
                    lines=1,
                    max_lines=4,
                    elem_id="question",
                    container=False,
                )
                send = gr.Button("提问", variant="primary", scale=1, min_width=72, elem_id="send")
            new_chat = gr.Button("＋ 新对话", size="sm", variant="secondary", elem_id="new-chat")
            with gr.Group(visible=False, elem_id="comment-box") as comment_group:
                comment = gr.Textbox(label="感谢您的反馈！如愿意，可补充说明（选填）", lines=2, max_lines=5)
                comment_send = gr.Button("提交意见", size="sm", elem_id="comment-send")
        with gr.Column(scale=2, min_width=300):
            gr.HTML(
                '<div class="panel-title">引用来源<small>点击回答中的编号查看</small></div>', js_on_load=None
            )
            sources = gr.HTML(sources_html([]), elem_id="sources", js_on_load=None)
    return ChatView(district, chatbot, box, send, new_chat, comment_group, comment, comment_send, sources)


def brief_view() -> BriefView:
    """Topic and districts, the editable draft, and the two downloads."""
    gr.Markdown(
        "为工作人员生成某一主题的规划要点简报草稿：按区列出**要点**、**数据**与**原文**，"
        "每条注明出处。草稿可直接修改，并下载为 Markdown 或 Word 文件。",
        elem_id="brief-intro",
    )
    districts = [(label, doc_id) for label, doc_id in DISTRICT_CHOICES if doc_id != ALL]
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
