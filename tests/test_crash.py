"""Kill -9 a re-ingest at random moments: the published index stays whole, and a rerun repairs it exactly.

Each run starts from a copy of index A (both bundled plans), re-ingests set B (liwan replaced by a copy
under another id, with --prune: chunks added and removed) and is killed a random delay after it takes the
ingest lock. Right after the kill the published index must be exactly A or exactly B; after a rerun it
must be exactly what an uninterrupted run makes, with no collection or keyword folder left behind.
Set CRASH_SEED to replay a failing run's delays (every assertion message shows the seed).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import chromadb
import numpy as np
import pytest

from ingest.index import Indexer, IngestReport
from ingest.load import discover
from qa.build import open_store, passage_embeddings
from qa.corpus import Corpus
from qa.keywords import KeywordIndex
from qa.settings import BUNDLED_PLANS, REPO_ROOT, Settings
from qa.store import ChunkStore, open_client
from tests.commands import PLANQA, clean_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

RUNS = 5
LOCK = ".ingest.lock"


@dataclass(frozen=True)
class Published:
    """What the published index holds: ids with vectors, the keyword index's ids, and what is left over."""

    vectors: dict[str, np.ndarray]
    keyword_ids: list[str]
    collections: set[str]
    kept: set[str]  # the published and the previous generation
    keyword_folders: set[str]
    kept_fingerprints: set[str]

    @property
    def ids(self) -> set[str]:
        return set(self.vectors)


def published(index: Path) -> Published:
    """Read the published generation the way the app does, plus everything stored beside it."""
    chromadb.api.client.SharedSystemClient.clear_system_cache()  # another process wrote it: read afresh
    store = ChunkStore(open_client(index), "plans")
    pointer = store.pointer()
    assert pointer is not None
    got = store.collection.get(include=["embeddings"])
    assert len(got["ids"]) == len(set(got["ids"])) == pointer.count == store.count()
    corpus = Corpus.open(store, index)  # checks the ids against the fingerprint they were published with
    folders = {p.name for p in (index / "keywords").iterdir()}
    return Published(
        vectors=dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True)),
        keyword_ids=list(corpus.keyword.ids),
        collections=set(store.generations()),
        kept={pointer.collection, pointer.previous},
        keyword_folders=folders,
        kept_fingerprints={pointer.fingerprint, pointer.previous_fingerprint},
    )


def ingest(index: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PLANQA, "ingest", "--json", "--quiet", "--index", str(index), *args],
        cwd=REPO_ROOT,
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, object]:
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    report = json.loads(stdout)
    assert isinstance(report, dict)
    return report


def rerun(index: Path, plans: Path) -> IngestReport:
    """The same ingest again, in this process (what `planqa ingest` runs, without its start-up cost)."""
    chromadb.api.client.SharedSystemClient.clear_system_cache()
    settings = Settings()
    indexer = Indexer(open_store(settings, index), passage_embeddings(settings, index), index)
    return indexer.ingest(discover([plans], settings.plans_dir), prune=True, progress=False)


def wait_for_lock(proc: subprocess.Popen[str], index: Path) -> float:
    """Block until the ingest has loaded its files and taken the lock (the index is written from then)."""
    deadline = time.monotonic() + 300
    while not (index / LOCK).exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.002)
    return time.monotonic()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crash")


@pytest.fixture(scope="module")
def set_b(work: Path) -> Path:
    """Conghua as bundled, liwan under another id: re-ingesting it with --prune adds and removes chunks."""
    folder = work / "plans-b"
    folder.mkdir()
    manifest = json.loads((BUNDLED_PLANS / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest:
        shutil.copy(BUNDLED_PLANS / entry["file"], folder / entry["file"])
        if entry["id"] == "liwan":
            entry["id"] = "liwan-b"
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index_a(work: Path) -> tuple[Path, Published]:
    index = work / "a"
    finish(ingest(index))
    (index / LOCK).unlink()
    return index, published(index)


@pytest.fixture(scope="module")
def clean_b(work: Path, index_a: tuple[Path, Published], set_b: Path) -> tuple[Published, float]:
    """What an uninterrupted re-ingest of B makes, and how long it writes after taking the lock."""
    index = work / "clean-b"
    shutil.copytree(index_a[0], index)
    proc = ingest(index, "--prune", str(set_b))
    locked = wait_for_lock(proc, index)
    report = finish(proc)
    writing = time.monotonic() - locked
    assert report["added"] and report["removed"]
    return published(index), writing


def test_killed_reingest_keeps_a_whole_index_and_a_rerun_makes_the_clean_one(
    work: Path, index_a: tuple[Path, Published], clean_b: tuple[Published, float], set_b: Path
) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.SystemRandom().randrange(10**6)))
    rng = random.Random(seed)
    want, writing = clean_b
    old = index_a[1]
    assert want.ids != old.ids and want.ids & old.ids
    killed_at: list[str] = []
    for run in range(RUNS):
        delay = rng.uniform(0.0, writing * 1.1)
        where = f"CRASH_SEED={seed} run {run}: killed {delay:.3f} s after the lock"
        index = work / f"run-{run}"
        shutil.copytree(index_a[0], index)
        proc = ingest(index, "--prune", str(set_b))
        wait_for_lock(proc, index)
        time.sleep(delay)
        finished = proc.poll() is not None
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.communicate()
        killed_at.append(f"{delay:.2f}s{' (had finished)' if finished else ''}")

        now = published(index)  # the old index or the new one, whole, never a mix
        assert now.ids in (old.ids, want.ids), where
        assert sorted(now.keyword_ids) == sorted(now.ids), where

        rerun(index, set_b)
        again = published(index)
        assert again.ids == want.ids, where
        assert sorted(again.keyword_ids) == sorted(want.ids), where
        for chunk_id, vector in again.vectors.items():
            assert np.allclose(vector, want.vectors[chunk_id], atol=1e-6), where
        assert again.collections <= again.kept, where  # no orphan generation left
        assert again.keyword_folders <= again.kept_fingerprints, where
        shutil.rmtree(index)
    print(f"CRASH_SEED={seed}; kills after the lock: {', '.join(killed_at)}; clean write {writing:.2f} s")


def test_a_torn_keyword_folder_of_a_killed_writer_is_ignored_and_removed(
    work: Path, index_a: tuple[Path, Published]
) -> None:
    index = work / "torn"
    shutil.copytree(index_a[0], index)
    torn = index / "keywords" / ".tmp-killed"
    torn.mkdir()
    (torn / "meta.json").write_text('{"ids": [', encoding="utf-8")
    assert KeywordIndex.load(index) is not None
    report = rerun(index, BUNDLED_PLANS)
    assert (report.added, report.removed) == (0, 0)
    assert not torn.exists()
    assert sorted(published(index).keyword_ids) == sorted(index_a[1].ids)
