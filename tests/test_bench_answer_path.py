"""The answer-path bench: its questions, the baseline worktree, the worker's checkout, its section."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from bench.answer_path import (
    ANSWER_PATH_HEADING,
    QA_FILES,
    Side,
    Unavailable,
    answer_path_section,
    order,
    pooled,
    resolve_commit,
    sample_questions,
    section,
    time_questions,
    worktree,
)
from bench.results import merge_section
from bench.run import SESSIONS_HEADING, main
from eval.dataset import load_items

META = {"started": "2026-01-01 00:00 UTC", "load": (0.5, 1.0), "this": "here", "files": ["a"], "rounds": 2}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository of two commits: plan.txt says 'old', then 'new'."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "--quiet")
    for text in ("old", "new"):
        (root / "plan.txt").write_text(text, encoding="utf-8")
        git(root, "add", "plan.txt")
        git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", text)
    return root


def test_questions_are_an_equal_spread_share_of_each_tuning_file() -> None:
    asked = sample_questions(QA_FILES, 60)
    assert len(asked) == 60 and asked == sample_questions(QA_FILES, 60)  # the same sample every run
    for share, items in zip((asked[:30], asked[30:]), (load_items(path) for path in QA_FILES), strict=True):
        picked = [items[i * len(items) // 30] for i in range(30)]
        assert share == [{"question": x.question, "history": list(x.history)} for x in picked]
    assert any(q["history"] for q in asked[30:])  # follow-ups come with the chat that leads to them


def test_rounds_alternate_so_load_drift_falls_on_both_sides() -> None:
    assert order(2) == ["baseline", "this", "this", "baseline"]
    assert order(3).count("this") == 3


def test_a_commit_resolves_to_its_full_hash_and_a_missing_one_says_so(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    assert resolve_commit(first[:7], repo) == first
    with pytest.raises(Unavailable, match="commit 0badc0de is not available"):
        resolve_commit("0badc0de", repo)
    plain = tmp_path / "no-git"
    plain.mkdir()
    with pytest.raises(Unavailable, match="not a git repository"):
        resolve_commit("HEAD", plain)


def test_the_baseline_is_checked_out_beside_and_removed_after(repo: Path) -> None:
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    with worktree(first, repo) as tree:
        assert (tree / "plan.txt").read_text(encoding="utf-8") == "old"
        assert (repo / "plan.txt").read_text(encoding="utf-8") == "new"
    assert not tree.exists() and not tree.parent.exists()
    assert git(repo, "worktree", "list").count("\n") == 0  # only the main checkout is registered


def test_a_missing_baseline_becomes_a_note_not_a_crash() -> None:
    text, measured = answer_path_section("0badc0de", 4, 1, "today", lambda message: None)
    assert not measured and text.startswith(ANSWER_PATH_HEADING)
    assert "**skipped**: commit 0badc0de is not available" in text and "--baseline 0badc0de" in text


def test_only_answer_path_keeps_the_old_figures_when_the_baseline_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text("# PlanQA benchmark\n\n| figure | 1 |\n", encoding="utf-8")
    argv = ["--only", "answer-path", "--baseline", "0badc0de", "--out", str(out), "--quiet"]
    assert main([*argv, "--answer-questions", "2", "--rounds", "1"]) == 1
    assert out.read_text(encoding="utf-8") == "# PlanQA benchmark\n\n| figure | 1 |\n"
    assert capsys.readouterr().err.strip().startswith("**skipped**: commit 0badc0de is not available")


FAKE_CHAIN = """
from types import SimpleNamespace
class Chain:
    def warm_up(self, question):
        pass
    def ask(self, question, history=()):
        timings = {"retrieve": 10.0 * len(question), "read": 9.0, "answer": len(history), "total": 50.0}
        return SimpleNamespace(text="re: " + question, refused=question.endswith("?"), timings_ms=timings)
def build_chain(settings, index_dir):
    return Chain()
"""


def test_the_worker_times_the_checkout_pythonpath_names(tmp_path: Path) -> None:
    code = tmp_path / "checkout"
    (code / "qa").mkdir(parents=True)
    (code / "qa" / "__init__.py").write_text("", encoding="utf-8")
    (code / "qa" / "settings.py").write_text("class Settings:\n    pass\n", encoding="utf-8")
    (code / "qa" / "build.py").write_text(textwrap.dedent(FAKE_CHAIN), encoding="utf-8")
    asked = tmp_path / "questions.json"
    questions = [{"question": "ab", "history": []}, {"question": "abc?", "history": ["x", "y"]}]
    asked.write_text(json.dumps(questions), encoding="utf-8")
    result = time_questions(code, tmp_path / "index", asked)
    assert result["code"] == str(code.resolve())  # the fake checkout, not the installed planqa
    assert result["asked"] == 2 and result["refused"] == 1
    # the follow-up's two earlier turns were replayed: its answer stage saw a history of two
    assert result["timings_ms"] == {"retrieve": [20.0, 40.0], "answer": [0.0, 2.0], "total": [50.0, 50.0]}


def side(retrieve: list[float], answer: list[float], refused: int = 3) -> Side:
    total = [r + a for r, a in zip(retrieve, answer, strict=True)]
    timings = {"retrieve": retrieve, "answer": answer, "total": total}
    return pooled(
        "side",
        Path("."),
        [{"open_s": 2.0, "asked": len(retrieve), "refused": refused, "timings_ms": timings}],
    )


def test_the_section_puts_this_beside_the_baseline_and_replaces_its_old_self() -> None:
    this, base = side([20.0, 24.0, 28.0], [10.0, 12.0, 14.0]), side([40.0, 48.0, 56.0], [2.0, 3.0, 4.0], 5)
    text = section(this, base, "a0ba188", "a0ba188" + "0" * 33, META)
    assert "| retrieval p50, ms | 24.0 | 48.0 | 0.50× |" in text
    assert "| answer p50, ms | 12.0 | 3.0 | 4.00× |" in text
    assert "| refused, of 3 questions | 3 | 5 | – |" in text
    assert "**met** (retrieve p50 24.0 ms ≤ 30 ms; answer p50 12.0 ms ≤ 20 ms)" in " ".join(text.split())
    slow = section(side([31.0], [1.0]), base, "a0ba188", "a0ba188", META)
    assert "**not met** (retrieve p50 31.0 ms > 30 ms; answer p50 1.0 ms ≤ 20 ms)" in " ".join(slow.split())
    old = f"# PlanQA benchmark\n\n| figure | ours |\n\n{SESSIONS_HEADING}\n\n- sessions\n\n## How\n\n- how\n"
    first = merge_section(old, text)
    assert first.index(SESSIONS_HEADING) < first.index(ANSWER_PATH_HEADING) < first.index("## How")
    again = merge_section(first, slow)
    assert again.count(ANSWER_PATH_HEADING) == 1 and "31.0" in again and "| 24.0 | 48.0 |" not in again
    assert again.replace(slow, "") == first.replace(text, "")  # every other section kept as it was
