"""Corpus management on a real Chroma with the bigram embedder: uploads checked, listed, removed, re-read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingest.index import Indexer
from ingest.manage import FAILED, INDEXED, LEDGER, ManagedCorpus
from ingest.uploads import check_upload, safe_name
from qa.chain import QAChain
from qa.corpus import LiveCorpus
from qa.keywords import KeywordIndex
from qa.retrieve import HybridRetriever
from qa.semantic import SentenceMatcher
from qa.store import ChunkStore, open_client
from tests.fakes import BigramEmbeddings
from tests.test_index import assert_in_step

BASE = """广州市青梅区国民经济和社会发展第十四个五年规划纲要
第一章 发展基础
十三五期间，青梅区建成区级图书馆两座，年接待读者八十万人次。
第二章 发展目标
到2025年，青梅区地区生产总值达到五百亿元，常住人口达到四十万人。
"""
NEW = """广州市白沙区国民经济和社会发展第十五个五年规划纲要
第一章 生态建设
到2030年，白沙区新建红树林湿地公园三座，湿地保护面积达到一千二百公顷。
第二章 交通建设
规划建设白沙港大道，连通港区与高铁站，全长十八公里。
"""
QUESTION = "白沙区规划新建几座红树林湿地公园？"
MB = 1 << 20


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> ManagedCorpus:
    """A managed corpus whose index already holds one plan ingested from elsewhere (base.txt)."""
    index_dir = tmp_path / "index"
    store = ChunkStore(open_client(index_dir), "plans", embedding_model="bigram")
    indexer = Indexer(store, BigramEmbeddings(), index_dir)
    report = indexer.ingest([(write(tmp_path / "elsewhere", "base.txt", BASE), None)], progress=False)
    assert report.documents == 1 and not report.failed
    return ManagedCorpus(indexer, index_dir / "uploads", max_bytes=MB)


def live_chain(corpus: ManagedCorpus) -> QAChain:
    """A chain that follows what the corpus publishes, as `planqa chat` does."""
    indexer = corpus.indexer
    source = LiveCorpus(indexer.store, indexer.index_dir)
    retriever = HybridRetriever(source=source, embeddings=BigramEmbeddings())
    return QAChain(retriever, max_question_chars=200, sentences=SentenceMatcher(BigramEmbeddings()))


def test_an_upload_is_listed_answered_and_removed(corpus: ManagedCorpus, tmp_path: Path) -> None:
    chain = live_chain(corpus)
    assert chain.ask(QUESTION).refused or "baisha" not in {
        c.chunk.doc_id for c in chain.ask(QUESTION).citations
    }
    seen: list[str] = []
    [outcome] = corpus.add([("baisha.txt", write(tmp_path / "in", "u1", NEW))], lambda f, m: seen.append(m))
    assert outcome.ok and outcome.doc_id == "baisha", outcome
    assert any("baisha.txt" in m for m in seen), seen  # progress named the file as it was read
    rows = {r.doc_id: r for r in corpus.documents()}
    assert set(rows) == {"base", "baisha"}
    new = rows["baisha"]
    assert new.title.startswith("广州市白沙区") and new.district == "白沙区" and new.chunks >= 2
    assert new.status == INDEXED and new.indexed_at and new.file == "baisha.txt"
    assert rows["base"].status == INDEXED and rows["base"].file == "" and rows["base"].indexed_at == ""
    assert (corpus.folder / "baisha.txt").read_text(encoding="utf-8") == NEW
    assert not any((corpus.folder / ".incoming").iterdir())

    answer = chain.ask(QUESTION)  # the same chain: it picks up the new generation with the next question
    assert not answer.refused and "三座" in answer.text
    assert {c.chunk.doc_id for c in answer.citations} == {"baisha"}

    assert corpus.remove("baisha") is True
    assert [r.doc_id for r in corpus.documents()] == ["base"]
    assert_in_step(corpus.indexer)  # Chroma and the keyword index agree…
    assert {c.doc_id for c in corpus.indexer.store.all_chunks()} == {"base"}  # …and hold the other plan alone
    assert not (corpus.folder / "baisha.txt").exists()
    after = chain.ask(QUESTION)
    assert "baisha" not in {c.chunk.doc_id for c in after.citations}
    assert corpus.remove("baisha") is False


def test_bad_uploads_get_their_own_error_and_nothing_indexed_is_lost(
    corpus: ManagedCorpus, tmp_path: Path
) -> None:
    incoming = tmp_path / "in"
    files = [
        ("fake.pdf", write(incoming, "a", NEW)),  # text named .pdf
        ("tool.txt", write(incoming, "b", b"MZ\x90\x00\x03" + bytes(200))),  # a Windows program named .txt
        ("report.docx", write(incoming, "c", b"PK\x03\x04 not really a zip")),
        ("notes.exe", write(incoming, "d", NEW)),
        ("headings.txt", write(incoming, "e", "第一章 总则\n第二章 目标\n")),  # read, but nothing to index
        ("big.txt", write(incoming, "f", "规划" * MB)),
        ("baisha.txt", write(incoming, "g", NEW)),
    ]
    outcomes = corpus.add(files)
    by_name = {o.name: o for o in outcomes}
    assert [o.name for o in outcomes] == [name for name, _ in files]
    assert "not a PDF" in by_name["fake.pdf"].message
    assert "binary" in by_name["tool.txt"].message
    assert "not a zip" in by_name["report.docx"].message
    assert "unsupported" in by_name["notes.exe"].message
    assert "no text to index" in by_name["headings.txt"].message
    assert "larger than" in by_name["big.txt"].message
    assert [o.name for o in outcomes if o.ok] == ["baisha.txt"]
    rows = {r.doc_id: r for r in corpus.documents()}
    assert rows["base"].status == INDEXED and rows["baisha"].status == INDEXED
    assert rows["headings"].status == FAILED and "no text" in rows["headings"].error
    assert sorted(p.name for p in corpus.folder.iterdir() if p.is_file()) == [LEDGER, "baisha.txt"]
    assert corpus.remove("headings") and "headings" not in {r.doc_id for r in corpus.documents()}


def test_a_bad_new_version_keeps_the_indexed_one(corpus: ManagedCorpus, tmp_path: Path) -> None:
    corpus.add([("baisha.txt", write(tmp_path / "in", "v1", NEW))])
    chunks = {r.doc_id: r.chunks for r in corpus.documents()}
    [again] = corpus.add([("baisha.txt", write(tmp_path / "in", "v2", "第一章 总则\n"))])
    assert not again.ok and "earlier version stays" in again.message
    rows = {r.doc_id: r for r in corpus.documents()}
    assert rows["baisha"].status == INDEXED and rows["baisha"].chunks == chunks["baisha"]
    assert (corpus.folder / "baisha.txt").read_text(encoding="utf-8") == NEW


def test_an_upload_may_not_take_the_id_of_a_document_indexed_elsewhere(
    corpus: ManagedCorpus, tmp_path: Path
) -> None:
    [outcome] = corpus.add([("base.txt", write(tmp_path / "in", "x", NEW))])
    assert not outcome.ok and "taken" in outcome.message
    rows = {r.doc_id: r for r in corpus.documents()}
    assert rows["base"].title.startswith("广州市青梅区")  # still the original document


def test_reindex_reads_an_uploaded_file_again(corpus: ManagedCorpus, tmp_path: Path) -> None:
    corpus.add([("baisha.txt", write(tmp_path / "in", "v1", NEW))])
    (corpus.folder / "baisha.txt").write_text(
        NEW + "第三章 教育\n新建中学两所，学位四千个。\n", encoding="utf-8"
    )
    report = corpus.reindex("baisha")
    assert report is not None and report.added >= 1 and not report.failed
    assert corpus.reindex("base") is None  # ingested from elsewhere: no file to read again
    ledger = json.loads((corpus.folder / LEDGER).read_text(encoding="utf-8"))
    assert ledger["baisha"]["status"] == INDEXED


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("规划 (1).PDF", "规划-1.pdf"),
        ("..", ""),
        ("a\\b\\c.md", "c.md"),
    ],
)
def test_safe_names_stay_in_the_folder(name: str, want: str) -> None:
    assert safe_name(name) == want


def test_check_upload_accepts_real_formats(tmp_path: Path) -> None:
    assert check_upload("a.txt", write(tmp_path, "a.txt", NEW), MB) == ""
    wide = "\ufeff规划".encode("utf-16-le")
    assert check_upload("w.txt", write(tmp_path, "w.txt", wide), MB) == ""
    assert check_upload("p.pdf", write(tmp_path, "p.pdf", b"%PDF-1.4\n..."), MB) == ""


def test_an_upload_killed_part_way_is_listed_as_failed(corpus: ManagedCorpus) -> None:
    corpus.folder.mkdir(parents=True)
    ledger = {"gone": {"file": "gone.txt", "status": "indexing", "time": "2026-01-01T00:00:00+00:00"}}
    (corpus.folder / LEDGER).write_text(json.dumps(ledger), encoding="utf-8")
    [row] = [r for r in corpus.documents() if r.doc_id == "gone"]
    assert row.status == FAILED and "interrupted" in row.error


def test_the_listing_is_the_same_without_a_saved_keyword_index(corpus: ManagedCorpus, tmp_path: Path) -> None:
    corpus.add([("baisha.txt", write(tmp_path / "in", "v1", NEW))])
    fast = corpus.documents()
    shutil.rmtree(corpus.indexer.index_dir / KeywordIndex.DIRNAME)  # as on a replica: read Chroma instead
    assert corpus.documents() == fast and {r.doc_id for r in fast} == {"base", "baisha"}
