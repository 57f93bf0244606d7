"""Read one file into chunks: here, or in a child process that is killed when it runs past its time.

A thread cannot be stopped from outside, and a reader stuck in C code (lxml, zlib) does not see a signal
handler until it returns; a process can be killed at any moment and takes its memory with it. So files
from the command line are read in one long-lived child process (started once per ingest, and again after
it is killed), each within its time; the parent only waits, and no lock is held meanwhile.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import cast

from ingest.formats import DEFAULT_LIMITS, LoadError, ReadLimits
from ingest.load import load_document
from ingest.outline import parse_outline
from ingest.split import split_document
from qa.types import Chunk, DocumentInfo

ReadFile = Callable[[Path, DocumentInfo | None], list[Chunk]]
STARTUP_SECONDS = 120.0  # the child's imports, on a busy machine; not counted against any file
_PR_SET_PDEATHSIG = 1  # prctl option: the signal this process gets when its parent dies


@dataclass(frozen=True, slots=True)
class Isolation:
    """How a file is read in the child: its time, and the address space the child may use."""

    seconds: float
    memory_bytes: int | None = None


def unexpected(exc: BaseException) -> str:
    """One line saying how a reader failed in a way it did not report itself."""
    if isinstance(exc, MemoryError):
        return "ran out of memory reading the file"
    detail = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"unreadable file ({type(exc).__name__}{': ' + detail[:300] if detail else ''})"


def chunk_file(
    path: Path, info: DocumentInfo | None, size: int, overlap: int, limits: ReadLimits = DEFAULT_LIMITS
) -> list[Chunk]:
    """Load, outline and split one file; anything that goes wrong is a LoadError saying what."""
    try:
        doc = load_document(path, info, limits)
        return split_document(doc, parse_outline(doc), size=size, overlap=overlap)
    except LoadError:
        raise
    except Exception as exc:  # lxml, pypdf, python-docx… failing their own way: this file's failure only
        raise LoadError(unexpected(exc)) from exc


def chunker(size: int, overlap: int, limits: ReadLimits = DEFAULT_LIMITS) -> ReadFile:
    """chunk_file with these settings (picklable, so a child process can run it)."""
    return partial(chunk_file, size=size, overlap=overlap, limits=limits)


def serve(receive: int, send: int, memory_bytes: int) -> None:
    """The child: read each (work, path, info) received; reply (True, chunks) or (False, reason)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle; it then ends this child
    with contextlib.suppress(OSError, AttributeError):  # Linux: die with the parent, even mid-file
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    requests, replies = Connection(receive, writable=False), Connection(send, readable=False)
    replies.send((True, []))  # ready: the imports are done, so a file's time starts now
    while True:
        try:
            work, path, info = requests.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        try:
            reply: tuple[bool, object] = (True, work(path, info))
        except Exception as exc:
            reply = (False, str(exc) if isinstance(exc, LoadError) else unexpected(exc))
        try:
            replies.send(reply)
        except (BrokenPipeError, EOFError):
            return
        except Exception as exc:  # the chunks would not pickle, or not fit in memory twice
            try:
                replies.send((False, unexpected(exc)))
            except Exception:
                return  # the parent sees the pipe end: the file's failure, not a traceback


class ChildReader:
    """Reads files in a child process; a file that overruns its time, or kills the child, is its failure.

    The child is a fresh interpreter (`python -c`), not a fork of this process and whatever threads it
    runs, and it imports nothing but the readers; requests and replies are pickles on two pipes of its own,
    so nothing it prints can mix with this process's output.
    """

    def __init__(self, work: ReadFile, isolation: Isolation) -> None:
        self.work = work
        self.isolation = isolation
        self._child: tuple[subprocess.Popen[bytes], Connection, Connection] | None = None

    def __enter__(self) -> ChildReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _start(self) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
        child_receive, our_send = os.pipe()
        our_receive, child_send = os.pipe()
        memory = self.isolation.memory_bytes or 0
        code = f"from ingest.reading import serve; serve({child_receive}, {child_send}, {memory})"
        # the child finds the modules this process finds, however it was started (pytest, -m, a script)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(child_receive, child_send),
                stdin=subprocess.DEVNULL,
                stdout=2,  # stdout may carry a JSON report: whatever a library prints goes to stderr
                env=env,
            )
        finally:
            os.close(child_receive)
            os.close(child_send)
        requests, replies = Connection(our_send, readable=False), Connection(our_receive, writable=False)
        self._child = (process, requests, replies)
        try:
            ready = replies.poll(STARTUP_SECONDS) and replies.recv()
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.close()
            raise LoadError(f"the reader process did not start (exit code {process.poll()})")
        return self._child

    def close(self) -> None:
        """End the child process, if one runs."""
        if self._child is not None:
            process, requests, replies = self._child
            self._child = None
            requests.close()
            replies.close()
            process.kill()  # it may be in the middle of a file that has already been given up on
            process.wait()

    def __call__(self, path: Path, info: DocumentInfo | None) -> list[Chunk]:
        """The file's chunks, read in the child within the time allowed; else a LoadError saying why."""
        if self._child is not None and self._child[0].poll() is not None:
            self.close()  # it died between files (killed from outside): this file gets a new one
        process, requests, replies = self._child or self._start()
        seconds = self.isolation.seconds
        try:
            requests.send((self.work, path, info))
            if not replies.poll(seconds):
                self.close()
                raise LoadError(
                    f"reading took longer than the {seconds:g} s allowed per file "
                    "(PLANQA_MAX_SECONDS_PER_FILE): abandoned"
                )
            ok, value = replies.recv()
        except (EOFError, OSError) as exc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
            code = process.poll()
            self.close()
            how = f"killed by {signal.Signals(-code).name}" if code and code < 0 else f"exit code {code}"
            raise LoadError(f"the reader process died reading it ({how})") from exc
        if not ok:
            raise LoadError(str(value))
        return cast(list[Chunk], value)
