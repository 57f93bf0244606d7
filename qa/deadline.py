"""A time limit on every call to a Chroma server: its HTTP client waits forever for a hung server.

chromadb 1.x builds its httpx session with `timeout=None` and offers no setting for it (chroma-core/chroma
#5805), so a server that accepts connections and then stops answering would hold a citizen's question, and
the app's few answer slots with it, indefinitely. `Deadline` wraps the client and every collection it hands
out; a call that has not returned in time raises TimeoutError, which the store reports as unreachable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def within(seconds: float, fn: Callable[[], _T]) -> _T:
    """Run fn on a thread of its own and return its result, or raise TimeoutError after `seconds`.

    A call that times out is abandoned, not stopped: its daemon thread ends when the server answers.
    """
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="planqa-chroma-call", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"no reply from the Chroma server in {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    value: _T = outcome["value"]
    return value


class Deadline:
    """A Chroma client or collection whose method calls each give up after `seconds`."""

    def __init__(self, target: Any, seconds: float) -> None:
        self._target = target
        self._seconds = seconds

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value  # name, metadata…: already held by the client, no request

        def bounded(*args: Any, **kwargs: Any) -> Any:
            result = within(self._seconds, lambda: value(*args, **kwargs))
            return Deadline(result, self._seconds) if _is_collection(result) else result

        return bounded


def _is_collection(value: Any) -> bool:
    return all(callable(getattr(value, m, None)) for m in ("query", "upsert", "get", "count"))
