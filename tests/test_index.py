"""Ingesting into a real Chroma in a temp dir, with the fake embedder: counts, idempotence, updates."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from ingest.index import Indexer, IngestReport, chunk_file
from qa.corpus import Corpus, LiveCorpus
from qa.embeddings import BundledVectors, cached, export_vectors
from qa.keywords import KeywordIndex
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, StoreError, open_client, store_error
from qa.types import DocumentInfo
from tests.commands import planqa
from tests.fakes import BigramEmbeddings

Sources = list[tuple[Path, DocumentInfo | None]]
LIWAN = BUNDLED_PLANS / "liwan-14th-five-year-plan.txt"


def open_indexer(
    index_dir: Path, embeddings: Embeddings, *, chunk_size: int = 400, chunk_overlap: int = 1
) -> Indexer:
    """An indexer over a real Chroma in index_dir."""
    store = ChunkStore(open_client(index_dir), "plans", embedding_model="bigram")
    return Indexer(store, embeddings, index_dir, chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def assert_in_step(indexer: Indexer) -> set[str]:
    """The published generation and its saved keyword index hold exactly the same chunk ids; return them."""
    chroma = indexer.store.ids()
    pointer = indexer.store.pointer()
    assert pointer is not None and pointer.count == len(chroma)
    keywords = KeywordIndex.load(indexer.index_dir, pointer.fingerprint)
    assert keywords is not None and keywords.fingerprint == pointer.fingerprint
    assert set(keywords.ids) == chroma and len(keywords.ids) == len(chroma)
    return chroma


def run(
    indexer: Indexer, sources: Sequence[tuple[Path, DocumentInfo | None]], *, prune: bool = False
) -> IngestReport:
    """Ingest quietly, then check that Chroma and the keyword index agree."""
    report = indexer.ingest(sources, prune=prune, progress=False)
    assert_in_step(indexer)
    return report


def expected_ids(sources: Sequence[tuple[Path, DocumentInfo | None]], size: int = 400) -> set[str]:
    return {c.id for path, info in sources for c in chunk_file(path, info, size, 1)}


@pytest.fixture
def small_plans(tmp_path: Path, plans: list[tuple[Path, DocumentInfo]]) -> Sources:
    """The first 80 lines of each bundled plan, as files of their own (quick to index)."""
    folder = tmp_path / "plans"
    folder.mkdir()
    sources: Sources = []
    for path, info in plans:
        copy = folder / path.name
        copy.write_text("\n".join(path.read_text(encoding="utf-8").split("\n")[:80]), encoding="utf-8")
        sources.append((copy, info))
    return sources


def test_both_plans_ingest_once_and_reingest_as_a_no_op(
    index_dir: Path, plans: list[tuple[Path, DocumentInfo]], embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    first = run(indexer, plans)
    want = expected_ids(plans)
    assert (first.documents, first.chunks, first.added) == (2, len(want), len(want))
    assert (first.removed, first.unchanged) == (0, 0)
    assert first.failed == ()
    assert indexer.store.count() == len(want)
    assert indexer.store.doc_ids() == {"conghua", "liwan"}
    assert len(indexer.store.ids("liwan")) == sum(1 for c in chunk_file(*plans[1], 400, 1))
    assert assert_in_step(indexer) == want
    assert len(embedder.embedded) == len(want)

    again = run(open_indexer(index_dir, embedder), plans)
    assert (again.added, again.removed, again.unchanged, again.chunks) == (0, 0, len(want), len(want))
    assert assert_in_step(indexer) == want
    assert len(embedder.embedded) == len(want)  # nothing new to embed

    query = embedder.embed_query("荔灣區白鵝潭商務區的戰略定位")  # the right document comes first
    top = indexer.store.query(query, 3)
    best = indexer.store.collection.get(ids=[top[0][0]])["metadatas"]
    assert best and best[0]["doc_id"] == "liwan"


def test_report_json_has_the_documented_keys(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    report = run(open_indexer(index_dir, embedder), small_plans)
    data = report.to_json()
    assert set(data) == {"documents", "chunks", "added", "removed", "unchanged", "failed", "seconds"}
    assert json.loads(json.dumps(data)) == data


def test_changed_document_replaces_only_its_stale_chunks(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    conghua_before = indexer.store.ids("conghua")
    liwan_before = indexer.store.ids("liwan")

    liwan_path, liwan_info = small_plans[1]
    text = liwan_path.read_text(encoding="utf-8")
    old, new = "經濟發展提質增效。", "經濟發展提質增效，動能轉換加快。"
    assert text.count(old) == 1
    liwan_path.write_text(text.replace(old, new), encoding="utf-8")
    embedder.embedded.clear()

    report = run(indexer, small_plans)
    liwan_after = indexer.store.ids("liwan")
    assert indexer.store.ids("conghua") == conghua_before
    assert liwan_after == expected_ids([(liwan_path, liwan_info)])
    stale, fresh = liwan_before - liwan_after, liwan_after - liwan_before
    assert stale and fresh
    assert (report.removed, report.added) == (len(stale), len(fresh))
    assert report.unchanged == len(conghua_before) + len(liwan_before & liwan_after)
    assert any("动能转换加快" in t for t in embedder.embedded)  # embedded in its Simplified form
    assert len(embedder.embedded) == len(fresh)
    assert assert_in_step(indexer) == conghua_before | liwan_after


def test_prune_removes_documents_no_longer_given(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    conghua = indexer.store.ids("conghua")

    kept = run(indexer, small_plans[:1])
    assert kept.removed == 0 and indexer.store.doc_ids() == {"conghua", "liwan"}

    pruned = run(indexer, small_plans[:1], prune=True)
    assert pruned.removed == len(expected_ids(small_plans[1:]))
    assert indexer.store.doc_ids() == {"conghua"}
    assert assert_in_step(indexer) == conghua


def test_bad_file_is_reported_and_the_rest_ingested(
    index_dir: Path, tmp_path: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"garbage")
    indexer = open_indexer(index_dir, embedder)
    sources = [small_plans[0], (empty, None), (broken, None), small_plans[1]]
    report: IngestReport = run(indexer, sources)
    assert [(Path(f.path).name, f.error) for f in report.failed] == [
        ("empty.txt", "empty file"),
        ("broken.pdf", report.failed[1].error),
    ]
    assert "PDF" in report.failed[1].error
    assert report.documents == 2
    assert assert_in_step(indexer) == expected_ids(small_plans)


def test_a_file_that_fails_later_is_not_pruned(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    liwan = indexer.store.ids("liwan")
    small_plans[1][0].write_bytes(b"")
    report = run(indexer, small_plans, prune=True)
    assert len(report.failed) == 1 and report.removed == 0
    assert indexer.store.ids("liwan") == liwan


def test_duplicate_document_id_is_refused(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    report = run(open_indexer(index_dir, embedder), [small_plans[0], small_plans[0]])
    assert report.documents == 1
    assert [f.error for f in report.failed] == ["document id 'conghua' is already used by another file"]


def test_another_embedding_model_is_refused(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    run(open_indexer(index_dir, embedder), small_plans[:1])
    with pytest.raises(StoreError, match="embedding model 'bigram'"):
        ChunkStore(open_client(index_dir), "plans", embedding_model="other")


def test_chunk_size_changes_the_chunks(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder, chunk_size=150)
    report = run(indexer, small_plans)
    assert assert_in_step(indexer) == expected_ids(small_plans, size=150)
    assert report.chunks > len(expected_ids(small_plans))


def test_embedding_cache_skips_texts_embedded_before(
    tmp_path: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    cache = tmp_path / "cache"
    first = open_indexer(tmp_path / "one", cached(embedder, cache, "bigram"))
    n = run(first, small_plans).added
    assert len(embedder.embedded) == n

    second = open_indexer(tmp_path / "two", cached(embedder, cache, "bigram"))
    assert run(second, small_plans).added == n  # a fresh index, every text in the cache
    assert len(embedder.embedded) == n
    assert assert_in_step(second) == assert_in_step(first)

    torn = next(p for p in cache.iterdir() if not p.name.startswith("."))
    torn.write_bytes(b"[0.1, 0.2")  # as a writer killed mid-file would leave it
    third = open_indexer(tmp_path / "three", cached(embedder, cache, "bigram"))
    assert run(third, small_plans).added == n
    assert len(embedder.embedded) == n + 1  # only the torn entry is embedded again
    assert json.loads(torn.read_bytes())


def test_bundled_vectors_stand_in_for_the_cache(
    tmp_path: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    cache = tmp_path / "cache"
    first = open_indexer(tmp_path / "one", cached(embedder, cache, "bigram"))
    n = run(first, small_plans).added
    shipped = tmp_path / "vectors-bigram.npz"
    assert export_vectors(cache, "bigram", shipped) == n
    with np.load(shipped) as data:
        assert data["vectors"].shape == (n, embedder.dim)
    assert len(list(BundledVectors(shipped).yield_keys())) == n

    shutil.rmtree(cache)
    embedder.embedded.clear()
    served = cached(embedder, tmp_path / "fresh-cache", "bigram", bundled=shipped)
    indexer = open_indexer(tmp_path / "two", served)
    assert run(indexer, small_plans).added == n
    assert embedder.embedded == []
    got = indexer.store.collection.get(include=["embeddings"])
    expected = embedder.embed_documents([c.embed_text for c in indexer.store.all_chunks()[:1]])[0]
    assert np.allclose(got["embeddings"][0], expected, atol=1e-6)


def keyword_folders(index_dir: Path) -> set[str]:
    return {p.name for p in (index_dir / KeywordIndex.DIRNAME).iterdir()}


def test_a_change_publishes_a_new_generation_and_keeps_only_the_previous_one(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans[:1])
    first = indexer.store.pointer()
    assert first is not None and first.previous == ""

    run(indexer, small_plans)  # a document added
    second = indexer.store.pointer()
    assert second is not None and (second.previous, second.previous_fingerprint) == (
        first.collection,
        first.fingerprint,
    )
    assert set(indexer.store.generations()) == {first.collection, second.collection}
    assert keyword_folders(index_dir) == {first.fingerprint, second.fingerprint}

    run(indexer, small_plans[:1], prune=True)  # and removed again: the first generation goes
    third = indexer.store.pointer()
    assert third is not None and third.fingerprint == first.fingerprint
    assert set(indexer.store.generations()) == {second.collection, third.collection}
    assert keyword_folders(index_dir) == {second.fingerprint, third.fingerprint}


def test_an_unchanged_reingest_publishes_nothing(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    before = (indexer.store.pointer(), indexer.store.generations(), keyword_folders(index_dir))
    run(open_indexer(index_dir, embedder), small_plans)
    assert (indexer.store.pointer(), indexer.store.generations(), keyword_folders(index_dir)) == before


def test_a_generation_a_killed_run_left_unpublished_is_unseen_then_removed(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans[:1])
    published = indexer.store.ids()
    orphan = indexer.store.begin()  # as a run killed before publishing leaves it
    liwan = chunk_file(*small_plans[1], 400, 1)
    orphan.add(liwan, embedder.embed_documents([c.embed_text for c in liwan]))
    assert orphan.name in indexer.store.generations()
    assert Corpus.open(indexer.store, index_dir).chunks.keys() == published

    run(indexer, small_plans[:1])  # nothing to change, but the leftover goes
    assert orphan.name not in indexer.store.generations()
    assert indexer.store.ids() == published


def test_an_index_of_the_single_collection_layout_is_read_then_moved_to_a_generation(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    chunks = [c for path, info in small_plans for c in chunk_file(path, info, 400, 1)]
    client = open_client(index_dir)
    legacy = client.create_collection(
        "plans", metadata={"hnsw:space": "cosine", "embedding_model": "bigram"}, embedding_function=None
    )
    legacy.upsert(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        metadatas=[c.metadata() for c in chunks],
        embeddings=embedder.embed_documents([c.embed_text for c in chunks]),
    )
    saved = KeywordIndex.from_chunks(chunks)
    saved.save(index_dir).rename(index_dir / "keyword")  # where earlier versions kept it
    shutil.rmtree(index_dir / KeywordIndex.DIRNAME)

    store = ChunkStore(client, "plans", embedding_model="bigram")
    assert store.pointer() is None
    corpus = Corpus.open(store, index_dir)
    assert corpus.chunks.keys() == {c.id for c in chunks}
    assert not (index_dir / KeywordIndex.DIRNAME).exists()  # the old keyword folder was used as it is
    with pytest.raises(StoreError, match="embedding model 'bigram'"):
        ChunkStore(client, "plans", embedding_model="other")

    indexer = Indexer(store, embedder, index_dir)
    report = run(indexer, small_plans)
    assert (report.added, report.removed, report.unchanged) == (0, 0, len(chunks))
    assert len(embedder.embedded) == len(chunks)  # the vectors were copied, not embedded again
    pointer = store.pointer()
    assert pointer is not None and pointer.previous == "plans"  # kept for readers still on it
    assert not (index_dir / "keyword").exists()

    run(indexer, small_plans[:1], prune=True)
    assert "plans" not in store.generations()


def test_a_snapshot_answers_from_its_generation_while_the_live_corpus_moves_on(
    index_dir: Path, small_plans: Sources, embedder: BigramEmbeddings
) -> None:
    indexer = open_indexer(index_dir, embedder)
    run(indexer, small_plans)
    live = LiveCorpus(ChunkStore(open_client(index_dir), "plans"), index_dir)
    old = live.current()
    assert live.current() is old  # nothing published: the same snapshot

    run(indexer, small_plans[:1], prune=True)
    new = live.current()
    assert new is not old and new.chunks.keys() == indexer.store.ids() < old.chunks.keys()
    vector = embedder.embed_query("荔灣區")
    assert {i for i, _ in old.store.query(vector, 50)} <= old.chunks.keys()  # still searchable, still whole
    assert {i for i, _ in new.store.query(vector, 50)} <= new.chunks.keys()


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "磁盘已满"),
        (OSError(errno.EROFS, "Read-only file system"), "索引目录不可写"),
        (RuntimeError("attempt to write a readonly database"), "索引目录不可写"),
        (ConnectionRefusedError(111, "Connection refused"), "无法连接知识库"),
        (ValueError("Could not connect to a Chroma server. Are you sure it is running?"), "无法连接知识库"),
        (RuntimeError("unexpected\nthing"), "知识库出错"),
    ],
)
def test_store_errors_are_one_line_that_says_what_went_wrong(
    exc: Exception, said: str, tmp_path: Path
) -> None:
    message = str(store_error(exc, str(tmp_path), "writing chunks"))
    assert message.startswith(said) and str(tmp_path) in message and "\n" not in message


def cli_ingest(
    index: Path, wrap: Sequence[str] = (), limit_bytes: int | None = None
) -> CompletedProcess[str]:
    """`planqa ingest` of the liwan plan into index, optionally run by a wrapper or with a file size limit."""
    args = ("ingest", "--json", "--quiet", "--index", str(index), str(LIWAN))
    return planqa(*args, wrap=wrap, limit_bytes=limit_bytes)


def assert_clear_error(result: CompletedProcess[str], says: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误 error:") and says in lines[0], result.stderr


def in_private_mounts(script: str) -> list[str]:
    """A wrapper running the command after a mount in a mount namespace of its own (root only)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to mount a read-only or tiny file system")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m is not allowed here: {probe.stderr.decode(errors='replace').strip()}")
    return ["unshare", "-m", "sh", "-c", f'{script} && exec "$@"', "sh"]


@pytest.mark.slow
def test_a_read_only_index_is_a_clear_error(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert cli_ingest(index).returncode == 0
    (index / KeywordIndex.DIRNAME).rename(tmp_path / "aside")  # so the ingest has something to write
    if os.geteuid() != 0:  # permission bits stop everyone but root
        for path in [index, *index.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            assert_clear_error(cli_ingest(index), "不可写")
        finally:
            for path in [index, *index.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    wrap = in_private_mounts(f"mount --bind {index} {index} && mount -o remount,bind,ro {index}")
    assert_clear_error(cli_ingest(index, wrap), "不可写")


@pytest.mark.slow
def test_a_file_size_limit_is_a_clear_error(tmp_path: Path) -> None:
    """Chroma's database cannot grow past 2 MB: as for a full disk, the message says why (root too)."""
    result = cli_ingest(tmp_path / "index", limit_bytes=2_000_000)
    assert_clear_error(result, "ulimit -f")


@pytest.mark.slow
def test_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    mount = tmp_path / "tiny"
    mount.mkdir()
    wrap = in_private_mounts(f"mount -t tmpfs -o size=1m tmpfs {mount}")
    assert_clear_error(cli_ingest(mount / "index", wrap), "磁盘空间不足")
