"""What a plan says about itself: its period and issuing level travel with every chunk."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
import pytest

from ingest.load import load_document
from ingest.outline import parse_outline
from ingest.split import split_document
from qa.types import Chunk, DocumentInfo, generation_of, period_of_generation

PLAN = "某某区发展规划\n第一章 总体要求\n到2025年，全区经济总量明显提升。\n"


@pytest.mark.parametrize(
    ("period", "generation"),
    [("2021—2025", "十四五"), ("2026—2030", "十五五"), ("2016—2020", "十三五"), ("1966—1970", "三五")],
)
def test_a_five_year_period_names_its_plan(period: str, generation: str) -> None:
    assert generation_of(period) == generation
    assert period_of_generation({"三五": 3, "十三五": 13, "十四五": 14, "十五五": 15}[generation]) == period


@pytest.mark.parametrize("period", ["", "2021—2035", "2022—2026", "2021", "1956—1960"])
def test_other_spans_are_no_five_year_plan(period: str) -> None:
    assert generation_of(period) == ""


def test_chunks_carry_period_and_level_through_chroma(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    info = DocumentInfo("plan", "某某区发展规划", "某某区", "zh-Hans", period="2026—2030", level="区县")
    doc = load_document(path, info)
    chunks = split_document(doc, parse_outline(doc))
    assert chunks and {(c.period, c.level, c.generation) for c in chunks} == {("2026—2030", "区县", "十五五")}

    collection = chromadb.PersistentClient(path=str(tmp_path / "db")).create_collection("plans")
    collection.add(
        ids=[c.id for c in chunks],
        documents=[c.text for c in chunks],
        metadatas=[c.metadata() for c in chunks],
        embeddings=np.array([[1.0, float(i)] for i in range(len(chunks))], dtype=np.float32),
    )
    stored = collection.get(ids=[chunks[0].id], include=["documents", "metadatas"])
    assert stored["documents"] and stored["metadatas"]
    back = Chunk.from_metadata(chunks[0].id, stored["documents"][0], dict(stored["metadatas"][0]))
    assert back == chunks[0]


def test_an_index_written_before_periods_still_reads() -> None:
    chunk = Chunk("c", "plan", "规划", "某某区", ("第一章",), 1, 1, 0, 4, "正文内容", "正文内容", "")
    old = {k: v for k, v in chunk.metadata().items() if k not in {"period", "level"}}
    assert Chunk.from_metadata("c", "正文内容", old) == chunk
