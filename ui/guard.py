"""An ASGI guard in front of the Gradio app: questions per client address, failed logins, bodies, uploads.

It sits inside Gradio's own FastAPI app, so it sees every way in: the page's `queue/join`, the raw
`call/<name>` API, gradio_client and the login form alike. The client address is the socket peer, or
the right-most untrusted X-Forwarded-For hop when the peer is a trusted proxy: uvicorn resolves that
before the app runs, from the list `launch` gives it (see `ui.app.trust_proxies`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.limits import LoginThrottle, RateLimiter

# A question is at most a few hundred characters and a history a few dozen turns: 1 MiB is far more than
# any real request, and stops a client from making the server buffer hundreds of megabytes.
MAX_BODY = 1 << 20
ADDRESS_LIMITED = "您所在网络提问过于频繁，请 {seconds} 秒后再试（同一网络地址每分钟最多 {limit} 次）。"
LOGIN_LOCKED = "登录失败次数过多，请 {seconds} 秒后再试。"
UPLOADS_OFF = "本应用不接受文件上传。"
TOO_LARGE = "请求内容过大。"
# The routes that start an event: the page joins the queue; API clients call by name (or the old run/api).
_EVENT = re.compile(r"/gradio_api/(?:(queue/join)|call/(?:v2/)?([^/]+)|(?:run|api)/([^/]+))/?$")
# Nothing in the public app takes a file, so the routes that store one are closed (the admin app's are open:
# Gradio checks its login and PLANQA_MAX_FILE_MB per file before storing anything).
_UPLOAD = re.compile(r"/gradio_api/(?:upload|process_recording)/?$")


@dataclass(frozen=True, slots=True)
class Functions:
    """The app's events that do not run the retriever (by index and API name); any other one is a question."""

    free_ids: frozenset[int]
    free_names: frozenset[str]

    def is_question(self, path_name: str | None, body: bytes, named: bool) -> bool:
        """Whether a request to start an event asks a question (or a briefing): unknown targets do."""
        if named:  # call/<name>: Gradio picks the function by the name in the path alone
            return path_name not in self.free_names
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return True
        index = data.get("fn_index") if isinstance(data, dict) else None
        if index is None:
            return path_name not in self.free_names
        return _as_index(index) not in self.free_ids


def _as_index(value: object) -> int | None:
    """An fn_index as Gradio's model would coerce it (3, 3.0 and "3" alike), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None


def free_functions(fns: Iterable[tuple[int, str | None, bool]]) -> Functions:
    """Functions from (index, API name, runs the retriever) triples."""
    free = [(i, name) for i, name, heavy in fns if not heavy]
    return Functions(frozenset(i for i, _ in free), frozenset(n for _, n in free if n))


def client_host(scope: Scope) -> str:
    """The client address of a request (already resolved through trusted proxies by uvicorn)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


class ClientGuard:
    """Pure ASGI middleware: limits per client address before a request reaches Gradio's queue."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        questions: RateLimiter,
        logins: LoginThrottle,
        functions: Functions,
        admin_prefix: str = "",
    ) -> None:
        """admin_prefix: where the admin app is mounted ("" when it is not): its login is throttled like the
        page's, its uploads pass, and its events are not questions."""
        self.app = app
        self.questions = questions
        self.logins = logins
        self.functions = functions
        self.admin_prefix = admin_prefix.rstrip("/")
        self.login_paths = {"/login", *([f"{self.admin_prefix}/login"] if self.admin_prefix else [])}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        path, host = scope["path"], client_host(scope)
        admin = bool(self.admin_prefix) and path.startswith(self.admin_prefix + "/")
        if _UPLOAD.search(path):
            if admin:
                await self.app(scope, receive, send)  # streamed to disk by Gradio, not buffered here
                return
            await _reply(scope, receive, send, 403, UPLOADS_OFF)
            return
        body = await _read_body(scope, receive)
        if body is None:
            await _reply(scope, receive, send, 413, TOO_LARGE)
            return
        replay = _replay(body, receive)
        if path.rstrip("/") in self.login_paths:
            await self._login(scope, replay, send, host)
            return
        if admin:  # the admin app's own events: behind its login, never a resident's question
            await self.app(scope, replay, send)
            return
        event = _EVENT.search(path)
        named = bool(event and event.group(2))
        asks = event and self.functions.is_question(event.group(2) or event.group(3), body, named)
        if asks and not self.questions.allow(host):
            seconds = self.questions.wait_seconds(host)
            text = ADDRESS_LIMITED.format(seconds=seconds, limit=self.questions.per_minute)
            await _reply(scope, replay, send, 429, text, seconds)
            return
        await self.app(scope, replay, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send, host: str) -> None:
        seconds = self.logins.attempt(host)
        if seconds:
            await _reply(scope, receive, send, 429, LOGIN_LOCKED.format(seconds=seconds), seconds)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status == 200:
            self.logins.succeeded(host)


async def _read_body(scope: Scope, receive: Receive) -> bytes | None:
    """The whole request body, or None when it is over MAX_BODY (by its header or as it arrives)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.strip().isdigit() and int(value) > MAX_BODY:
            return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see what there was
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the app the body already read, then whatever comes next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _reply(
    scope: Scope, receive: Receive, send: Send, status: int, text: str, retry_after: int = 0
) -> None:
    """A short JSON refusal; `detail` is what Gradio's page shows in its error toast."""
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    await JSONResponse({"detail": text}, status_code=status, headers=headers)(scope, receive, send)
