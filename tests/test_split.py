"""Chunk invariants on both bundled plans: verbatim offsets, one section each, full coverage."""

from __future__ import annotations

import itertools
from collections import defaultdict

import opencc
import pytest

from ingest.outline import parse_outline
from ingest.split import split_document
from qa.types import Block, Chunk, LoadedDocument

DOC_IDS = ["conghua", "liwan"]
Split = tuple[LoadedDocument, list[Block], list[Chunk]]  # a plan, its outline blocks and its chunks
SIZE = 400


@pytest.fixture(scope="module", params=DOC_IDS)
def split(request: pytest.FixtureRequest, docs: dict[str, LoadedDocument]) -> Split:
    """One bundled plan, its blocks and its chunks at the default size."""
    doc = docs[request.param]
    blocks = parse_outline(doc)
    return doc, blocks, split_document(doc, blocks, size=SIZE, overlap=1)


def test_chunk_text_is_the_documents_text_at_its_offsets(split: Split) -> None:
    doc, _, chunks = split
    assert chunks
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.char_start : chunk.char_end]
        assert chunk.text == chunk.text.strip()
        first, last = doc.lines[chunk.line_start - 1], doc.lines[chunk.line_end - 1]
        assert first.start <= chunk.char_start < first.end
        assert last.start < chunk.char_end <= last.end


def test_no_chunk_crosses_a_section_boundary(split: Split) -> None:
    doc, blocks, chunks = split
    owner = {line.number: i for i, block in enumerate(blocks) for line in block.lines}
    for chunk in chunks:
        spanned = range(chunk.line_start, chunk.line_end + 1)
        owners = {owner.get(n) for n in spanned if doc.lines[n - 1].text.strip()}
        assert len(owners) == 1, f"{chunk.id} spans lines of blocks {owners}"
        (only,) = owners
        assert only is not None, f"{chunk.id} spans a heading or table-of-contents line"
        assert blocks[only].path == chunk.section_path


def test_every_chunk_has_a_section_path(split: Split) -> None:
    _, _, chunks = split
    for chunk in chunks:
        assert chunk.section_path and all(part.strip() for part in chunk.section_path)
        assert chunk.norm_path
        assert chunk.embed_text.startswith(chunk.norm_path + "\n")


def test_chunks_cover_every_body_character(split: Split) -> None:
    doc, blocks, chunks = split
    covered = bytearray(len(doc.text))
    for chunk in chunks:
        covered[chunk.char_start : chunk.char_end] = b"\x01" * (chunk.char_end - chunk.char_start)
    missed = [
        (line.number, offset)
        for block in blocks
        for line in block.lines
        for offset in range(line.start, line.end)
        if not doc.text[offset].isspace() and not covered[offset]
    ]
    assert not missed


def test_chunks_fit_the_size_except_whole_glossary_entries(split: Split) -> None:
    _, _, chunks = split
    oversized = [c for c in chunks if len(c.text) > SIZE]
    assert all(c.kind == "glossary" for c in oversized)


def test_ids_are_unique_and_stable(split: Split) -> None:
    doc, _, chunks = split
    ids = [c.id for c in chunks]
    assert len(set(ids)) == len(ids)
    again = split_document(doc, parse_outline(doc), size=SIZE, overlap=1)
    assert [c.id for c in again] == ids


def test_norm_is_the_simplified_text(split: Split) -> None:
    _, _, chunks = split
    t2s = opencc.OpenCC("t2s")
    for chunk in chunks:
        assert chunk.norm == t2s.convert(chunk.text)
        assert chunk.norm_path == t2s.convert(chunk.section)


def test_consecutive_chunks_of_a_long_section_share_a_sentence(
    split: Split,
) -> None:
    doc, _, chunks = split
    by_section: dict[tuple[str, ...], list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        by_section[chunk.section_path].append(chunk)
    longest = max(by_section.values(), key=len)
    assert len(longest) >= 3
    for before, after in itertools.pairwise(longest):
        assert after.char_start < before.char_end, "no overlap"
        shared = doc.text[after.char_start : before.char_end]
        assert before.text.endswith(shared) and after.text.startswith(shared)
        assert shared.strip() == shared
        # the shared part starts where a sentence (or a comma-cut piece of a long one) starts
        before_start = doc.text[after.char_start - 1]
        assert before_start in "。！？；!?;…”’」』）)]，,、：:" or before_start.isspace()


def test_no_overlap_when_turned_off(docs: dict[str, LoadedDocument]) -> None:
    doc = docs["conghua"]
    chunks = [c for c in split_document(doc, parse_outline(doc), size=SIZE, overlap=0) if c.kind == "body"]
    for before, after in itertools.pairwise(chunks):
        assert after.char_start >= before.char_end


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_size_is_configurable(docs: dict[str, LoadedDocument], doc_id: str) -> None:
    doc = docs[doc_id]
    blocks = parse_outline(doc)
    counts = {}
    for size in (150, 400, 1200):
        chunks = split_document(doc, blocks, size=size, overlap=1)
        assert all(len(c.text) <= size for c in chunks if c.kind == "body")
        counts[size] = len(chunks)
    assert counts[150] > counts[400] > counts[1200]
