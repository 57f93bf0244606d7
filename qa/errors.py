"""Why the index cannot be used, in one line: empty, unreachable server, read-only or full disk, other."""

from __future__ import annotations

import errno
import os
import resource
import shutil
from pathlib import Path

LOW_SPACE = 64 * 1024 * 1024  # below this a failed write is put down to a full disk
# What a question gets when no chunks are published (safe to show anyone: no path, no server address).
EMPTY_INDEX = (
    "知识库为空或不存在，请先运行 `planqa ingest`。(The index is empty or missing: run `planqa ingest`.)"
)


class StoreError(RuntimeError):
    """The vector store cannot be reached or written; the message says what to do."""


class EmptyIndexError(StoreError):
    """No generation is published, or it holds no chunks: never ingested, or a server restarted empty.

    Its message is fixed and safe to show anyone (the page and the API show it as it is); `where` is for logs.
    """

    def __init__(self, where: str = "") -> None:
        super().__init__(EMPTY_INDEX)
        self.where = where


def detail(exc: BaseException) -> str:
    """An exception's text on one line, shortened."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 240 else text[:240] + "…"


def not_found(exc: BaseException) -> bool:
    """Whether Chroma says a collection does not exist."""
    return type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc)


def store_error(exc: BaseException, where: str, action: str) -> StoreError:
    """One line (Chinese and English) for a failed call on the index at `where` (a directory or a URL)."""
    said = detail(exc)
    low = said.lower()
    code = getattr(exc, "errno", None)
    names = {c.__name__ for c in type(exc).__mro__}
    if (
        names & {"TransportError", "ConnectionError", "TimeoutException", "TimeoutError"}
        or "could not connect" in low
    ):
        return StoreError(f"无法连接知识库 cannot reach Chroma at {where} while {action} ({said})")
    full = code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) or any(
        s in low for s in ("disk is full", "no space left", "file too large", "quota exceeded")
    )
    if full:
        return StoreError(f"磁盘已满 no space left to write the index at {where} ({said})")
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EROFS, errno.EPERM):
        return StoreError(f"索引目录不可写 index directory is not writable: {where} ({said})")
    if any(s in low for s in ("readonly", "read-only", "permission denied")):
        return StoreError(f"索引目录不可写 index directory is not writable: {where} ({said})")
    reason = local_trouble(Path(where)) if "://" not in where else None
    if reason:  # embedded Chroma often reports a failed write without its cause
        return StoreError(f"索引写入失败 cannot write the index at {where}: {reason} ({said})")
    return StoreError(f"知识库出错 Chroma failed at {where} while {action} ({said})")


def local_trouble(directory: Path) -> str | None:
    """What stops writes to a local index directory: too little space, a file size limit, no access."""
    if not directory.is_dir():
        return None
    free = shutil.disk_usage(directory).free
    if free < LOW_SPACE:
        return f"磁盘空间不足 only {free / 1e6:.1f} MB free on its disk"
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY:
        return f"文件大小受限 files are limited to {soft} bytes (ulimit -f)"
    if not os.access(directory, os.W_OK):
        return "目录不可写 the directory is not writable"
    return None
