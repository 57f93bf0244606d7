"""One reader per file format, in a table keyed by suffix: a file's bytes in, its pages of text out."""

from __future__ import annotations

import codecs
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

MIB = 1 << 20
Pages = list[tuple[int | None, str]]  # (page number or None, text of that page)


class LoadError(Exception):
    """A file that cannot be read as a plan; the message says why."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one file may cost to read; the defaults are those of the PLANQA_MAX_* settings."""

    file_bytes: int = 100 * MIB
    unpacked_bytes: int = 200 * MIB  # a DOCX is a zip: all its members together, once unpacked
    pdf_pages: int = 2000


DEFAULT_LIMITS = ReadLimits()


def megabytes(size: int) -> str:
    """A size in bytes as the MB (MiB) the settings use."""
    return f"{size / MIB:g} MB"


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


def read_pdf(data: bytes, limits: ReadLimits) -> Pages:
    """A PDF's text, page by page; a PDF with more pages than allowed is refused before any is read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
        if count > limits.pdf_pages:
            raise LoadError(
                f"PDF has {count} pages, more than the {limits.pdf_pages} allowed (PLANQA_MAX_PDF_PAGES)"
            )
        return [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF: {exc}") from exc


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
        parts: list[str] = []
        for item in document.iter_inner_content():  # body order, so a table stays under its heading
            if isinstance(item, Table):
                parts.extend(" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows)
            else:
                parts.append(item.text)
    except (
        OpcError, zipfile.BadZipFile, XMLSyntaxError, zlib.error, EOFError, KeyError, ValueError, OSError,
        NotImplementedError, RuntimeError,  # an unsupported compression method; an encrypted member
    ) as exc:  # fmt: skip
        raise LoadError(f"corrupt or unreadable DOCX: {exc}") from exc
    return [(None, "\n".join(parts))]


_HTML_BLOCKS = frozenset(
    (
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
        "p", "pre", "section", "table", "title", "ul",
    )
)  # fmt: skip
_HTML_SKIPPED = frozenset(("script", "style", "noscript", "template"))


class _End(Enum):
    """Where a block element, a table cell or a table row ends, on the walk's stack."""

    BLOCK = 1
    CELL = 2
    ROW = 3


def html_text(soup: BeautifulSoup) -> str:
    """The page's text: a line break after each block element, a table row's cells joined by ' | '.

    One walk with a stack of its own, so the time is linear in the number of nodes and nothing recurses,
    however deep the nesting (inserting the line breaks into the tree instead, with insert_after, costs the
    depth of the tree each time: 100,000 nested elements took ten minutes).
    """
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    row: list[list[str]] | None = None  # the cells of the table row being read
    in_cell = False
    stack: list[object] = list(reversed(soup.contents))
    while stack:
        item = stack.pop()
        if item is _End.BLOCK:
            out.append("\n")
        elif item is _End.CELL:
            in_cell = False
        elif item is _End.ROW:
            out.append(" | ".join(" ".join(cell) for cell in row or []) + "\n")
            row = None
        elif isinstance(item, Tag):
            if item.name in _HTML_SKIPPED:
                continue
            if item.name == "tr" and row is None:
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
