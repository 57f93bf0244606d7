"""The briefing service: what the 简报助手 tab, the /brief API and exports do, apart from the chat."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from qa.brief import Brief, Briefer
from qa.store import StoreError
from ui.brief import brief_json, brief_markdown
from ui.chat import RATE_LIMITED, unavailable
from ui.limits import RateLimiter
from ui.word import write_docx

TOPIC_EMPTY = "请输入简报主题，例如：生态环境保护、交通基础设施、乡村振兴。"
TOPIC_TOO_LONG = "主题太长了（最多 {limit} 个字），请精简后再试。"
logger = logging.getLogger(__name__)
_UNSAFE_NAME = re.compile(r"[^\w\u4e00-\u9fff-]+")


class BriefService:
    """Drafts briefings through a Briefer, under the page's rate limiter (shared with the chat)."""

    def __init__(
        self,
        briefer: Briefer,
        limiter: RateLimiter,
        max_topic_chars: int = 500,
        ready: threading.Event | None = None,
    ) -> None:
        self.briefer = briefer
        self.limiter = limiter
        self.max_topic_chars = max_topic_chars
        self.ready = ready or threading.Event()
        if ready is None:
            self.ready.set()

    def brief(
        self, topic: str, doc_ids: Sequence[str] | None = None, session: str = ""
    ) -> tuple[Brief | None, str]:
        """A briefing and its Markdown draft, or None and a friendly message."""
        topic = " ".join((topic or "").split())
        if not topic:
            return None, TOPIC_EMPTY
        if len(topic) > self.max_topic_chars:
            return None, TOPIC_TOO_LONG.format(limit=self.max_topic_chars)
        if not self.limiter.allow(session):
            seconds = self.limiter.wait_seconds(session)
            return None, RATE_LIMITED.format(seconds=seconds, limit=self.limiter.per_minute)
        self.ready.wait()  # the chat's warm-up loads the models a briefing uses too
        try:
            made = self.briefer.brief(topic, [d for d in doc_ids or [] if d])
        except StoreError as exc:
            logger.warning("briefing not made: %s", exc)
            return None, unavailable(exc)
        return made, brief_markdown(made)

    def brief_api(
        self, topic: str, doc_ids: Sequence[str] | None = None, session: str = ""
    ) -> dict[str, Any]:
        """The /brief API: the draft Markdown and the cited points per district."""
        made, text = self.brief(topic, doc_ids, session)
        if made is None:
            return {"topic": topic, "error": text, "markdown": "", "districts": []}
        return brief_json(made, text)


def file_stem(topic: str, today: date | None = None) -> str:
    """简报_<topic>_<date>: a file name safe on every system."""
    safe = _UNSAFE_NAME.sub("_", topic).strip("_")[:30] or "草稿"
    return f"简报_{safe}_{(today or date.today()).isoformat()}"


def export_markdown(markdown: str, topic: str, folder: Path | None = None) -> Path:
    """Write the draft, as it is now, as a .md file."""
    folder = folder or Path(tempfile.mkdtemp(prefix="planqa-brief-"))
    md = folder / f"{file_stem(topic)}.md"
    md.write_text(markdown, encoding="utf-8")
    return md


def export_docx(markdown: str, topic: str, folder: Path | None = None) -> Path:
    """Write the draft, as it is now, as a .docx file titled with the topic."""
    folder = folder or Path(tempfile.mkdtemp(prefix="planqa-brief-"))
    return write_docx(markdown, folder / f"{file_stem(topic)}.docx", title=topic)


def export_brief(markdown: str, topic: str, folder: Path | None = None) -> tuple[Path, Path]:
    """Write the draft as .md and .docx files for download."""
    folder = folder or Path(tempfile.mkdtemp(prefix="planqa-brief-"))
    return export_markdown(markdown, topic, folder), export_docx(markdown, topic, folder)
