"""Recognise the heading structure of Chinese plan documents (either script) and group body lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading line at a level of the plan's hierarchy."""

    level: int
    text: str
    line: SourceLine


def _compact(text: str) -> str:
    """Trim a heading; close up letter-spaced titles such as 名 詞 解 釋."""
    stripped = " ".join(text.split())
    return re.sub(r"\s+", "", stripped) if _SPACED_HAN.fullmatch(stripped) else stripped


def is_toc_marker(text: str) -> bool:
    """Whether a line opens a table of contents (目录 / 目錄)."""
    return to_simplified(_compact(text)) in {"目录", "目次"}


def is_glossary_marker(text: str) -> bool:
    """Whether a line opens a glossary (名词解释 / 名詞解釋), alone or as an annex title."""
    simplified = to_simplified(_compact(text))
    return simplified == "名词解释" or bool(re.match(r"^附件\s*\S*\s*[:：]\s*名词解释$", simplified))


def heading_level(text: str, *, in_note: bool = False, in_box: bool = False) -> int | None:
    """The heading level of a line, or None for body text."""
    stripped = text.strip()
    if not stripped or "|" in stripped:  # a table row is body text, whatever its first cell says
        return None
    for level, pattern, needs_short in _HEADINGS:
        if not pattern.match(stripped):
            continue
        if needs_short and len(stripped) > MAX_SHORT_HEADING:
            return None
        if level == 6 and (in_note or in_box):
            return None
        return level
    return None


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
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if is_toc_marker(text):  # a table of contents is never inside a note or a box
            in_toc, toc_first, in_note, in_box = True, "", False, False
            yield -2, line
            continue
        level = heading_level(text, in_note=in_note, in_box=in_box)
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


def _blocks(lines: tuple[SourceLine, ...]) -> Iterator[Block]:
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
            stack[_GLOSSARY_LEVEL if 0 in stack else 0] = text
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
