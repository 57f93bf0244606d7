"""A Word document's text in body order: heading styles as Markdown headings, list numbers as written,
tables as one line per row that carries its header (ingest.tables).

Word keeps a list's numbers ("一、", "1.") out of the paragraph text, and a heading's level in its style;
both go back into the text here, so the outline reads a DOCX the way it reads a plain-text plan.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from ingest.limits import MIB, LoadError, Pages, ReadLimits, megabytes
from ingest.tables import Cell, row_sentences

_HEADING_STYLE = re.compile(r"^(?:heading|标题|標題)\s*([1-9])$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CHINESE_DIGITS = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_STEMS = "甲乙丙丁戊己庚辛壬癸"


def _chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五, 110 → 一百一十; from 1000 on, digits."""
    if n < 1 or n >= 1000:
        return str(n)
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" + (_CHINESE_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if not rest:
        tail = ""
    elif rest < 10:
        tail = "零" + _CHINESE_DIGITS[rest]
    else:
        tail = ("一" if rest < 20 else "") + _chinese(rest)
    return _CHINESE_DIGITS[hundreds] + "百" + tail


def _roman(n: int) -> str:
    out = ""
    values = (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1)
    letters_of = ("m", "cm", "d", "cd", "c", "xc", "l", "xl", "x", "ix", "v", "iv", "i")
    for value, letters in zip(values, letters_of, strict=True):
        while n >= value:
            out, n = out + letters, n - value
    return out


def number_text(n: int, fmt: str) -> str:
    """A list counter written in one of Word's number formats (w:numFmt)."""
    if fmt.startswith("chineseCounting") or fmt in (
        "ideographDigital",
        "taiwaneseCounting",
        "japaneseCounting",
    ):
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt in ("ideographTraditional",):
        return _STEMS[(n - 1) % len(_STEMS)]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class Numbering:
    """Word's list numbering: the label each numbered paragraph shows, counted in body order."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId → ilvl → (start, format, text)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(f"{_W}abstractNumId"): a for a in root.iter(f"{_W}abstractNum")}
        for num in root.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            definition = abstract.get(ref.get(f"{_W}val")) if ref is not None else None
            if definition is None:
                continue
            levels = {}
            for lvl in definition.iter(f"{_W}lvl"):
                start, fmt, text = lvl.find(f"{_W}start"), lvl.find(f"{_W}numFmt"), lvl.find(f"{_W}lvlText")
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    int(start.get(f"{_W}val", "1")) if start is not None else 1,
                    fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                    text.get(f"{_W}val", "") if text is not None else "",
                )
            self.levels[num.get(f"{_W}numId", "")] = levels

    def label(self, num_id: str, ilvl: int) -> str:
        """The next label of this list at this level ("一、", "1."); bullets have none."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels or levels[ilvl][1] in ("bullet", "none"):
            return ""
        counts = self.counters.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]  # a deeper level starts again under each new item
        text = levels[ilvl][2]
        for k, (start, fmt, _) in levels.items():
            text = text.replace(f"%{k + 1}", number_text(counts.get(k, start), fmt))
        return text


def _style_chain(paragraph: Any) -> Iterator[Any]:
    """The paragraph's style and the styles it is based on."""
    style = paragraph.style
    seen = 0
    while style is not None and seen < 20:  # a style cycle in a hostile file ends here
        yield style
        style, seen = style.base_style, seen + 1


def heading_depth(paragraph: Any) -> int | None:
    """A paragraph's heading level (1 for Heading 1 / 标题 1 / outline level 0), or None for body text."""
    ppr = paragraph._p.pPr
    outline = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    for style in _style_chain(paragraph):
        match = _HEADING_STYLE.match((style.name or "").strip())
        if match:
            return int(match.group(1))
        if outline is None:
            spr = style.element.pPr
            outline = spr.find(f"{_W}outlineLvl") if spr is not None else None
    if outline is not None and (value := outline.get(f"{_W}val", "9")).isdigit() and int(value) < 9:
        return int(value) + 1
    return None


def _list_place(paragraph: Any) -> tuple[str, int] | None:
    """The (numId, level) a paragraph is numbered by, directly or through its style."""
    for element in [paragraph._p.pPr, *(s.element.pPr for s in _style_chain(paragraph))]:
        num = element.find(f"{_W}numPr") if element is not None else None
        if num is None:
            continue
        num_id, ilvl = num.find(f"{_W}numId"), num.find(f"{_W}ilvl")
        if num_id is not None:
            return num_id.get(f"{_W}val", ""), int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0
    return None


def paragraph_line(paragraph: Any, numbering: Numbering) -> str:
    """A paragraph as one line: its list label put back, a heading marked with its level's '#'s."""
    text = paragraph.text.strip()
    place = _list_place(paragraph)
    if place is not None and text:
        label = numbering.label(*place)
        text = (label + text) if label and not text.startswith(label) else text
    depth = heading_depth(paragraph)
    return f"{'#' * min(depth, 6)} {text}" if depth and text else text


def table_cells(table: Any) -> list[list[Cell]]:
    """A table's cells by grid column: None where a merge covers from above; a spanned cell repeats."""
    rows: list[list[Cell]] = []
    for tr in table._tbl.tr_lst:
        cells: list[Cell] = []
        for tc in tr.tc_lst:
            text = "".join(t.text or "" for t in tc.iter(f"{_W}t"))
            covered = tc.vMerge == "continue"
            cells.extend([None if covered else text] * max(tc.grid_span, 1))
        rows.append(cells)
    return rows


def _unpacked(data: bytes, limit: int) -> bytes:
    """The archive rebuilt from what its members really unpack to, if that is at most `limit` bytes.

    The declared sizes are checked first, then the bytes are counted through a capped stream. A header may
    understate a member: zipfile then stops at the declared size (and fails the CRC check), but reading a
    member whole, as python-docx does, it inflates all of it first. So python-docx gets only the bytes read
    here, at most `limit`, never the original archive.
    """
    import zipfile

    allowed = f"the {megabytes(limit)} allowed (PLANQA_MAX_UNPACKED_MB): refused as a possible zip bomb"
    unpacked: dict[str, bytes] = {}  # by name: of two members named alike, zipfile reads the last
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        declared = sum(m.file_size for m in members)
        if declared > limit:
            raise LoadError(f"archive unpacks to {megabytes(declared)}, more than {allowed}")
        total = 0
        for member in members:
            blocks: list[bytes] = []
            with archive.open(member) as stream:
                while block := stream.read(min(MIB, limit - total + 1)):
                    total += len(block)
                    if total > limit:
                        raise LoadError(f"archive unpacks to more than its header says and {allowed}")
                    blocks.append(block)
            unpacked[member.filename] = b"".join(blocks)
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as copy:  # stored, not deflated: python-docx reads it straight back
        for name, content in unpacked.items():
            copy.writestr(name, content)
    return rebuilt.getvalue()


def read_docx(data: bytes, limits: ReadLimits) -> Pages:
    """A Word document's paragraphs and table rows, in body order."""
    import zipfile
    import zlib

    import docx
    from docx.opc.exceptions import OpcError
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(_unpacked(data, limits.unpacked_bytes)))
        numbering = Numbering(document)
        parts: list[str] = []
        for item in document.iter_inner_content():  # body order, so a table stays under its heading
            if isinstance(item, Table):
                parts.extend(row_sentences(table_cells(item)))
            else:
                parts.append(paragraph_line(item, numbering))
    except (
        OpcError, zipfile.BadZipFile, XMLSyntaxError, zlib.error, EOFError, KeyError, ValueError, OSError,
        NotImplementedError, RuntimeError,  # an unsupported compression method; an encrypted member
    ) as exc:  # fmt: skip
        raise LoadError(f"corrupt or unreadable DOCX: {exc}") from exc
    return [(None, "\n".join(parts))]
