"""The Gradio app: cited chat with a sources panel, feedback, a briefing tab, and the /ask and /brief API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from qa.chain import QAChain
from qa.settings import Settings
from ui.chat import ALL, ChatService, district_id, examples, export_brief
from ui.downloads import DownloadFolders
from ui.feedback import FeedbackStore
from ui.guard import MAX_BODY, ClientGuard, free_functions
from ui.layout import brief_view, chat_view
from ui.limits import LoginThrottle, RateLimiter
from ui.render import Turn, brief_preview_html, sources_html
from ui.theme import CSS, FOOTER, HEAD, HEADER, theme

TITLE = "规划问答 · 从化区 荔湾区“十四五”规划"
CHAIN = "chain"  # one concurrency group for everything that runs the retriever
# Gradio's copies of the briefing downloads: looked at every 10 minutes, removed an hour after they were made
# (and all of them when the server stops). A draft is exported again with one click.
DOWNLOAD_CACHE = (600, 3600)


def _session(request: gr.Request | None) -> str:
    return (request.session_hash or "") if request is not None else ""


def build_app(
    service: ChatService, concurrency_limit: int = 2, folders: DownloadFolders | None = None
) -> gr.Blocks:
    """Lay out the page and wire its events to the service."""
    limit: dict[str, Any] = {"concurrency_id": CHAIN, "concurrency_limit": concurrency_limit}
    private: dict[str, Any] = {"api_visibility": "private"}
    folders = folders or DownloadFolders()
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=DOWNLOAD_CACHE) as demo:
        turns = gr.State([])
        asked = gr.State("")
        vote_row = gr.State(None)
        topic_used = gr.State("")
        gr.HTML(HEADER, elem_id="site-header", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("智能问答", id="chat-tab"):
                chat = chat_view()
            with gr.Tab("简报助手", id="brief-tab"):
                brief = brief_view()
        gr.HTML(FOOTER, js_on_load=None)

        def take(question: str) -> tuple[str, str]:
            return "", question

        def respond(
            question: str, choice: str, done: list[Turn], request: gr.Request
        ) -> Iterator[tuple[list[dict[str, str]], list[Turn], str]]:
            yield from service.respond(question, district_id(choice), done or [], _session(request))

        def restart() -> tuple[Any, ...]:
            return [], [], sources_html([]), "", gr.Group(visible=False), None

        def like(done: list[Turn], data: gr.LikeData, request: gr.Request) -> tuple[Any, ...]:
            index = data.index if isinstance(data.index, int) else data.index[0]
            liked = data.liked if isinstance(data.liked, bool) else None  # "": the vote was clicked off
            row = service.vote(done or [], index, liked, _session(request))
            return row, gr.Group(visible=row is not None), ""

        def send_comment(row: int | None, text: str) -> Any:
            if service.comment(row, text):
                gr.Info("已收到您的意见，谢谢！")
            return gr.Group(visible=False)

        def pick_example(data: gr.SelectData) -> str:
            value = data.value
            return str(value.get("text", "")) if isinstance(value, dict) else str(value)

        def make_brief(text: str, chosen: list[str], request: gr.Request) -> tuple[Any, ...]:
            made, markdown = service.brief(text, chosen, _session(request))
            if made is None:
                gr.Warning(markdown)
                return tuple(gr.skip() for _ in range(5))
            return (markdown, made.topic, *export(markdown, made.topic))

        def edited() -> tuple[Any, Any, Any]:  # stale files must not be downloadable after an edit
            stale = gr.DownloadButton(value=None, interactive=False)
            return gr.Button(interactive=True, variant="primary"), stale, stale

        def export(markdown: str, used: str) -> tuple[Any, Any, Any]:
            if not markdown.strip():
                return gr.skip(), gr.skip(), gr.skip()
            return (gr.Button(interactive=False, variant="secondary"), *_downloads(markdown, used, folders))

        answer_io: dict[str, Any] = {
            "fn": respond,
            "inputs": [asked, chat.district, turns],
            "outputs": [chat.chatbot, turns, chat.sources],
            "show_progress": "hidden",
            **limit,
            **private,
        }
        gr.on(
            [chat.box.submit, chat.send.click], take, [chat.box], [chat.box, asked], queue=False, **private
        ).then(**answer_io)
        chat.chatbot.example_select(pick_example, None, [asked], **private).then(**answer_io)
        chat.district.change(
            lambda choice: gr.Chatbot(examples=examples(district_id(choice))),
            chat.district,
            chat.chatbot,
            queue=False,
            **private,
        )
        reset = [chat.chatbot, turns, chat.sources, chat.box, chat.comment_group, vote_row]
        gr.on([chat.new_chat.click, chat.chatbot.clear], restart, None, reset, queue=False, **private)
        chat.chatbot.like(like, [turns], [vote_row, chat.comment_group, chat.comment], **private)
        chat.comment_send.click(send_comment, [vote_row, chat.comment], [chat.comment_group], **private)
        files = [brief.export, brief.md_file, brief.docx_file]
        gr.on(
            [brief.make.click, brief.topic.submit],
            make_brief,
            [brief.topic, brief.areas],
            [brief.draft, topic_used, *files],
            **limit,
            **private,
        )
        brief.draft.change(brief_preview_html, brief.draft, brief.preview, queue=False, **private)
        brief.draft.input(edited, None, files, queue=False, show_progress="hidden", **private)
        brief.export.click(export, [brief.draft, topic_used], files, **private)
        _api(service, limit)
    return demo


def _api(service: ChatService, limit: dict[str, Any]) -> None:
    def ask(
        question: str,
        district: str = ALL,
        history: list[list[str]] | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer a question with citations; district is all, conghua or liwan; history is [[q, a], …]."""
        # API clients send what they like: keep only well-formed [question, answer] pairs.
        turns = history if isinstance(history, list) else []
        earlier = [(str(t[0]), str(t[1])) for t in turns if isinstance(t, (list, tuple)) and len(t) >= 2]
        return service.ask(question, district_id(district), earlier, _session(request))

    def brief(
        topic: str, districts: list[str] | None = None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Draft a cited briefing on a topic for some districts (conghua, liwan; all when empty)."""
        chosen = [d for d in (district_id(x) for x in districts or []) if d]
        return service.brief_api(topic, chosen, _session(request))

    gr.api(ask, api_name="ask", **limit)
    gr.api(brief, api_name="brief", **limit)


def _downloads(markdown: str, topic: str, folders: DownloadFolders) -> tuple[Any, Any]:
    md, docx = export_brief(markdown, topic, folders.new())
    return (
        gr.DownloadButton(value=str(md), interactive=True),
        gr.DownloadButton(value=str(docx), interactive=True),
    )


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """'user:password,user2:password2' as Gradio's auth list (None: no login)."""
    pairs = [p.split(":", 1) for p in (value or "").split(",") if ":" in p]
    return [(u.strip(), pw) for u, pw in pairs if u.strip()] or None


def create(chain: QAChain, settings: Settings, *, warm_up: bool = True) -> gr.Blocks:
    """The app over a loaded chain, with feedback and rate limits from settings.

    With warm_up the chain's lazy parts load in the background as the page is built; `planqa chat` passes
    False and calls `warm_up(demo)` once the server listens, so the warm-up does not slow the start.
    """
    limiter = RateLimiter(settings.rate_limit_per_minute)
    service = ChatService(chain, FeedbackStore(settings.feedback_db), limiter)
    if warm_up:
        service.warm_up()
    _SERVICES[id(demo := build_app(service, settings.concurrency_limit, DownloadFolders()))] = service
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=64)
    return demo


_SERVICES: dict[int, ChatService] = {}


def warm_up(demo: gr.Blocks) -> None:
    """Load the lazy parts of a created app's chain in the background (the first answer is then fast)."""
    _SERVICES[id(demo)].warm_up()


def launch(
    demo: gr.Blocks,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> str:
    """Serve the app (never shared publicly; login when settings.auth is set); return its local URL.

    Every request passes the ClientGuard first: questions per client address, failed logins slowed down,
    no uploads, no oversized bodies.
    """
    auth = parse_auth(settings.auth.get_secret_value() if settings.auth else None)
    trust_proxies(settings.trusted_proxies)
    guard = Middleware(
        ClientGuard,
        questions=RateLimiter(settings.rate_limit_per_address_per_minute),
        logins=LoginThrottle(),
        functions=free_functions((i, f.api_name, f.concurrency_id == CHAIN) for i, f in demo.fns.items()),
    )
    _, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        auth_message="请登录后使用规划问答",
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=False,
        footer_links=["api"],
        theme=theme(),
        css=CSS,
        head=HEAD,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        app_kwargs={"middleware": [guard]},
        max_file_size=MAX_BODY,
    )
    return url


def trust_proxies(proxies: str) -> None:
    """Believe X-Forwarded-For only from these proxies (comma-separated addresses or CIDRs; none when empty).

    uvicorn reads FORWARDED_ALLOW_IPS when Gradio builds its server, and takes the right-most untrusted hop
    of the header as the client. Gradio passes no value, and uvicorn's default trusts 127.0.0.1: any local
    process could then claim any address and have a rate limit of its own.
    """
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(p.strip() for p in proxies.split(",") if p.strip())
