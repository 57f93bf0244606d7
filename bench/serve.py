"""Measured child processes: a command with its own time and peak memory, the app on loopback and what its
process tree uses (memory, CPU), read from /proc."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.settings import REPO_ROOT

PORTS = range(18300, 18400)  # the load benchmark's loopback ports
READY = "规划问答已启动"  # what `planqa chat` prints once it listens
START_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Child:
    """What a measured child process printed, how long it ran and its own peak memory."""

    result: dict[str, Any]
    wall_s: float
    peak_rss_mb: float


def child(args: list[str]) -> Child:
    """Run `python -m …` in a fresh process; reap it with wait4, which reports that child's own peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        begun = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", *args], stdout=out, stderr=err, text=True, cwd=REPO_ROOT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - begun
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}): {err.read()[-2000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    return Child(result, wall, usage.ru_maxrss / 1024)  # Linux reports KiB


def free_port(ports: range = PORTS) -> int:
    """The first loopback port of a range that nothing listens on."""
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in {ports.start}-{ports.stop - 1}")


def ingest(index_dir: Path) -> None:
    """Index both bundled plans with the real `planqa ingest`."""
    command = [sys.executable, "-m", "ui.cli", "ingest", "--index", str(index_dir), "--quiet"]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"planqa ingest failed ({done.returncode}): {done.stderr[-2000:]}")


@contextmanager
def serve(index_dir: Path, port: int, env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`planqa chat` on 127.0.0.1 with extra environment variables; stopped (SIGTERM, else SIGKILL) after."""
    command = [sys.executable, "-m", "ui.cli", "chat", "--index", str(index_dir), "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1"],
            cwd=REPO_ROOT,
            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while READY not in log.read_text(encoding="utf-8", errors="replace"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"planqa chat did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def status_kib(pid: int, key: str) -> int:
    """A memory figure (VmRSS, VmHWM…) of one process from /proc/PID/status; 0 once it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass  # the process ended between listing and reading
    return 0


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces): field 3 onwards."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process tree (MiB)."""
    return sum(status_kib(p, "VmRSS") for p in tree(pid)) / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU time (user + system) a process tree has used so far, in seconds."""
    ticks = 0
    for p in tree(pid):
        try:
            fields = _stat(p)
            ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples a process tree's resident memory in the background and keeps the highest."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
