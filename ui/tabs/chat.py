"""The chat tab: district choice, the conversation, feedback, and the sources panel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.chat import ALL, district_id, examples
from ui.corpus_text import PageText
from ui.render import Turn, sources_html
from ui.tabs import TOAST_TITLE, Page, session

TITLE = "智能问答"
ID = "chat-tab"


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


def chat_view(texts: PageText) -> ChatView:
    """Question box and chat on the left (on top on a phone), sources on the right (below)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            district = gr.Radio(texts.choices, value=ALL, label="查询范围", elem_id="district")
            chatbot = gr.Chatbot(
                value=[],
                examples=examples(texts, None),
                height=540,
                show_label=False,
                elem_id="chat",
                placeholder=texts.welcome,
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


def build(page: Page) -> None:
    """Lay out the chat and wire questions, examples, votes and comments to the chat service."""
    service = page.service
    private = page.private
    chat = chat_view(service.page())
    turns = gr.State([])
    asked = gr.State("")
    vote_row = gr.State(None)

    def take(question: str) -> tuple[str, str]:
        return "", question

    def respond(
        question: str, choice: str, done: list[Turn], request: gr.Request
    ) -> Iterator[tuple[list[dict[str, str]], list[Turn], str]]:
        yield from service.respond(question, district_id(choice), done or [], session(request))

    def restart() -> tuple[Any, ...]:
        return [], [], sources_html([]), "", gr.Group(visible=False), None

    def like(done: list[Turn], data: gr.LikeData, request: gr.Request) -> tuple[Any, ...]:
        index = data.index if isinstance(data.index, int) else data.index[0]
        liked = data.liked if isinstance(data.liked, bool) else None  # "": the vote was clicked off
        row = service.vote(done or [], index, liked, session(request))
        return row, gr.Group(visible=row is not None), ""

    def send_comment(row: int | None, text: str) -> Any:
        if service.comment(row, text):
            gr.Info("已收到您的意见，谢谢！", title=TOAST_TITLE)
        return gr.Group(visible=False)

    def pick_example(data: gr.SelectData) -> str:
        value = data.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    answer_io: dict[str, Any] = {
        "fn": respond,
        "inputs": [asked, chat.district, turns],
        "outputs": [chat.chatbot, turns, chat.sources],
        "show_progress": "hidden",
        **page.limit,
        **private,
    }
    gr.on(
        [chat.box.submit, chat.send.click], take, [chat.box], [chat.box, asked], queue=False, **private
    ).then(**answer_io)
    chat.chatbot.example_select(pick_example, None, [asked], **private).then(**answer_io)
    chat.district.change(
        lambda choice: gr.Chatbot(examples=examples(service.page(), district_id(choice))),
        chat.district,
        chat.chatbot,
        queue=False,
        **private,
    )

    def scope() -> tuple[Any, Any]:  # a page opened after an ingest offers the plans indexed now
        texts = service.page()
        return gr.Radio(texts.choices, value=ALL), gr.Chatbot(examples=examples(texts, None))

    gr.on(None, scope, None, [chat.district, chat.chatbot], queue=False, **private)  # on each page load
    reset = [chat.chatbot, turns, chat.sources, chat.box, chat.comment_group, vote_row]
    gr.on([chat.new_chat.click, chat.chatbot.clear], restart, None, reset, queue=False, **private)
    chat.chatbot.like(like, [turns], [vote_row, chat.comment_group, chat.comment], **private)
    chat.comment_send.click(send_comment, [vote_row, chat.comment], [chat.comment_group], **private)
