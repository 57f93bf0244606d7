"""Scale: the bundled plans copied under new ids until the index holds ~40,000 chunks, measured beside the
bundled two in the same run (ingest, re-ingest, retrieval, `planqa chat` memory, `planqa ask`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import Row, fmt
from bench.serve import Child, child, free_port, serve, status_kib
from qa.settings import BUNDLED_PLANS


def copy_plans(plans_dir: Path, out: Path, copies: int) -> int:
    """Write each plan of plans_dir's manifest `copies` times under new ids, with a manifest; the count.

    Only the ids and file names differ, so every chunk's text (and its embedding cache key) is the
    original's: the copies cost reading and writing, not embedding.
    """
    entries = json.loads((plans_dir / "manifest.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    listed = []
    for n in range(1, copies + 1):
        for entry in entries:
            doc_id = f"{entry['id']}-{n:03d}"
            name = f"{doc_id}{Path(entry['file']).suffix}"
            (out / name).write_bytes((plans_dir / entry["file"]).read_bytes())
            listed.append({**entry, "id": doc_id, "file": name})
    (out / "manifest.json").write_text(json.dumps(listed, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(listed)


SCALE_HEADING = "## Scale: the bundled plans copied 100 times, beside the two"
QUESTION = "荔湾区城市道路网密度要达到多少？"  # the README's example: one answer checked on each index
MEMORY_TARGET_MIB = 1536  # issue 12: `planqa chat` within 1.5 GB at 200 plans
RETRIEVAL_TARGET = 2.0  # issue 12: retrieval p50 within 2x of the 2-plan figure


@dataclass(frozen=True, slots=True)
class Side:
    """What one index measured: ingest cold and again, the chain's questions, the app, one `planqa ask`."""

    cold: Child
    warm: Child
    chain: Child
    app: dict[str, float]
    ask: dict[str, Any]


def ingest(index: Path, plans: Path) -> Child:
    """`planqa ingest PLANS --index INDEX --json` as a child of its own."""
    return child(["ui.cli", "ingest", str(plans), "--index", str(index), "--json", "--quiet"])


def app_check(index: Path, work: Path) -> dict[str, float]:
    """`planqa chat` on loopback: its RSS once ready (after its warm-up) and after one /ask, its peak."""
    from gradio_client import Client

    from bench.load import check

    env = {"PLANQA_FEEDBACK_DB": str(work / "feedback.sqlite3"), "GRADIO_ANALYTICS_ENABLED": "False"}
    port = free_port()
    with serve(index, port, env, work / f"chat-{index.name}.log") as server:
        ready = status_kib(server.pid, "VmRSS") / 1024
        reply = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question=QUESTION, api_name="/ask")
        problem = check(reply)
        if problem:
            raise RuntimeError(f"planqa chat on {index} answered badly: {problem}: {reply!r:.300}")
        return {
            "rss_ready_mb": ready,
            "rss_asked_mb": status_kib(server.pid, "VmRSS") / 1024,
            "hwm_mb": status_kib(server.pid, "VmHWM") / 1024,
            "citations": float(len(reply.get("citations") or [])),
        }


def ask_check(index: Path) -> dict[str, Any]:
    """`planqa ask --json` once: its wall time and how many citations its answer has."""
    ran = child(["ui.cli", "ask", QUESTION, "--index", str(index), "--json"])
    return {
        "wall_s": ran.wall_s,
        "citations": len(ran.result.get("citations") or []),
        "rss_mb": ran.peak_rss_mb,
    }


def measure(index: Path, plans: Path, qa: Path, queries: int, work: Path, say: Callable[[str], None]) -> Side:
    """Ingest (cold, then again unchanged), the chain over the QA questions, the app and `planqa ask`."""
    say(f"scale {index.name}: ingest cold…")
    cold = ingest(index, plans)
    say(f"scale {index.name}: ingest again, nothing changed…")
    warm = ingest(index, plans)
    say(f"scale {index.name}: {queries} questions through the chain…")
    chain = child(["bench.worker", "chat-ours", str(index), "--qa", str(qa), "--queries", str(queries)])
    say(f"scale {index.name}: planqa chat and planqa ask…")
    return Side(cold, warm, chain, app_check(index, work), ask_check(index))


def rows(small: Side, big: Side) -> list[Row]:
    """The figures, the 2-plan index beside the 200-plan one."""
    out: list[Row] = [("chunks indexed", small.cold.result["chunks"], big.cold.result["chunks"], "n")]
    for label, pick in (("cold (fresh directory)", "cold"), ("again, nothing changed", "warm")):
        a, b = getattr(small, pick), getattr(big, pick)
        out.append((f"ingest {label}, wall s", a.wall_s, b.wall_s, "s"))
        out.append((f"ingest {label}, in-process s", a.result["seconds"], b.result["seconds"], "s"))
        out.append((f"ingest {label}, peak RSS MiB", a.peak_rss_mb, b.peak_rss_mb, "MiB"))
    a, b = small.chain.result, big.chain.result
    out.append(("chain start-up (open index, load models), s", a["open_s"], b["open_s"], "s"))
    for stage in ("retrieve", "total"):
        for q in ("p50", "p95"):
            out.append(
                (f"{stage} latency {q}, ms", a["latency_ms"][stage][q], b["latency_ms"][stage][q], "ms")
            )
    out.append(("chain process peak RSS after warm-up, MiB", a["rss_ready_mb"], b["rss_ready_mb"], "MiB"))
    for key, label in (("rss_ready_mb", "once it says it is ready"), ("rss_asked_mb", "after one /ask")):
        out.append((f"`planqa chat` RSS {label}, MiB", small.app[key], big.app[key], "MiB"))
    out.append(("`planqa chat` peak RSS (VmHWM), MiB", small.app["hwm_mb"], big.app["hwm_mb"], "MiB"))
    out.append(
        ("`planqa ask` (one question, fresh process), wall s", small.ask["wall_s"], big.ask["wall_s"], "s")
    )
    return out


def section(
    small: Side, big: Side, copies: int, queries: int, started: str, load: tuple[float, float]
) -> str:
    """The scale section of RESULTS.md."""
    few, many = small.cold.result["documents"], big.cold.result["documents"]
    retrieval = (
        big.chain.result["latency_ms"]["retrieve"]["p50"]
        / small.chain.result["latency_ms"]["retrieve"]["p50"]
    )
    memory = max(big.app["rss_asked_mb"], big.app["rss_ready_mb"])
    verdict = [
        f"retrieval p50 {retrieval:.2f}× the 2-plan figure (target ≤ {RETRIEVAL_TARGET:g}×): "
        f"{'met' if retrieval <= RETRIEVAL_TARGET else 'NOT met'}",
        f"`planqa chat` RSS {memory:.0f} MiB (target ≤ {MEMORY_TARGET_MIB} MiB): "
        f"{'met' if memory <= MEMORY_TARGET_MIB else 'NOT met'}",
    ]
    lines = [
        SCALE_HEADING,
        "",
        f"- date: {started}; load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f}",
        f"- {many} plans: the {few} bundled plans copied {copies} times under new ids and file names "
        "(`bench/scale.py`: each manifest entry kept but for its id and file), so every "
        "chunk's embedding is found in the shipped vectors; each index ingested by `planqa ingest DIR "
        "--index …` in a fresh directory, then again with nothing changed, measured in the same run",
        f"- chain: `bench/worker.py chat-ours`, {queries} questions spread over eval/qa.jsonl after one "
        "untimed warm-up; latencies are the chain's own `timings_ms`",
        f"- `planqa chat` served each index on loopback and answered one /ask ({QUESTION}: "
        f"{small.app['citations']:.0f} and {big.app['citations']:.0f} citations); `planqa ask --json` the "
        f"same question ({small.ask['citations']} and {big.ask['citations']} citations); both exited cleanly",
        f"- targets: {verdict[0]}; {verdict[1]}",
        "- command: `python -m bench --only scale` (`--copies N` for another size)",
        "",
        f"| figure | {few} plans | {many} plans | {many} / {few} |",
        "| --- | --- | --- | --- |",
    ]
    lines = [
        textwrap.fill(x, 110, subsequent_indent="  ", break_on_hyphens=False) if x.startswith("- ") else x
        for x in lines
    ]
    for figure, a, b, unit in rows(small, big):
        ratio = f"{b / a:.2f}×" if a and b is not None else "–"
        lines.append(f"| {figure} | {fmt(a, unit)} | {fmt(b, unit)} | {ratio} |")
    return "\n".join([*lines, ""])


def scale_section(
    qa: Path, copies: int, queries: int, started: str, say: Callable[[str], None], plans: Path = BUNDLED_PLANS
) -> str:
    """Measure the bundled plans and their copies side by side in one run and render the section."""
    before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="planqa-scale-"))
    try:
        copy_plans(plans, work / "plans", copies)
        small = measure(work / "two", plans, qa, queries, work, say)
        big = measure(work / "many", work / "plans", qa, queries, work, say)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return section(small, big, copies, queries, started, (before, os.getloadavg()[0]))
