"""One reader per file format, in a table keyed by suffix: a file's bytes in, its pages of text out."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from ingest.limits import DEFAULT_LIMITS, MIB, LoadError, Pages, ReadLimits, megabytes
from ingest.tables import row_sentences

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

# Byte-order marks, longest first: UTF-32LE's starts with UTF-16LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE = ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be")  # UTF-32 first: as UTF-16 it has NUL characters
_SAMPLE = 8192
_NOT_TEXT = frozenset({"Cs", "Co", "Cn"})  # surrogates, private use, unassigned: never in real text


def _plausible(text: str) -> bool:
    """Whether decoded text looks like a plan's: no control or unassigned characters, mostly ASCII or CJK."""
    if not text.strip():
        return False
    for c in text:
        if (ord(c) < 32 and c not in "\t\n\r\x0c") or unicodedata.category(c) in _NOT_TEXT:
            return False
    textual = sum(1 for c in text if c.isascii() or "\u2000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
    return textual >= 0.9 * len(text)


def _wide_text(data: bytes) -> str | None:
    """UTF-32 or UTF-16 text: by its byte-order mark, else by the NUL bytes its ASCII characters leave.

    Without a mark, four or more NUL bytes in the first 8 KiB make each wide encoding a candidate; one whose
    sample decodes to plausible text wins. Random bytes decode to unassigned and private-use characters.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise LoadError(f"undecodable text (starts with a {codec} byte-order mark): {exc}") from exc
            head = text[:_SAMPLE]  # a binary that happens to start with the mark decodes to unassigned code
            if sum(1 for c in head if unicodedata.category(c) in _NOT_TEXT) > 0.05 * len(head):
                raise LoadError(f"binary file (starts with a {codec} byte-order mark, but is not text)")
            return text
    sample = data[:_SAMPLE]
    if sample.count(0) < 4:
        return None
    for codec in _WIDE:
        try:
            # incremental: a character cut by the end of the sample is not an error
            if not _plausible(codecs.getincrementaldecoder(codec)().decode(sample, final=False)):
                continue
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16/32, else the detected encoding (GB18030/GBK and others)."""
    if not data.strip():
        raise LoadError("empty file")
    wide = _wide_text(data)
    if wide is not None:
        return wide
    if b"\x00" in data[:_SAMPLE]:
        raise LoadError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    detected = best.encoding.lower() if best is not None and best.encoding else "gb18030"
    # detection gives up on some GB18030 plan text, so that (a Chinese plan's usual legacy encoding) is tried
    encoding = "gb18030" if detected in {"gbk", "gb2312", "gb18030", "hz"} else detected
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise LoadError(f"undecodable text (not UTF-8, nor {encoding}): {exc}") from exc


def read_text(data: bytes, limits: ReadLimits) -> Pages:
    """A plain-text or Markdown file: one page."""
    return [(None, decode(data))]


_HTML_BLOCKS = frozenset(
    (
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
        "p", "pre", "section", "table", "title", "ul",
    )
)  # fmt: skip
_HTML_SKIPPED = frozenset(("script", "style", "noscript", "template"))


class _End(Enum):
    """Where a block element, a table cell, a table row or a whole table ends, on the walk's stack."""

    BLOCK = 1
    CELL = 2
    ROW = 3
    TABLE = 4


def html_text(soup: BeautifulSoup) -> str:
    """The page's text: a line break after each block element, a table's rows as ingest.tables writes them.

    One walk with a stack of its own, so the time is linear in the number of nodes and nothing recurses,
    however deep the nesting (inserting the line breaks into the tree instead, with insert_after, costs the
    depth of the tree each time: 100,000 nested elements took ten minutes).
    """
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    row: list[list[str]] | None = None  # the cells of the table row being read
    table: list[list[str]] | None = None  # the rows of the (outermost) table being read
    in_cell = False
    stack: list[object] = list(reversed(soup.contents))
    while stack:
        item = stack.pop()
        if item is _End.BLOCK:
            out.append("\n")
        elif item is _End.CELL:
            in_cell = False
        elif item is _End.ROW:
            cells = [" ".join(cell) for cell in row or []]
            if table is None:  # a row outside any table element
                out.append(" | ".join(cells) + "\n")
            else:
                table.append(cells)
            row = None
        elif item is _End.TABLE:
            out.append("\n" + "\n".join(row_sentences(table or [])) + "\n")
            table = None
        elif isinstance(item, Tag):
            if item.name in _HTML_SKIPPED:
                continue
            if item.name == "table" and table is None and row is None:
                table = []
                stack.append(_End.TABLE)
            elif item.name == "tr" and row is None:
                row = []
                stack.append(_End.ROW)
            elif item.name in ("td", "th") and row is not None and not in_cell:
                row.append([])
                in_cell = True
                stack.append(_End.CELL)
            elif item.name in _HTML_BLOCKS and row is None:  # only block elements end a line, not b, a, span
                stack.append(_End.BLOCK)
            stack.extend(reversed(item.contents))
        elif type(item) in (NavigableString, CData):  # not comments, doctypes, script or ruby annotations
            if row is None:
                out.append(str(item))
            elif in_cell and (stripped := str(item).strip()):
                row[-1].append(stripped)  # a cell's text is its strings, stripped and joined by spaces
    return "".join(out)


def read_html(data: bytes, limits: ReadLimits) -> Pages:
    """A web page's visible text, without scripts and styles."""
    from bs4 import BeautifulSoup

    text = html_text(BeautifulSoup(decode(data), "lxml"))
    return [(None, "\n".join(line.strip() for line in text.splitlines() if line.strip()))]


# the readers of structured formats import LoadError and the limits from ingest.limits, not from here
from ingest.pdf import read_pdf  # noqa: E402
from ingest.word import read_docx  # noqa: E402

__all__ = ["DEFAULT_LIMITS", "MIB", "LoadError", "Pages", "ReadLimits", "megabytes"]

Reader = Callable[[bytes, ReadLimits], Pages]
READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}
