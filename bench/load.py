"""Many chat sessions at once against the real app on loopback: latency, errors and the server's memory.

`python -m bench.load` ingests the bundled plans into a temporary index, starts `planqa chat` on 127.0.0.1,
times one session alone (the baseline), then N sessions at once (each its own gradio_client Client, so its
own Gradio session and rate-limit key), and prints one JSON object. `--url` drives a server already running.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.serve import PORTS, MemorySampler, free_port, ingest, serve, status_kib, tree_cpu_s, tree_rss_mb
from eval.dataset import load_items
from eval.metrics import percentile
from qa.settings import REPO_ROOT, Settings
from ui.chat import RATE_LIMITED, STORE_DOWN

LIMITED = RATE_LIMITED.split("{", 1)[0]  # a refusal by the rate limit: counted as an error
DEFAULT_RATE = int(Settings.model_fields["rate_limit_per_minute"].default)
DEFAULT_CONCURRENCY = int(Settings.model_fields["concurrency_limit"].default)
QUIET: dict[str, Any] = {"verbose": False, "analytics_enabled": False, "download_files": False}


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """How many sessions ask how much, how fast, within which bounds, under which app limits."""

    sessions: int = 50
    questions: int = 4  # per session, each later one carrying the session's earlier turns as history
    think_s: tuple[float, float] = (2.0, 6.0)  # pause before each later question: a person reading
    timeout_s: float = 120.0  # one request
    max_seconds: float = 300.0  # no question starts after this; the run stops by itself
    baseline_sessions: int = 5  # the first sessions' questions, asked one session at a time before the load
    rate_limit_per_minute: int = DEFAULT_RATE  # the app's defaults unless told otherwise
    concurrency_limit: int = DEFAULT_CONCURRENCY
    seed: int = 7


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: who asked, when (s after the load began), how long it took, what went wrong."""

    session: int
    started_s: float
    seconds: float
    error: str = ""  # '' for a proper answer (a refusal to answer is a proper answer)
    refused: bool = False
    chain_ms: float = 0.0  # the server's own time for the answer, without queueing and transport


@dataclass(frozen=True, slots=True)
class Phase:
    """Everything one batch of concurrent sessions did."""

    samples: list[Sample]
    connected: int  # clients connected before the first question was asked
    connect_s: float
    duration_s: float  # from the first question to the last reply
    max_in_flight: int
    client_cpu_s: float  # CPU this process used from the first question to the last reply


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The figures of one run, flat enough for JSON and a results table."""

    sessions: int
    questions_per_session: int
    connected: int
    requests: int
    errors: int  # exceptions, timeouts, empty or rate-limited replies, in the baseline and under load
    error_kinds: dict[str, int]
    refused: int  # proper refusals (unanswerable questions), not errors
    p50_ms: float
    p95_ms: float
    max_ms: float
    chain_p50_ms: float  # server-side answer time under load: the rest of p50 is queueing
    throughput_rps: float
    duration_s: float
    connect_s: float
    max_in_flight: int
    baseline_requests: int
    baseline_p50_ms: float
    baseline_p95_ms: float
    baseline_chain_p50_ms: float
    client_cpu_s: float  # what the load generator itself used while asking, on the same cores
    server_cpu_s: float | None = None  # the server's, from the first connection to the last reply
    rss_idle_mb: float | None = None  # server process tree after warm-up and baseline, before the load
    rss_peak_mb: float | None = None  # its highest sample during the load
    rss_hwm_mb: float | None = None  # the server process's own peak since it started (VmHWM)
    settings: dict[str, Any] = field(default_factory=dict)


def question_lists(qa_path: Path, sessions: int, per_session: int, seed: int) -> list[list[str]]:
    """Chinese questions from the QA set, each session alternating Simplified and Traditional."""
    items = load_items(qa_path)
    rng = random.Random(seed)
    pools = [[i.question for i in items if i.lang == lang] for lang in ("zh-Hans", "zh-Hant")]
    for pool in pools:
        rng.shuffle(pool)
    return [
        [pools[(s + k) % 2][(s * per_session + k) % len(pools[(s + k) % 2])] for k in range(per_session)]
        for s in range(sessions)
    ]


def check(reply: object) -> str:
    """What is wrong with an /ask reply: '' when nothing (a refusal to answer is fine)."""
    if not isinstance(reply, dict) or not str(reply.get("answer") or "").strip():
        return "bad reply"
    text = str(reply["answer"])
    if text.startswith(LIMITED):
        return "rate-limited"
    return "index unavailable" if text == STORE_DOWN else ""


def cpu_self_s() -> float:
    """CPU time (user + system) this process has used so far, in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _InFlight:
    """Counts requests under way and remembers the most at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


def _ask(client: Any, question: str, history: list[list[str]], timeout_s: float) -> tuple[Any, str]:
    """One /ask call with the session's history: the reply and what went wrong ('' when nothing)."""
    job = client.submit(question=question, district="all", history=history, api_name="/ask")
    try:
        reply = job.result(timeout=timeout_s)
    except TimeoutError:
        job.cancel()
        return None, "timeout"
    except Exception as exc:  # an error reply or a broken connection: counted, not raised
        return None, type(exc).__name__
    return reply, check(reply)


def run_sessions(url: str, lists: Sequence[Sequence[str]], plan: LoadPlan) -> Phase:
    """One thread and one Client per session; all connect first, then every session asks its questions."""
    from gradio_client import Client

    samples: list[Sample] = []
    connected: list[int] = []
    flight = _InFlight()
    begun = time.perf_counter()
    marks: dict[str, float] = {}

    def release() -> None:
        marks["go"], marks["cpu"] = time.perf_counter(), cpu_self_s()

    barrier = threading.Barrier(len(lists), action=release)

    def session(i: int, questions: Sequence[str]) -> None:
        rng = random.Random(plan.seed * 1000 + i)
        try:  # a browser waits for the page as long as it takes; gradio_client's 5 s would fail 50 at once
            client = Client(url, httpx_kwargs={"timeout": plan.timeout_s}, **QUIET)
        except Exception as exc:  # any failure to connect is an error of the run, whatever its type
            samples.append(Sample(i, 0.0, 0.0, f"connect: {type(exc).__name__}"))
            with suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=plan.max_seconds)
            return
        connected.append(i)
        try:
            barrier.wait(timeout=plan.max_seconds)
            history: list[list[str]] = []
            for k, question in enumerate(questions):
                if k:
                    time.sleep(rng.uniform(*plan.think_s))
                if time.perf_counter() - marks["go"] > plan.max_seconds:
                    break
                start = time.perf_counter()
                with flight:
                    reply, error = _ask(client, question, history, plan.timeout_s)
                took = time.perf_counter() - start
                if error:
                    samples.append(Sample(i, start - marks["go"], took, error))
                    continue
                chain_ms = float((reply.get("timings_ms") or {}).get("total") or 0.0)
                samples.append(Sample(i, start - marks["go"], took, "", bool(reply["refused"]), chain_ms))
                history.append([question, str(reply["answer"])])
        except threading.BrokenBarrierError:
            samples.append(Sample(i, 0.0, 0.0, "never started: not every session connected in time"))
        finally:
            client.close()

    threads = [threading.Thread(target=session, args=(i, q), daemon=True) for i, q in enumerate(lists)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(plan.max_seconds * 2 + plan.timeout_s)
    go = marks.get("go", time.perf_counter())
    ends = [s.started_s + s.seconds for s in samples]
    cpu = cpu_self_s() - marks.get("cpu", cpu_self_s())
    return Phase(list(samples), len(connected), go - begun, max(ends, default=0.0), flight.most, cpu)


def _p(values: Sequence[float], q: float) -> float:
    return percentile(values, q) or 0.0


def measure(url: str, plan: LoadPlan, qa_path: Path, pid: int | None = None) -> LoadResult:
    """Warm up, time one session alone, then all sessions at once; memory and CPU when the pid is known."""
    lists = question_lists(qa_path, plan.sessions, plan.questions, plan.seed)
    alone = LoadPlan(think_s=(0.0, 0.0), timeout_s=plan.timeout_s, max_seconds=plan.max_seconds)
    run_sessions(url, [lists[-1][:1]], alone)  # warm-up: first-use loading is not latency
    # The same sessions' questions, so that the two latencies differ by the concurrency alone.
    baseline = [s for q in lists[: plan.baseline_sessions] for s in run_sessions(url, [q], alone).samples]
    idle = tree_rss_mb(pid) if pid else None
    memory = MemorySampler(pid) if pid else None
    cpu = tree_cpu_s(pid) if pid else 0.0
    with memory or nullcontext():
        phase = run_sessions(url, lists, plan)
    ok = [s for s in phase.samples if not s.error]
    ms = [s.seconds * 1000 for s in ok]
    base = [s for s in baseline if not s.error]
    kinds = Counter(s.error for s in [*phase.samples, *baseline] if s.error)
    return LoadResult(
        sessions=plan.sessions,
        questions_per_session=plan.questions,
        connected=phase.connected,
        requests=len(phase.samples),
        errors=sum(kinds.values()),
        error_kinds=dict(kinds),
        refused=sum(s.refused for s in ok),
        p50_ms=_p(ms, 50),
        p95_ms=_p(ms, 95),
        max_ms=max(ms, default=0.0),
        chain_p50_ms=_p([s.chain_ms for s in ok], 50),
        throughput_rps=len(ok) / phase.duration_s if phase.duration_s else 0.0,
        duration_s=phase.duration_s,
        connect_s=phase.connect_s,
        max_in_flight=phase.max_in_flight,
        baseline_requests=len(baseline),
        baseline_p50_ms=_p([s.seconds * 1000 for s in base], 50),
        baseline_p95_ms=_p([s.seconds * 1000 for s in base], 95),
        baseline_chain_p50_ms=_p([s.chain_ms for s in base], 50),
        client_cpu_s=phase.client_cpu_s,
        server_cpu_s=tree_cpu_s(pid) - cpu if pid else None,
        rss_idle_mb=idle,
        rss_peak_mb=memory.peak_mb if memory else None,
        rss_hwm_mb=status_kib(pid, "VmHWM") / 1024 if pid else None,
        settings={"think_s": list(plan.think_s), "timeout_s": plan.timeout_s},
    )


def run_load(plan: LoadPlan, qa_path: Path, work: Path | None = None, port: int | None = None) -> LoadResult:
    """Ingest both plans, serve them on loopback with the plan's limits, measure, stop the server."""
    own = work is None
    work = work or Path(tempfile.mkdtemp(prefix="planqa-load-"))
    env = {
        "PLANQA_FEEDBACK_DB": str(work / "feedback.sqlite3"),
        "PLANQA_RATE_LIMIT_PER_MINUTE": str(plan.rate_limit_per_minute),
        # every simulated session comes from 127.0.0.1: the per-address limit would measure itself
        "PLANQA_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "100000",
        "PLANQA_CONCURRENCY_LIMIT": str(plan.concurrency_limit),
    }
    try:
        ingest(work / "index")
        port = port or free_port()
        with serve(work / "index", port, env, work / "chat.log") as server:
            result = measure(f"http://127.0.0.1:{port}/", plan, qa_path, server.pid)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    result.settings.update(
        rate_limit_per_minute=plan.rate_limit_per_minute, concurrency_limit=plan.concurrency_limit
    )
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the load and print its figures as one JSON object (exit 1 when any request failed)."""
    defaults = LoadPlan()
    top = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    top.add_argument("--sessions", type=int, default=defaults.sessions)
    top.add_argument("--questions", type=int, default=defaults.questions, help="per session")
    top.add_argument("--think", type=float, nargs=2, default=defaults.think_s, metavar=("MIN", "MAX"))
    top.add_argument("--timeout", type=float, default=defaults.timeout_s, help="per request, s")
    top.add_argument("--max-seconds", type=float, default=defaults.max_seconds)
    top.add_argument("--rate-limit", type=int, default=DEFAULT_RATE, help="per session a minute")
    top.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="answers at once")
    top.add_argument(
        "--port", type=int, help=f"default: the first free one in {PORTS.start}-{PORTS.stop - 1}"
    )
    top.add_argument("--url", help="drive this running app instead of starting one (no server figures)")
    top.add_argument("--pid", type=int, help="with --url: the server's pid, for its memory and CPU")
    top.add_argument("--qa", type=Path, default=REPO_ROOT / "eval" / "qa.jsonl")
    args = top.parse_args(argv)
    plan = LoadPlan(
        sessions=args.sessions,
        questions=args.questions,
        think_s=(args.think[0], args.think[1]),
        timeout_s=args.timeout,
        max_seconds=args.max_seconds,
        rate_limit_per_minute=args.rate_limit,
        concurrency_limit=args.concurrency,
    )
    if args.url:
        result = measure(args.url, plan, args.qa, args.pid)
    else:
        result = run_load(plan, args.qa, port=args.port)
    print(json.dumps(asdict(result), ensure_ascii=False))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
