"""Page lines into paragraphs: line wraps rejoined, running headers, footers and page numbers dropped.

A line that runs to the page's right margin and does not end a sentence wraps into the next one, unless
that one is indented; the margin is the page's own (most of its lines end there), not a constant.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.limits import Pages
from ingest.outline import heading_level, is_toc_marker

_FINAL = "。！？!?；;…"
_CLOSERS = "”’」』）)】〕》\"'"
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# a page number marked as one, alone on a line: "- 12 -", "第 3 页", "第3页 共20页", "3 / 20", "Page 3"
_MARKED_PAGE = re.compile(
    r"^\s*(?:[-—–·]+\s*\d+\s*[-—–·]+|(?:第\s*)?\d+\s*[页頁](?:\s*[,，/／]?\s*共\s*\d+\s*[页頁])?"
    r"|\d+\s*[/／]\s*\d+|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)\s*$",
    re.IGNORECASE,
)
_BARE_PAGE = re.compile(r"^\s*(\d{1,4})\s*$")  # a number alone: a page number only if it counts the pages
EDGE_LINES = 2  # lines at the top and at the bottom of a page where running heads and footers sit
RUNNING_SHARE = 0.3  # a line repeated at a page's edge on this share of the pages (and 3 or more) runs
# a line ending this many characters short of the margin may still have wrapped: line-break rules move an
# opening quote down with what follows it, and keep a run such as "(街)100%" whole
WRAP_SLACK = 4.0
WRAPPED_SHARE = 0.25  # of a text's lines that end at its right margin, when its paragraphs wrap


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a page with where it sits; rows is set for a table, which stands as one line."""

    text: str
    x0: float
    x1: float
    top: float
    size: float
    rows: tuple[str, ...] = ()
    lead: float = 0.0  # width of the first word (a Latin word or one Han character): what a wrap moved down


def _edge_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_running(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop page numbers and the lines repeated at the top or bottom edge of many pages."""

    def edges(lines: list[Line]) -> list[Line]:
        text = [line for line in lines if not line.rows]
        return text[:EDGE_LINES] + text[-EDGE_LINES:]

    seen = Counter(key for lines in pages for key in {_edge_key(line.text) for line in edges(lines)})
    running = {key for key, n in seen.items() if n >= 3 and n >= RUNNING_SHARE * len(pages)}
    counting = _counting_pages([edges(lines) for lines in pages])
    kept = []
    for index, lines in enumerate(pages):
        edge = {id(line) for line in edges(lines)}
        body = [line for line in lines if id(line) not in edge or _edge_key(line.text) not in running]
        if all(line.rows for line in body):  # nothing but repeated lines: that is the page's text
            body = lines
        kept.append(
            [line for line in body if id(line) not in edge or not _page_number(line.text, counting, index)]
        )
    return kept


def _counting_pages(edges: list[list[Line]]) -> set[int]:
    """The offsets (number minus page index) that bare numbers at page edges keep on two pages or more."""
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(edges):
        numbers = [_BARE_PAGE.match(line.text) for line in lines]
        offsets.update({int(m.group(1)) - index for m in numbers if m})
    return {offset for offset, n in offsets.items() if n >= 2}


def _page_number(text: str, counting: set[int], index: int) -> bool:
    """Whether an edge line is a page number: marked as one, or a bare number that counts the pages."""
    bare = _BARE_PAGE.match(text)
    return bool(_MARKED_PAGE.match(text)) or (bare is not None and int(bare.group(1)) - index in counting)


def right_margins(pages: list[list[Line]], widths: list[float]) -> list[float]:
    """Where full lines end on each page: the 90th percentile of the right edges on pages of its width.

    Over all the pages of a width, not page by page: on a page of short lines (a contents page, a list),
    its own longest lines would pass for full ones. Wrapped text ends a quarter of its lines or more
    within a character of that edge; where none do, nothing wraps (infinity).
    """
    rights: dict[float, list[Line]] = {}
    for lines, width in zip(pages, widths, strict=True):
        rights.setdefault(round(width), []).extend(line for line in lines if not line.rows)
    margin: dict[float, float] = {}
    for width, lines in rights.items():
        ends = sorted(line.x1 for line in lines)
        edge = ends[int(0.9 * (len(ends) - 1))] if ends else float(width)
        full = sum(1 for line in lines if line.x1 >= edge - line.size)
        margin[width] = edge if full >= WRAPPED_SHARE * len(lines) else float("inf")
    return [margin[round(width)] for width in widths]


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in _FINAL


def _full(line: Line, right: float, lead: float) -> bool:
    """Whether the next line's first word would not have fitted after this one (give or take kinsoku)."""
    return line.x1 + (lead or line.size) >= right - (WRAP_SLACK - 1) * line.size


def _wraps(line: Line, after: Line, right: float, left: float) -> bool:
    """Whether `after` continues the paragraph that `line` runs out of at the right margin."""
    if line.rows or after.rows or _ends_sentence(line.text) or not _full(line, right, after.lead):
        return False
    if after.x0 > left + 0.8 * after.size:  # a first-line indent opens a paragraph
        return False
    if heading_level(after.text) is not None or is_toc_marker(after.text):
        return False
    if heading_level(line.text) is not None:  # a long heading wraps onto a short line; a paragraph follows
        return not _full(after, right, 0.0) and not _ends_sentence(after.text)
    return True


def _join(text: str, more: str) -> str:
    """Two wrapped lines as one: a space only between two Latin words."""
    space = (
        " " if _ASCII_WORD.match(text[-1:]) and _ASCII_WORD.match(more[:1]) and text[-1:].isalpha() else ""
    )
    return text + space + more


def paragraphs(pages: list[list[Line]], widths: list[float]) -> Pages:
    """Each page's paragraphs, one a line; one that runs onto the next page stays on the page it starts on."""
    margins = right_margins(pages, widths)
    out: list[list[str]] = [[] for _ in pages]
    last: tuple[int, Line, float] | None = None  # the page and line a paragraph last ran to, and its margin
    for p, lines in enumerate(pages):
        lefts = [round(line.x0) for line in lines if not line.rows]
        left = Counter(lefts).most_common(1)[0][0] if lefts else 0.0
        for line in lines:
            if last is not None and _wraps(last[1], line, last[2], left):
                out[last[0]][-1] = _join(out[last[0]][-1], line.text)
                last = (last[0], line, margins[p])
                continue
            out[p].extend(line.rows or (line.text,))
            last = (p, line, margins[p])
    return [(p + 1, "\n".join(texts)) for p, texts in enumerate(out)]
