"""The nouns that cross module lines: documents, chunks, hits, citations, answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from qa.suggest import Guidance

Script = Literal["zh-Hans", "zh-Hant", "en", "unknown"]
BlockKind = Literal["body", "glossary", "table"]  # table: one row of a table, its cells labelled
PATH_SEP = " > "


def _block_kind(value: object) -> BlockKind:
    """A stored kind read back; anything unknown is body text."""
    return "glossary" if value == "glossary" else "table" if value == "table" else "body"


PERIOD_SEP = "—"  # a period is written "2021—2025" (an em dash), whatever dash the document used
_DIGITS = "一二三四五六七八九"
_FIRST_REGULAR_PLAN = (3, 1966)  # plans ran back to back in five-year steps from the third (1966) on


def _numeral(n: int) -> str:
    """Write 1–99 in Chinese numerals (14 → 十四)."""
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[units - 1] if units else "")


def generation_of(period: str) -> str:
    """The five-year plan a period is ("2021—2025" → 十四五), or "" when it is not one of them."""
    years = [int(y) for y in period.split(PERIOD_SEP) if y.isdigit()]
    number, first = _FIRST_REGULAR_PLAN
    if len(years) != 2 or years[1] - years[0] != 4 or (years[0] - first) % 5 or years[0] < first:
        return ""
    return _numeral(number + (years[0] - first) // 5) + "五"


def plan_number(generation: str) -> int:
    """The number of the five-year plan a label names (十四五 → 14), or 0 for any other text."""
    number, _ = _FIRST_REGULAR_PLAN
    return next((n for n in range(number, 100) if _numeral(n) + "五" == generation), 0)


def period_of_generation(number: int) -> str:
    """The years of the n-th five-year plan (14 → "2021—2025"), or "" before the regular series."""
    first_number, first = _FIRST_REGULAR_PLAN
    if number < first_number:
        return ""
    start = first + 5 * (number - first_number)
    return f"{start}{PERIOD_SEP}{start + 4}"


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What a plan is: its id, title, district, script, period and the level of government that issued it."""

    id: str
    title: str
    district: str = ""
    script: Script = "unknown"
    period: str = ""  # "2021—2025"
    source: str = ""
    level: str = ""  # 国家 / 省 / 市 / 区县

    @property
    def generation(self) -> str:
        """The five-year plan this is (十四五), or "" when its period is not one."""
        return generation_of(self.period)


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One line of a loaded document and where it sits in the document's text."""

    number: int  # 1-based line number in the document's text
    start: int  # character offset of the line's first character
    text: str
    page: int | None = None  # 1-based page for paged formats (PDF)

    @property
    def end(self) -> int:
        """Offset just past the line's last character."""
        return self.start + len(self.text)


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A document's text as lines, with the offsets a citation needs."""

    info: DocumentInfo
    text: str
    lines: tuple[SourceLine, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive body lines under one heading path (or one glossary entry)."""

    path: tuple[str, ...]
    lines: tuple[SourceLine, ...]
    kind: BlockKind = "body"
    term: str = ""


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage that knows exactly where it came from."""

    id: str
    doc_id: str
    title: str
    district: str
    section_path: tuple[str, ...]
    line_start: int
    line_end: int
    char_start: int
    char_end: int
    text: str  # verbatim document text: what a quote shows
    norm: str  # Simplified-normalised text: what matching uses
    norm_path: str  # Simplified-normalised section path
    kind: BlockKind = "body"
    term: str = ""
    page: int | None = None
    period: str = ""  # the plan's period, "2021—2025"
    level: str = ""  # the level of government that issued the plan

    @property
    def generation(self) -> str:
        """The five-year plan the chunk's document is (十四五), or ""."""
        return generation_of(self.period)

    @property
    def section(self) -> str:
        """The section path as one display string, in the document's script."""
        return PATH_SEP.join(self.section_path)

    @property
    def embed_text(self) -> str:
        """What the embedder and keyword index see: section path plus normalised text."""
        return f"{self.norm_path}\n{self.norm}"

    def metadata(self) -> dict[str, str | int | float | bool]:
        """Flatten to Chroma-compatible metadata (scalars only)."""
        meta: dict[str, str | int | float | bool] = {
            "doc_id": self.doc_id,
            "title": self.title,
            "district": self.district,
            "section": self.section,
            "section_path": json.dumps(list(self.section_path), ensure_ascii=False),
            "norm_path": self.norm_path,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "norm": self.norm,
            "kind": self.kind,
            "term": self.term,
            "period": self.period,
            "level": self.level,
        }
        if self.page is not None:
            meta["page"] = self.page
        return meta

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from what Chroma stored."""
        page = meta.get("page")
        return cls(
            id=chunk_id,
            doc_id=str(meta["doc_id"]),
            title=str(meta.get("title", "")),
            district=str(meta.get("district", "")),
            section_path=tuple(json.loads(str(meta.get("section_path", "[]")))),
            line_start=int(meta["line_start"]),
            line_end=int(meta["line_end"]),
            char_start=int(meta["char_start"]),
            char_end=int(meta["char_end"]),
            text=text,
            norm=str(meta.get("norm", "")),
            norm_path=str(meta.get("norm_path", "")),
            kind=_block_kind(meta.get("kind")),
            term=str(meta.get("term", "")),
            page=int(page) if page is not None else None,
            period=str(meta.get("period", "")),
            level=str(meta.get("level", "")),
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """A chunk with the retrieval score that ranked it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_score: float = 0.0  # cosine similarity to the question
    keyword_score: float = 0.0  # BM25 score


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered reference from an answer to the exact passage it quotes."""

    n: int
    chunk: Chunk
    quote: str  # verbatim substring of chunk.text

    @property
    def line(self) -> int:
        """The document line the quote starts on (the chunk's first line when the quote is not found)."""
        at = self.chunk.text.find(self.quote) if self.quote else -1
        return self.chunk.line_start + (self.chunk.text.count("\n", 0, at) if at > 0 else 0)


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer ready to show: text with [n] markers, its citations and what was retrieved."""

    question: str
    text: str
    refused: bool
    backend: str
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()  # verification notes: dropped claims, unknown markers
    probability: float | None = None  # P(answerable) of the best-read part; None when nothing was read
    guidance: Guidance | None = None  # what to ask next: follow-ups, or where a refusal leads
