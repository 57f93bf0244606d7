"""Kill -9 an ingest at several points, run it again, and get the same index as a clean run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.build import EMBED_CACHE_DIRNAME
from qa.keywords import KeywordIndex
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# Chunks of 120 characters are not among the bundled vectors (cut at 400), so the real model must embed them.
CHUNK_SIZE = "120"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The opening of the conghua plan as a document of its own: a few batches of real embedding work."""
    folder = tmp_path_factory.mktemp("corpus")
    lines = (BUNDLED_PLANS / "conghua-14th-five-year-plan.txt").read_text(encoding="utf-8").split("\n")
    (folder / "conghua-opening.txt").write_text("\n".join(lines[:24]), encoding="utf-8")
    return folder


def start_ingest(corpus: Path, index: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANQA_")}
    env["PLANQA_CHUNK_SIZE"] = CHUNK_SIZE
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ingest", "--json", "--quiet", "--index", str(index), str(corpus)],
        cwd=corpus,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    return stdout


def snapshot(index: Path) -> tuple[set[str], dict[str, np.ndarray]]:
    """Chunk ids and vectors in Chroma, after checking the keyword index holds the same ids."""
    store = ChunkStore(open_client(index), "plans")
    got = store.collection.get(include=["embeddings"])
    ids = set(got["ids"])
    assert len(ids) == len(got["ids"]) == store.count()
    keywords = KeywordIndex.load(index)
    assert keywords is not None and set(keywords.ids) == ids and len(keywords.ids) == len(ids)
    return ids, dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))


@pytest.fixture(scope="module")
def clean(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], dict[str, np.ndarray]]:
    """What an uninterrupted run into a fresh index produces."""
    index = tmp_path_factory.mktemp("clean") / "index"
    finish(start_ingest(corpus, index))
    ids, vectors = snapshot(index)
    assert len(ids) > 32  # more than two embedding batches
    return ids, vectors


def cache_files(index: Path) -> int:
    folder = index / EMBED_CACHE_DIRNAME
    return sum(1 for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else 0


def after(seconds: float) -> Callable[[Path], bool]:
    started = time.monotonic()
    return lambda _: time.monotonic() - started >= seconds


def cached_at_least(n: int) -> Callable[[Path], bool]:
    return lambda index: cache_files(index) >= n


def saving_keywords() -> Callable[[Path], bool]:
    return lambda index: any(index.glob(".keyword-*")) or (index / "keyword").exists()


# Each makes a fresh condition on the index directory; the ingest is killed as soon as it holds.
KILL_POINTS: dict[str, Callable[[], Callable[[Path], bool]]] = {
    "while starting up": lambda: after(0.5),
    "when the first batch is embedded": lambda: cached_at_least(1),
    "after the second batch is embedded": lambda: cached_at_least(17),
    "while saving the keyword index": saving_keywords,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_ingest_recovers_on_rerun(
    corpus: Path, tmp_path: Path, clean: tuple[set[str], dict[str, np.ndarray]], point: str
) -> None:
    index = tmp_path / "index"
    proc = start_ingest(corpus, index)
    reached = KILL_POINTS[point]()
    deadline = time.monotonic() + 300
    while proc.poll() is None and not reached(index) and time.monotonic() < deadline:
        time.sleep(0.002)
    killed = proc.poll() is None
    proc.kill()  # SIGKILL: no cleanup of any kind
    proc.communicate()
    assert killed, f"ingest finished before the kill point ({point})"

    finish(start_ingest(corpus, index))
    ids, vectors = snapshot(index)
    clean_ids, clean_vectors = clean
    assert ids == clean_ids
    for chunk_id in ids:
        a, b = vectors[chunk_id], clean_vectors[chunk_id]
        assert float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))) > 0.9999

    again = finish(start_ingest(corpus, index))  # and a third run has nothing left to do
    assert '"added": 0' in again and '"removed": 0' in again
