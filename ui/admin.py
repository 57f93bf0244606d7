"""The staff pages at /admin: a Gradio app of their own, behind their own login, in the chat app's server.

A separate gr.Blocks rather than a tab of the public page, so a resident cannot load the page or call its
functions: every route under /admin (page, config, queue, uploads) answers 401 without the admin's login,
and none of its functions is in the public app's API. Without PLANQA_ADMIN_AUTH nothing is mounted (404).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gradio as gr
from starlette.routing import Mount

from ingest.manage import ManagedCorpus
from qa.settings import Settings
from ui.docs import open_corpus
from ui.tabs import corpus as corpus_tab
from ui.tabs import questions as questions_tab
from ui.tabs.questions import QuestionData, question_data

ADMIN_PATH = "/admin"
ADMIN_TITLE = "规划问答 · 管理"
ADMIN_HEADER = "<h1>规划问答 · 管理</h1><p>文档库管理：上传、查看、删除和重新索引规划文件。</p>"
CORPUS_CHANGES = (
    "corpus"  # one concurrency group: the corpus changes one upload, removal or re-read at a time
)


@dataclass(frozen=True)
class AdminPage:
    """What every admin tab may wire its events to: the services behind the staff pages."""

    corpus: ManagedCorpus
    max_files: int = 20  # files one upload may carry (PLANQA_MAX_UPLOAD_FILES)
    questions: QuestionData | None = None  # the 问题看板's question log and feedback

    @property
    def private(self) -> dict[str, Any]:
        """Event options for the admin's events: never part of any API listing."""
        return {"api_visibility": "private"}

    @property
    def changes(self) -> dict[str, Any]:
        """Event options for anything that changes the corpus: one at a time, private."""
        return {"concurrency_id": CORPUS_CHANGES, "concurrency_limit": 1, **self.private}


class AdminTab(Protocol):
    """An admin page tab module: TITLE, ID and build(page), as ui.tabs.Tab for the public page."""

    TITLE: str
    ID: str

    def build(self, page: AdminPage) -> None:
        """Lay out the tab's components and wire their events (inside its gr.Tab)."""


# The admin page's tabs, in order: one module each; a new one is one line here.
ADMIN_TABS: tuple[AdminTab, ...] = (corpus_tab, questions_tab)


def build_admin(page: AdminPage) -> gr.Blocks:
    """Lay out the admin page: a header and one gr.Tab per module in ADMIN_TABS."""
    # Gradio's copies of uploaded files: looked at every 10 minutes, removed after an hour (the kept ones are
    # already in the upload folder by then).
    with gr.Blocks(title=ADMIN_TITLE, analytics_enabled=False, delete_cache=(600, 3600)) as admin:
        gr.HTML(ADMIN_HEADER, elem_id="admin-header", js_on_load=None)
        with gr.Tabs():
            for tab in ADMIN_TABS:
                with gr.Tab(tab.TITLE, id=tab.ID):
                    tab.build(page)
    admin.queue(default_concurrency_limit=1, max_size=16)
    return admin


def mount_on_start(
    admin: gr.Blocks, auth: list[tuple[str, str]], max_file_bytes: int, **look: Any
) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan for the chat app's server that mounts the admin app at /admin as the server starts.

    The server only exists inside `demo.launch`, and a mounted Gradio app needs its startup events (its
    queue) run by the server: a lifespan does both at the right moment. `look` is theme/css/head.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        gr.mount_gradio_app(
            app,
            admin,
            ADMIN_PATH,
            auth=auth,
            auth_message="规划问答管理页面：请以管理员身份登录",
            max_file_size=max_file_bytes,
            footer_links=[],
            show_error=True,  # staff see why an upload or removal failed
            ssr_mode=False,
            mcp_server=False,
            pwa=False,
            **look,
        )
        # What mount_gradio_app would have the server do on start-up, done now (the server is starting): the
        # mounted app's own lifespan (its cache clean-up) around the admin's startup events (its queue).
        mounted: Any = next(
            r.app for r in reversed(app.routes) if isinstance(r, Mount) and r.path == ADMIN_PATH
        )
        async with mounted.router.lifespan_context(mounted):
            admin.run_startup_events()
            await admin.run_extra_startup_events()
            try:
                yield
            finally:
                admin.close(verbose=False)

    return lifespan


def admin_app(settings: Settings, index_dir: Path) -> gr.Blocks | None:
    """The admin app over an index, from settings; None when PLANQA_ADMIN_AUTH is unset (no /admin)."""
    if not settings.admin_auth:
        return None
    page = AdminPage(
        open_corpus(settings, index_dir),
        max_files=settings.max_upload_files,
        questions=question_data(settings),
    )
    return build_admin(page)
