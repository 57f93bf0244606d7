"""A question's parts answered as one: their extractive drafts joined, citations numbered across parts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

from qa.extractive import Draft, restates
from qa.types import Citation
from qa.verify import MARKER

_QUOTE_GROUP = re.compile(r"((?:「[^」]*」)+)\[(\d+)\]")


def join_drafts(drafts: Sequence[Draft]) -> tuple[str, list[Citation]]:
    """The drafts of a question's parts as one answer: a passage two parts cite keeps one number, and a
    line or quote an earlier part already shows is not shown again (two parts often lead with one clause)."""
    lines: list[str] = []
    citations: list[Citation] = []
    number: dict[str, int] = {}  # chunk id → its [n] in the joined answer
    for draft in drafts:
        renumber: dict[int, int] = {}
        earlier = dict(number)  # only a passage an earlier part cites is shared: a part's own stay apart
        for c in draft.citations:
            if c.chunk.id in earlier:
                renumber[c.n] = earlier[c.chunk.id]
                continue
            renumber[c.n] = len(citations) + 1
            number.setdefault(c.chunk.id, renumber[c.n])
            citations.append(Citation(renumber[c.n], c.chunk, c.quote))
        text = MARKER.sub(partial(_renumbered, renumber), draft.text)
        before = "\n".join(lines)
        for line in text.split("\n"):
            if before and line.strip() and any(restates(earlier, line) for earlier in lines):
                continue  # an earlier part said it (a lead may differ by a few words: 继续完善…,)
            kept = _QUOTE_GROUP.sub(partial(_unshown, before), line)
            if kept == line or _QUOTE_GROUP.search(kept) or MARKER.search(kept):
                lines.append(kept)
    return "\n".join(lines), citations


def _renumbered(renumber: dict[int, int], marker: re.Match[str]) -> str:
    n = int(marker.group(1))
    return f"[{renumber.get(n, n)}]"


def _unshown(before: str, group: re.Match[str]) -> str:
    """A group of quotes with its [n], without the quotes an earlier part shows (all gone: nothing)."""
    quotes = [q for q in re.findall(r"「[^」]*」", group.group(1)) if q not in before]
    return "".join(quotes) + f"[{group.group(2)}]" if quotes else ""
