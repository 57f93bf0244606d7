"""The page's tabs: one module each, with its components and its events; `ui.app.TABS` lists them.

A tab module exposes `TITLE`, `ID` and `build(page: Page) -> None`, called inside its `gr.Tab`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import gradio as gr

from ui.briefing import BriefService
from ui.chat import ChatService
from ui.downloads import DownloadFolders

CHAIN = "chain"  # one concurrency group for everything that runs the retriever
TOAST_TITLE = "提示"  # gr.Info and gr.Warning would title their toasts "Info" and "Warning" in English


@dataclass(frozen=True)
class Page:
    """What every tab may wire its events to: the services, and the page's shared event options."""

    service: ChatService
    briefs: BriefService
    folders: DownloadFolders
    concurrency_limit: int = 2
    states: dict[str, gr.State] = field(default_factory=dict)

    @property
    def limit(self) -> dict[str, Any]:
        """Event options for anything that runs the retriever: one queue, bounded concurrency."""
        return {"concurrency_id": CHAIN, "concurrency_limit": self.concurrency_limit}

    @property
    def private(self) -> dict[str, Any]:
        """Event options for the page's own events: not part of the public API."""
        return {"api_visibility": "private"}


class Tab(Protocol):
    """A page tab module."""

    TITLE: str
    ID: str

    def build(self, page: Page) -> None:
        """Lay out the tab's components and wire their events (inside its gr.Tab)."""


def session(request: gr.Request | None) -> str:
    """The browser session a request comes from ("" outside a browser session)."""
    return (request.session_hash or "") if request is not None else ""
