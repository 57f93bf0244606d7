"""A table's rows as sentences that carry their header: "指标：地区生产总值；单位：亿元；…"."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

Cell = str | None  # None: a cell covered by a merge (the cell above or to the left holds the text)
FIELD_SEP = "，"  # not "；": that ends a sentence, and a row must stay one sentence to be quoted whole
KEY_SEP = "："
_SPACE = re.compile(r"\s+")
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_SPACE_IN_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}])")
_NUMBER = re.compile(r"^[-+−～~]?[\d.,，%％]+$")
# a row line as row_sentences writes it: two or more short "key：value" fields
_FIELD = re.compile(rf"^([^{KEY_SEP}{FIELD_SEP}。，,]{{1,16}}){KEY_SEP}([^{FIELD_SEP}]*)$")


def _clean(cell: Cell) -> str:
    """A cell's text on one line: where it wrapped, closed up unless between two Latin words."""
    text = ""
    for part in (p.strip() for p in (cell or "").splitlines()):
        latin = text[-1:].isascii() and text[-1:].isalpha() and part[:1].isascii() and part[:1].isalpha()
        text += (" " if latin else "") + part
    text = _SPACE_IN_HAN.sub("", text)
    return _SPACE.sub(" ", text).replace(FIELD_SEP, "、")


def _filled(rows: Sequence[Sequence[Cell]]) -> list[list[str]]:
    """Rows of equal width, a merged cell's text repeated in every cell it covers."""
    width = max((len(r) for r in rows), default=0)
    out: list[list[str]] = []
    for r, row in enumerate(rows):
        cells = list(row) + [""] * (width - len(row))
        line: list[str] = []
        for c, cell in enumerate(cells):
            if cell is None:  # covered: by the cell to the left in a header row, else by the one above
                line.append(line[c - 1] if c and r == 0 else (out[r - 1][c] if r else ""))
            else:
                line.append(_clean(cell))
        out.append(line)
    return out


def _is_header(row: list[str]) -> bool:
    """Whether a row labels columns: no cell is a bare number."""
    return any(row) and not any(_NUMBER.match(cell) for cell in row if cell)


def header_rows(rows: list[list[str]]) -> int:
    """How many of the first rows are the header: the first, and a second that spans under it."""
    if len(rows) < 2 or not _is_header(rows[0]):
        return 0
    first, second = rows[0], rows[1]
    # a two-row header: the first row's merged cell repeats over columns the second row splits
    spans = any(a and a == b for a, b in itertools.pairwise(first))
    return 2 if spans and len(rows) > 2 and _is_header(second) else 1


def row_sentences(rows: Sequence[Sequence[Cell]]) -> list[str]:
    """One line per body row, each cell labelled with its column's header; without a header: cells joined."""
    table = [r for r in _filled(rows) if any(r)]
    n = header_rows(table)
    if not n or n == len(table):  # no header, or nothing under it: the cells as they stand
        return [" | ".join(r) for r in table]
    keys = []
    for column in zip(*table[:n], strict=True):
        parts = [p for i, p in enumerate(column) if p and p not in column[:i]]
        keys.append(" ".join(parts).replace(KEY_SEP, " ").strip())
    lines = []
    for row in table[n:]:
        fields = [
            f"{k or '列' + str(i + 1)}{KEY_SEP}{v}"
            for i, (k, v) in enumerate(zip(keys, row, strict=True))
            if v
        ]
        if fields:
            lines.append(FIELD_SEP.join(fields))
    return lines


def row_keys(line: str) -> tuple[str, ...] | None:
    """The keys of a line written by row_sentences, or None for any other line."""
    fields = line.strip().split(FIELD_SEP)
    if len(fields) < 2:
        return None
    keys = []
    for field in fields:
        match = _FIELD.match(field)
        if match is None:
            return None
        keys.append(match.group(1))
    return tuple(keys)
