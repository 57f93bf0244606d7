"""The answer path of this code against a baseline commit, measured in the same run.

The baseline is checked out with `git worktree` into a temporary directory and run with the same .venv:
each side ingests the bundled plans into a fresh index with its own code, then `bench/answer_worker.py`
(the same file for both) times the same questions with PYTHONPATH naming that side's checkout. Rounds
alternate (baseline, this, this, baseline, …) so a change in the machine's load falls on both sides.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import Row, fmt
from eval.dataset import load_items
from eval.metrics import percentile
from qa.settings import REPO_ROOT

ANSWER_PATH_HEADING = "## Answer path: this code against a baseline commit"
DEFAULT_BASELINE = "a0ba188"  # the code at the start of the session that rewrote the answer path (issue 11)
QA_FILES = (REPO_ROOT / "eval" / "qa.jsonl", REPO_ROOT / "eval" / "resident.jsonl")  # tuning sets only
WORKER = Path(__file__).resolve().with_name("answer_worker.py")
TARGET_P50_MS = {"retrieve": 30.0, "answer": 20.0}  # issue 11
CODE_DIRS = ("qa", "ingest", "ui")  # where an uncommitted change alters what is measured


class Unavailable(Exception):
    """The baseline cannot be checked out here; the message says why."""


@dataclass(frozen=True, slots=True)
class Side:
    """One system's figures, pooled over its rounds."""

    label: str
    code: Path  # the checkout that was measured (the worker reports where `qa` came from)
    open_s: tuple[float, ...]  # chat start-up of each round
    timings_ms: dict[str, list[float]]  # stage → every timed question of every round
    asked: int  # questions per round
    refused: int  # refusals in the last round


def sample_questions(paths: Sequence[Path], n: int) -> list[dict[str, Any]]:
    """n questions, an equal share spread evenly over each QA file, with any earlier turns of their chat."""
    share = max(n // max(len(paths), 1), 1)
    chosen: list[dict[str, Any]] = []
    for path in paths:
        items = load_items(path)
        picked = [items[i * len(items) // share] for i in range(min(share, len(items)))]
        chosen += [{"question": x.question, "history": list(x.history)} for x in picked]
    return chosen


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in a repository (raises Unavailable without git)."""
    exe = shutil.which("git")
    if exe is None:
        raise Unavailable("git is not installed")
    return subprocess.run([exe, "-C", str(repo), *args], capture_output=True, text=True, timeout=120)


def resolve_commit(rev: str, repo: Path = REPO_ROOT) -> str:
    """The full hash of a revision, or Unavailable (not a git checkout, or a shallow clone without it)."""
    found = git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode != 0:
        reason = found.stderr.strip().splitlines()[-1:] or ["not in this clone (a shallow clone?)"]
        raise Unavailable(f"commit {rev} is not available: {reason[0]}")
    return found.stdout.strip()


def describe_this(repo: Path = REPO_ROOT) -> str:
    """This checkout's commit, and how many code files differ from it."""
    try:
        head = git(repo, "rev-parse", "--short", "HEAD").stdout.strip()
        dirty = git(repo, "status", "--porcelain", "--", *CODE_DIRS).stdout.splitlines()
    except Unavailable:
        return "this checkout (no git)"
    changed = f" + {len(dirty)} uncommitted file(s) under {', '.join(CODE_DIRS)}" if dirty else ""
    return f"the working tree at `{head or '?'}`{changed}"


@contextmanager
def worktree(commit: str, repo: Path = REPO_ROOT) -> Iterator[Path]:
    """The commit checked out in a temporary directory, removed (and unregistered) afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="planqa-baseline-"))
    tree = parent / "code"
    added = git(repo, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        if added.returncode != 0:
            raise Unavailable(f"git worktree add {commit[:10]} failed: {added.stderr.strip()[-300:]}")
        yield tree
    finally:
        git(repo, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(parent, ignore_errors=True)
        git(repo, "worktree", "prune")


def run_json(command: list[str], code: Path) -> dict[str, Any]:
    """Run a child with one checkout's code first on the path and no PLANQA_ settings; its last JSON line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANQA_")}
    env["PYTHONPATH"] = str(code)
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:4])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def ingest(code: Path, index_dir: Path) -> None:
    """Ingest the bundled plans into a fresh index with that checkout's own `planqa ingest`."""
    run_json([sys.executable, "-m", "ui.cli", "ingest", "--index", str(index_dir), "--json", "--quiet"], code)


def time_questions(code: Path, index_dir: Path, questions_file: Path) -> dict[str, Any]:
    """One round: a fresh process of that checkout answering the questions (after one untimed warm-up)."""
    result = run_json([sys.executable, "-P", str(WORKER), str(index_dir), str(questions_file)], code)
    if Path(result["code"]) != code.resolve():
        raise RuntimeError(f"measured {result['code']} instead of {code}: PYTHONPATH did not take")
    return result


def pooled(label: str, code: Path, rounds: Sequence[dict[str, Any]]) -> Side:
    """The rounds of one side as one set of figures."""
    timings: dict[str, list[float]] = {}
    for r in rounds:
        for stage, values in r["timings_ms"].items():
            timings.setdefault(stage, []).extend(values)
    opened = tuple(float(r["open_s"]) for r in rounds)
    return Side(label, code, opened, timings, int(rounds[-1]["asked"]), int(rounds[-1]["refused"]))


def order(rounds: int) -> list[str]:
    """Which side runs when: baseline, this, this, baseline, … so drift in load hits both alike."""
    pairs = [("baseline", "this") if i % 2 == 0 else ("this", "baseline") for i in range(rounds)]
    return [side for pair in pairs for side in pair]


def compare(
    rev: str, questions: list[dict[str, Any]], rounds: int, say: Callable[[str], None]
) -> tuple[Side, Side, str]:
    """Check out the baseline, ingest both sides, time them in alternating rounds (Unavailable if no git)."""
    commit = resolve_commit(rev)
    work = Path(tempfile.mkdtemp(prefix="planqa-answer-path-"))
    try:
        with worktree(commit) as tree:
            codes = {"this": REPO_ROOT, "baseline": tree}
            asked = work / "questions.json"
            asked.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
            for side, code in codes.items():
                say(f"answer path: ingest with {side} code…")
                ingest(code, work / side)
            done: dict[str, list[dict[str, Any]]] = {"this": [], "baseline": []}
            for i, side in enumerate(order(rounds)):
                say(f"answer path: {side}, {len(questions)} questions (run {i + 1} of {2 * rounds})…")
                done[side].append(time_questions(codes[side], work / side, asked))
            sides = {side: pooled(side, codes[side], runs) for side, runs in done.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return sides["this"], sides["baseline"], commit


def p50(side: Side, stage: str) -> float:
    """The median time of one stage."""
    return percentile(side.timings_ms[stage], 50) or 0.0


def figures(this: Side, base: Side) -> list[Row]:
    """Latency of each stage, start-up and refusals, this beside the baseline."""
    rows: list[Row] = []
    for stage, name in (("retrieve", "retrieval"), ("answer", "answer"), ("total", "total")):
        for q in (50, 95):
            mine, theirs = percentile(this.timings_ms[stage], q), percentile(base.timings_ms[stage], q)
            rows.append((f"{name} p{q}, ms", mine, theirs, "ms"))
    start_up = percentile(this.open_s, 50), percentile(base.open_s, 50)
    rows.append(
        ("chat start-up (open index, load models), median of rounds, s", start_up[0], start_up[1], "s")
    )
    rows.append((f"refused, of {this.asked} questions", this.refused, base.refused, "n"))
    return rows


def verdict(this: Side) -> str:
    """Whether this code meets issue 11's latency targets, and by what figures."""
    checks = [(stage, p50(this, stage), limit) for stage, limit in TARGET_P50_MS.items()]
    met = all(ms <= limit for _, ms, limit in checks)
    said = "; ".join(
        f"{s} p50 {ms:.1f} ms {'≤' if ms <= limit else '>'} {limit:.0f} ms" for s, ms, limit in checks
    )
    return f"{'**met**' if met else '**not met**'} ({said})"


def section(this: Side, base: Side, rev: str, commit: str, meta: dict[str, Any]) -> str:
    """The section: how it was measured, then the table of figures with this / baseline ratios."""
    load, files = meta["load"], ", ".join(meta["files"])
    targets = (
        f"retrieval p50 ≤ {TARGET_P50_MS['retrieve']:.0f} ms, answer p50 ≤ {TARGET_P50_MS['answer']:.0f} ms"
    )
    lines = [
        ANSWER_PATH_HEADING,
        "",
        f"- date: {meta['started']}; load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f}",
        f"- this: {meta['this']}; baseline: `{commit[:10]}` (`--baseline {rev}`), a `git worktree` of it, "
        "run with the same .venv; each side ingested the bundled plans into a fresh index with its own code",
        f"- questions: {this.asked}, an equal share spread evenly over {files} (a follow-up's earlier turns "
        "replayed untimed); the same `bench/answer_worker.py` asked them of each side in "
        f"{meta['rounds']} round(s) each, alternating (baseline, this, this, baseline, …), every round a "
        "fresh process after one untimed warm-up; no PLANQA_ settings (each side's defaults)",
        "- figures are the chain's own `Answer.timings_ms`: *retrieval* = `retrieve`, *answer* = `answer` "
        "(in this code it includes reading the evidence: sentence scoring and the answerability decision), "
        "*total* from question to formatted answer (understanding and follow-up context included)",
        f"- issue 11 target ({targets}): {verdict(this)}",
        "",
        "| figure | this | baseline | this / baseline |",
        "| --- | --- | --- | --- |",
    ]
    lines = [
        textwrap.fill(x, 110, subsequent_indent="  ", break_on_hyphens=False) if x.startswith("- ") else x
        for x in lines
    ]
    for figure, mine, theirs, unit in figures(this, base):
        ratio = f"{mine / theirs:.2f}×" if theirs and mine is not None and unit != "n" else "–"
        lines.append(f"| {figure} | {fmt(mine, unit)} | {fmt(theirs, unit)} | {ratio} |")
    return "\n".join([*lines, ""])


def skipped(rev: str, reason: str, started: str) -> str:
    """The section when the baseline cannot be checked out: why, and how to get it."""
    return "\n".join(
        [
            ANSWER_PATH_HEADING,
            "",
            f"- date: {started}",
            f"- **skipped**: {reason}. It needs git and the baseline commit in this clone (`git fetch "
            f"--unshallow` in a shallow one), then `python -m bench --only answer-path --baseline {rev}`.",
            "",
        ]
    )


def answer_path_section(
    rev: str, n: int, rounds: int, started: str, say: Callable[[str], None]
) -> tuple[str, bool]:
    """Measure both sides and render the section, or the skip note when the baseline is unavailable."""
    before = os.getloadavg()[0]
    questions = sample_questions(QA_FILES, n)
    try:
        this, base, commit = compare(rev, questions, rounds, say)
    except Unavailable as exc:
        return skipped(rev, str(exc), started), False
    meta = {
        "started": started,
        "load": (before, os.getloadavg()[0]),
        "this": describe_this(),
        "files": [str(p.relative_to(REPO_ROOT)) for p in QA_FILES],
        "rounds": rounds,
    }
    return section(this, base, rev, commit, meta), True
