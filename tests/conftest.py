"""Shared fixtures: the bundled plans, loaded once, and a meaningful fake embedder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from ingest.load import load_document, read_manifest
from qa.settings import BUNDLED_PLANS
from qa.types import DocumentInfo, LoadedDocument
from tests.fakes import BigramEmbeddings

# CI replays the same examples every run; HYPOTHESIS_PROFILE=explore hunts with fresh ones, 10x as many.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=1000, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def plans() -> list[tuple[Path, DocumentInfo]]:
    """The bundled plans and their manifest descriptions."""
    return read_manifest(BUNDLED_PLANS)


@pytest.fixture(scope="session")
def docs(plans: list[tuple[Path, DocumentInfo]]) -> dict[str, LoadedDocument]:
    """The bundled plans loaded, by document id (conghua: Simplified, liwan: Traditional)."""
    return {info.id: load_document(path, info) for path, info in plans}


@pytest.fixture
def embedder() -> BigramEmbeddings:
    """A fast embedder that still ranks the right passage first and records what it embedded."""
    return BigramEmbeddings()


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """An empty index directory of one's own."""
    path = tmp_path / "index"
    path.mkdir()
    return path
