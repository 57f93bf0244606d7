"""The Gradio app: the page's tabs (ui/tabs/), the /ask and /brief API, and the server with its guards."""

from __future__ import annotations

import os
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from ingest.formats import MIB
from qa.brief import Briefer
from qa.chain import QAChain
from qa.retrieve import scope
from qa.settings import Settings
from qa.store import StoreError
from ui.admin import ADMIN_PATH, mount_on_start
from ui.briefing import BriefService
from ui.chat import ALL, ChatService, district_id
from ui.corpus_text import manifest_examples
from ui.downloads import DownloadFolders
from ui.feedback import FeedbackStore
from ui.guard import MAX_BODY, ClientGuard, free_functions
from ui.limits import LoginThrottle, RateLimiter
from ui.questionlog import QuestionLog
from ui.tabs import CHAIN, Page, Tab, session
from ui.tabs import brief as brief_tab
from ui.tabs import chat as chat_tab
from ui.theme import CSS, HEAD, theme

# The page's tabs, in order: one module each (see ui/tabs/__init__.py); a new tab is one line here.
TABS: tuple[Tab, ...] = (chat_tab, brief_tab)
# Gradio's copies of the briefing downloads: looked at every 10 minutes, removed an hour after they were made
# (and all of them when the server stops). A draft is exported again with one click.
DOWNLOAD_CACHE = (600, 3600)


def build_app(
    service: ChatService,
    concurrency_limit: int = 2,
    folders: DownloadFolders | None = None,
    briefs: BriefService | None = None,
) -> gr.Blocks:
    """Lay out the page: the header, one gr.Tab per module in TABS, the footer; then the API.

    The title, header and footer name the plans indexed when the app is built; the header and footer are
    read again whenever a page opens, so a page opened after an ingest names the new plans.
    """
    briefs = briefs or brief_service(service)
    page = Page(service, briefs, folders or DownloadFolders(), concurrency_limit)
    texts = service.page()
    with gr.Blocks(title=texts.title, analytics_enabled=False, delete_cache=DOWNLOAD_CACHE) as demo:
        header = gr.HTML(texts.header, elem_id="site-header", js_on_load=None)
        with gr.Tabs():
            for tab in TABS:
                with gr.Tab(tab.TITLE, id=tab.ID):
                    tab.build(page)
        footer = gr.HTML(texts.footer, js_on_load=None)
        _api(service, briefs, page.limit)

        def refresh() -> tuple[str, str]:
            now = service.page()
            return now.header, now.footer

        demo.load(refresh, None, [header, footer], queue=False, show_progress="hidden", **page.private)
    return demo


def _api(service: ChatService, briefs: BriefService, limit: dict[str, Any]) -> None:
    def ask(
        question: str,
        district: str = ALL,
        history: list[list[str]] | None = None,
        request: gr.Request | None = None,
    ) -> dict[str, Any]:
        """Answer a question with citations; district: all, or a doc id or district name as listed by the
        selector; history is [[q, a], …]."""
        # API clients send what they like: keep only well-formed [question, answer] pairs.
        turns = history if isinstance(history, list) else []
        earlier = [(str(t[0]), str(t[1])) for t in turns if isinstance(t, (list, tuple)) and len(t) >= 2]
        return service.ask(question, district_id(district), earlier, session(request))

    def brief(
        topic: str, districts: list[str] | None = None, request: gr.Request | None = None
    ) -> dict[str, Any]:
        """Draft a cited briefing on a topic for some plans: doc ids or district names as listed by the
        selector (all when empty)."""
        chosen = _plans(service, districts or [])
        return briefs.brief_api(topic, chosen, session(request))

    gr.api(ask, api_name="ask", **limit)
    gr.api(brief, api_name="brief", **limit)


def _plans(service: ChatService, choices: list[str]) -> list[str]:
    """The doc ids API choices stand for (none when the index cannot be read: the briefing says why)."""
    try:
        corpus = service.chain.corpus
    except StoreError:
        return []
    return [doc_id for choice in choices for doc_id in scope(corpus, district_id(choice))]


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """'user:password,user2:password2' as Gradio's auth list (None: no login)."""
    pairs = [p.split(":", 1) for p in (value or "").split(",") if ":" in p]
    return [(u.strip(), pw) for u, pw in pairs if u.strip()] or None


def brief_service(chat: ChatService) -> BriefService:
    """The briefing service beside a chat service: same chain, same rate limiter, same warm-up."""
    chain = chat.chain
    return BriefService(Briefer(chain), chat.limiter, chain.max_question_chars, chat.ready)


def chat_service(chain: QAChain, settings: Settings) -> ChatService:
    """The chat service over a loaded chain, with feedback, question log and rate limits from settings."""
    limiter = RateLimiter(settings.rate_limit_per_minute)
    log = QuestionLog(settings.question_log, settings.question_log_days) if settings.question_log else None
    examples = manifest_examples(settings.plans_dir)  # a plan's own example questions win over ours
    return ChatService(chain, FeedbackStore(settings.feedback_db), limiter, log, examples)


def create(
    chain: QAChain, settings: Settings, *, warm_up: bool = True, service: ChatService | None = None
) -> gr.Blocks:
    """The app over a loaded chain (or a chat service made by `chat_service`).

    With warm_up the chain's lazy parts load in the background as the page is built; `planqa chat` passes
    False and calls `service.warm_up()` once the server listens, so the warm-up does not slow the start.
    """
    service = service or chat_service(chain, settings)
    if warm_up:
        service.warm_up()
    demo = build_app(service, settings.concurrency_limit, DownloadFolders(), brief_service(service))
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=64)
    return demo


def launch(
    demo: gr.Blocks,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
    admin: gr.Blocks | None = None,
) -> str:
    """Serve the app (never shared publicly; login when settings.auth is set); return its local URL.

    Every request passes the ClientGuard first: questions per client address, failed logins slowed down,
    no uploads, no oversized bodies. An admin app (ui.admin) is served at /admin behind its own login
    when settings.admin_auth is set; without it there is no /admin.
    """
    auth = parse_auth(settings.auth.get_secret_value() if settings.auth else None)
    admin_auth = parse_auth(settings.admin_auth.get_secret_value() if settings.admin_auth else None)
    trust_proxies(settings.trusted_proxies)
    mounted = admin is not None and admin_auth is not None
    guard = Middleware(
        ClientGuard,
        questions=RateLimiter(settings.rate_limit_per_address_per_minute),
        logins=LoginThrottle(),
        functions=free_functions((i, f.api_name, f.concurrency_id == CHAIN) for i, f in demo.fns.items()),
        admin_prefix=ADMIN_PATH if mounted else "",
    )
    app_kwargs: dict[str, Any] = {"middleware": [guard]}
    if mounted and admin is not None and admin_auth is not None:
        look = {"theme": theme(), "css": CSS, "head": HEAD}
        app_kwargs["lifespan"] = mount_on_start(admin, admin_auth, settings.max_file_mb * MIB, **look)
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
        app_kwargs=app_kwargs,
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
