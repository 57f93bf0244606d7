"""Cut outline blocks into sentence-aligned chunks that never cross a section boundary."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from qa.script import to_simplified
from qa.sentences import sentence_spans
from qa.types import PATH_SEP, Block, Chunk, LoadedDocument

_SOFT_BREAK = re.compile(r"[，,、：:]")


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence's place in the document's text."""

    start: int
    end: int
    line: int
    page: int | None


def sentences(block: Block, max_chars: int) -> list[Span]:
    """Sentence spans of a block's lines; over-long sentences are cut at commas, then hard."""
    spans: list[Span] = []
    for line in block.lines:
        for s, e in sentence_spans(line.text):
            spans.extend(
                Span(line.start + a, line.start + b, line.number, line.page)
                for a, b in _cut(line.text, s, e, max_chars)
            )
    return spans


def _cut(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Pieces of the sentence text[start:end], each at most max_chars and trimmed of whitespace."""
    while end - start > max_chars:
        limit = start + max_chars
        breaks = [
            m.end() for m in _SOFT_BREAK.finditer(text, start, limit) if m.end() - start >= max_chars // 2
        ]
        cut = piece_end = breaks[-1] if breaks else limit
        while text[piece_end - 1].isspace():  # stops at `start`: a sentence starts with non-space
            piece_end -= 1
        yield start, piece_end
        start = cut
        while text[start].isspace():  # stops before `end`: a sentence ends with non-space
            start += 1
    yield start, end


def chunk_id(doc_id: str, path: tuple[str, ...], start: int, text: str) -> str:
    """A stable id from the chunk's document, place and content."""
    key = "\x1f".join((doc_id, PATH_SEP.join(path), str(start), text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def split_document(
    doc: LoadedDocument, blocks: list[Block], size: int = 400, overlap: int = 1
) -> list[Chunk]:
    """Chunk every block of a document; glossary entries and table rows stay whole, one chunk each."""
    chunks: list[Chunk] = []
    for block in blocks:
        if block.kind in ("glossary", "table"):
            first = block.lines[0]
            indent = len(first.text) - len(first.text.lstrip())
            spans = [Span(first.start + indent, block.lines[-1].end, first.number, first.page)]
            groups = [(spans, block.lines[-1].number)]
        else:
            groups = [(group, group[-1].line) for group in _pack(sentences(block, size), size, overlap)]
        norm_path = to_simplified(PATH_SEP.join(block.path))
        for group, last_line in groups:
            start, end = group[0].start, group[-1].end
            text = doc.text[start:end]
            chunks.append(
                Chunk(
                    id=chunk_id(doc.info.id, block.path, start, text),
                    doc_id=doc.info.id,
                    title=doc.info.title,
                    district=doc.info.district,
                    section_path=block.path,
                    line_start=group[0].line,
                    line_end=last_line,
                    char_start=start,
                    char_end=end,
                    text=text,
                    norm=to_simplified(text),
                    norm_path=norm_path,
                    kind=block.kind,
                    term=block.term,
                    page=group[0].page,
                    period=doc.info.period,
                    level=doc.info.level,
                )
            )
    return chunks


def _pack(spans: list[Span], size: int, overlap: int) -> Iterator[list[Span]]:
    """Greedily fill chunks up to `size` characters, repeating the last `overlap` sentences."""
    current: list[Span] = []
    fresh = 0  # sentences in `current` not already emitted by the previous chunk
    for span in spans:
        if current and fresh and span.end - current[0].start > size:
            yield current
            carried = current[-overlap:] if overlap else []
            while carried and span.end - carried[0].start > size:
                carried = carried[1:]
            current, fresh = carried, 0
        current.append(span)
        fresh += 1
    if current and fresh:
        yield current
