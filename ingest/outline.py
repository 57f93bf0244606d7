"""Recognise the heading structure of Chinese plan documents (either script) and group body lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.tables import row_keys
from qa.script import to_simplified
from qa.types import Block, LoadedDocument, SourceLine

_NUM = "一二三四五六七八九十百零〇两兩"
PREAMBLE = "前言"
MAX_SHORT_HEADING = 40  # numbered items longer than this are paragraphs, not headings

# (level, pattern, needs to be short). Lower level = higher in the tree.
_HEADINGS: tuple[tuple[int, re.Pattern[str], bool], ...] = (
    (0, re.compile(r"^附件\s*[0-9一二三四五六七八九十]*\s*(?:[:：].*)?$"), False),
    (1, re.compile(rf"^第[{_NUM}\d]+篇"), False),
    (2, re.compile(rf"^第[{_NUM}\d]+章"), False),
    (3, re.compile(rf"^第[{_NUM}\d]+[节節]"), False),
    (4, re.compile(r"^[一二三四五六七八九十]+、"), True),
    (5, re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), True),
    (6, re.compile(r"^\d{1,2}[\.．、](?!\d)\s*\S"), True),
    (7, re.compile(r"^(?:专栏|專欄)\s*\d*"), False),
)
_NOTE = re.compile(r"^(?:注|註|说明|說明|备注|備註)\s*[:：]")
_NOTE_ITEM = re.compile(r"^\d{1,2}[\.．、]")
# dot leaders and a page number after a TOC entry, matched on the reversed line: linear, whatever its length
_TOC_PAGE_REVERSED = re.compile(r"\d*[\s.．·…—-]*")
_GLOSSARY_ENTRY = re.compile(r"^(?P<term>[^:：。，,]{1,30})[:：](?P<definition>.+)$")
_SPACED_HAN = re.compile(r"(?:[\u4e00-\u9fff]\s+)+[\u4e00-\u9fff]")
# a Markdown heading; the DOCX reader writes a Heading n style this way too (ingest.word)
_MARKDOWN = re.compile(r"^(#{1,6})\s+(\S.*)$")
_CAPTION_CHARS = 60  # a table's caption: the short line before it that does not end a sentence
_LONE_ROW_FIELDS = 3  # a table of one row: three labelled cells or more
_TABLE = "表{n}"  # a table without a caption, by its place in the document
_TABLE_ROW = "第{n}行"


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading line at a level of the plan's hierarchy."""

    level: int
    text: str
    line: SourceLine


def _compact(text: str) -> str:
    """Trim a heading, without its Markdown marks; close up letter-spaced titles such as 名 詞 解 釋."""
    marked = _MARKDOWN.match(text.strip())
    stripped = " ".join((marked.group(2) if marked else text).split())
    return re.sub(r"\s+", "", stripped) if _SPACED_HAN.fullmatch(stripped) else stripped


def _closed(text: str) -> str:
    """A marker line without spaces: a PDF's letter-spaced title comes out spaced unevenly (名 詞解釋)."""
    return re.sub(r"\s+", "", _compact(text))


def is_toc_marker(text: str) -> bool:
    """Whether a line opens a table of contents (目录 / 目錄)."""
    return to_simplified(_closed(text)) in {"目录", "目次"}


def is_glossary_marker(text: str) -> bool:
    """Whether a line opens a glossary (名词解释 / 名詞解釋), alone or as an annex title."""
    simplified = to_simplified(_closed(text))
    return simplified == "名词解释" or bool(re.match(r"^附件\s*\S*\s*[:：]\s*名词解释$", simplified))


def heading_level(
    text: str, *, in_note: bool = False, in_box: bool = False, styled: bool = False
) -> int | None:
    """The heading level of a line, or None for body text; a styled heading may be long, and in a note."""
    stripped = text.strip()
    if not stripped or "|" in stripped:  # a table row is body text, whatever its first cell says
        return None
    for level, pattern, needs_short in _HEADINGS:
        if not pattern.match(stripped):
            continue
        if styled:
            return level
        if needs_short and len(stripped) > MAX_SHORT_HEADING:
            return None
        if level == 6 and (in_note or in_box):
            return None
        return level
    return None


def _marked_level(depth: int, learned: dict[int, int]) -> int:
    """The level of a Markdown heading whose text names none: as its depth (or the nearest) had before."""
    if depth in learned:
        return learned[depth]
    shallower = [d for d in learned if d < depth]
    if shallower:
        return min(learned[max(shallower)] + depth - max(shallower), 6)
    deeper = [d for d in learned if d > depth]
    if deeper:
        return max(learned[min(deeper)] - (min(deeper) - depth), 1)
    return depth


def _level(text: str, learned: dict[int, int], *, in_note: bool, in_box: bool) -> int | None:
    """A line's heading level by its text; a Markdown heading's by its marks where the text names none."""
    marked = _MARKDOWN.match(text)
    if marked is None:
        return heading_level(text, in_note=in_note, in_box=in_box)
    depth, named = len(marked.group(1)), heading_level(marked.group(2), styled=True)
    if named is not None:
        learned[depth] = named
        return named
    return _marked_level(depth, learned)


def parse_outline(doc: LoadedDocument) -> list[Block]:
    """Group a document's body lines into blocks under their full heading path."""
    return list(_blocks(doc.lines))


def headings(doc: LoadedDocument) -> list[Heading]:
    """List the real headings (table of contents excluded), in order."""
    found: list[Heading] = []
    for level, line in _walk(doc.lines):
        if level is not None and level >= 0:
            found.append(Heading(level, _compact(line.text), line))
    return found


_GLOSSARY_LEVEL = 1  # the glossary heading sits under its annex


def _toc_key(text: str) -> str:
    key = _compact(text)
    match = _TOC_PAGE_REVERSED.match(key[::-1])
    return key[: len(key) - match.end()] if match else key


def _walk(lines: tuple[SourceLine, ...]) -> Iterator[tuple[int | None, SourceLine]]:
    """Yield (heading level or None for body, line); blanks skipped, -1 marks a glossary, -2 a TOC."""
    in_toc = in_note = in_box = False
    toc_first = ""  # the TOC's first entry: when it comes round again, the body has begun
    learned: dict[int, int] = {}  # Markdown depth → the level the headings at that depth named
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if is_toc_marker(text):  # a table of contents is never inside a note or a box
            in_toc, toc_first, in_note, in_box = True, "", False, False
            yield -2, line
            continue
        level = _level(text, learned, in_note=in_note, in_box=in_box)
        if in_toc:
            if level is not None or is_glossary_marker(text):
                if not toc_first:
                    toc_first = _toc_key(text)
                    continue
                if _toc_key(text) != toc_first:
                    continue
            in_toc = False
        if is_glossary_marker(text):
            yield -1, line
            in_note = in_box = False
            continue
        if level is None:
            in_note = bool(_NOTE.match(text)) or (in_note and bool(_NOTE_ITEM.match(text)))
            yield None, line
            continue
        in_note = False
        in_box = level == 7 or (in_box and level > 7)
        yield level, line


def table_rows(lines: tuple[SourceLine, ...]) -> dict[int, tuple[str, int]]:
    """Line number → (table caption, row number) for each row of a table written by ingest.tables.

    A table is two or more lines in a row that read "key：value；key：value…" with the same first key (its
    first column), or one such line of three cells or more; its caption is the short line before it that
    is not a heading and ends no sentence.
    """
    filled = [line for line in lines if line.text.strip()]
    keys = [row_keys(line.text) for line in filled]
    rows: dict[int, tuple[str, int]] = {}
    tables = 0
    i = 0
    while i < len(filled):
        j, first = i + 1, keys[i]
        while first and j < len(filled) and (other := keys[j]) and other[0] == first[0]:
            j += 1
        if j - i < 2 and (not first or len(first) < _LONE_ROW_FIELDS):
            i += 1
            continue
        tables += 1
        before = filled[i - 1].text.strip() if i else ""
        caption_like = 0 < len(before) <= _CAPTION_CHARS and heading_level(before) is None
        caption = (
            _compact(before) if caption_like and before[-1] not in "。；;！？!?" else _TABLE.format(n=tables)
        )
        rows.update((line.number, (caption, n)) for n, line in enumerate(filled[i:j], start=1))
        i = j
    return rows


def _blocks(lines: tuple[SourceLine, ...]) -> Iterator[Block]:
    rows = table_rows(lines)
    stack: dict[int, str] = {}
    glossary: tuple[str, ...] | None = None
    body: list[SourceLine] = []
    entry: list[SourceLine] = []
    term = ""

    def path() -> tuple[str, ...]:
        return tuple(stack[k] for k in sorted(stack)) or (PREAMBLE,)

    def flush_body() -> Iterator[Block]:
        if body:
            yield Block(path=path(), lines=tuple(body))
            body.clear()

    def flush_entry() -> Iterator[Block]:
        if entry and glossary is not None:
            yield Block(path=(*glossary, term), lines=tuple(entry), kind="glossary", term=term)
            entry.clear()

    for level, line in _walk(lines):
        text = _compact(line.text)
        if level == -2:  # a table of contents: nothing of it is indexed, and no block spans it
            yield from flush_body()
            yield from flush_entry()
            continue
        if level == -1:
            yield from flush_body()
            yield from flush_entry()
            if not text.startswith("附件"):
                stack = {k: v for k, v in stack.items() if k < _GLOSSARY_LEVEL}
            else:
                stack = {}
            stack[_GLOSSARY_LEVEL if 0 in stack else 0] = text if text.startswith("附件") else _closed(text)
            glossary = path()
            continue
        if level is not None:
            yield from flush_body()
            yield from flush_entry()
            if glossary is not None and level <= _GLOSSARY_LEVEL + 1:
                glossary = None
            stack = {k: v for k, v in stack.items() if k < level}
            stack[level] = text
            continue
        if glossary is None and line.number in rows:
            yield from flush_body()
            caption, n = rows[line.number]
            yield Block(path=(*path(), caption), lines=(line,), kind="table", term=_TABLE_ROW.format(n=n))
            continue
        if glossary is None:
            body.append(line)
            continue
        match = _GLOSSARY_ENTRY.match(line.text.strip())
        if match:
            yield from flush_body()
            yield from flush_entry()
            term = match.group("term").strip()
            entry.append(line)
        elif entry:
            entry.append(line)  # a definition that wrapped onto the next line
        else:
            body.append(line)
    yield from flush_body()
    yield from flush_entry()
