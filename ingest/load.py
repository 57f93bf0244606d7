"""Read plan files (.txt/.md, .pdf, .docx, .html) into lines that keep their positions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from qa.script import detect_script
from qa.types import DocumentInfo, LoadedDocument, SourceLine

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx", ".html", ".htm"}
_DISTRICT = re.compile(r"[\u4e00-\u9fff]{2}[区區县縣]")
_ID_UNSAFE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff_-]+")


class LoadError(Exception):
    """A file that cannot be read as a plan; the message says why."""


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), else the detected encoding (GB18030/GBK and others)."""
    if not data.strip():
        raise LoadError("empty file")
    if b"\x00" in data[:8192]:
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


def _check_text(text: str) -> None:
    visible = [c for c in text if not c.isspace()]
    if not visible:
        raise LoadError("empty document (no text)")
    controls = sum(1 for c in visible if ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c == "\ufffd")
    if controls > 0.05 * len(visible):
        raise LoadError("binary or corrupt text (too many control characters)")


def _pages_to_lines(pages: Iterable[tuple[int | None, str]]) -> tuple[str, tuple[SourceLine, ...]]:
    texts: list[str] = []
    lines: list[SourceLine] = []
    offset = 0
    for page, page_text in pages:
        for raw in page_text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw.rstrip()
            lines.append(SourceLine(number=len(lines) + 1, start=offset, text=line, page=page))
            texts.append(line)
            offset += len(line) + 1
    return "\n".join(texts), tuple(lines)


def _read_pdf(path: Path) -> list[tuple[int | None, str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        return [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF: {exc}") from exc


def _read_docx(path: Path) -> list[tuple[int | None, str]]:
    import zipfile

    import docx
    from docx.opc.exceptions import OpcError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable DOCX: {exc}") from exc
    parts: list[str] = []
    for item in document.iter_inner_content():  # body order, so a table stays under its heading
        if isinstance(item, Table):
            parts.extend(" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows)
        else:
            parts.append(item.text)
    return [(None, "\n".join(parts))]


_HTML_BLOCKS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "title", "ul",
)  # fmt: skip


def _read_html(data: bytes) -> list[tuple[int | None, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(data), "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for row in soup.find_all("tr"):
        row.replace_with(" | ".join(c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])) + "\n")
    for tag in soup.find_all(_HTML_BLOCKS):  # only block elements end a line; inline ones (b, a, span) do not
        tag.insert_after("\n")
    text = soup.get_text()
    return [(None, "\n".join(line.strip() for line in text.splitlines() if line.strip()))]


def read_lines(path: Path) -> tuple[str, tuple[SourceLine, ...]]:
    """Read a supported file into its text and positioned lines, or raise LoadError."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; expected one of {sorted(SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise LoadError("empty file")
    if suffix == ".pdf":
        pages = _read_pdf(path)
    elif suffix == ".docx":
        pages = _read_docx(path)
    elif suffix in {".html", ".htm"}:
        pages = _read_html(data)
    else:
        pages = [(None, decode(data))]
    text, lines = _pages_to_lines(pages)
    _check_text(text)
    return text, lines


def infer_info(path: Path, text: str) -> DocumentInfo:
    """Describe a document that has no manifest entry: id from the file name, title from its first line."""
    doc_id = _ID_UNSAFE.sub("-", path.stem).strip("-").lower() or "document"
    title = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)[:120]
    districts = _DISTRICT.findall(title)
    return DocumentInfo(
        id=doc_id,
        title=title,
        district=districts[-1] if districts else "",
        script=detect_script(text[:4000]),
        source=str(path),
    )


def load_document(path: Path, info: DocumentInfo | None = None) -> LoadedDocument:
    """Load one file; the manifest's description wins over what is inferred."""
    text, lines = read_lines(path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedDocument(info=info or infer_info(path, text), text=text, lines=lines, content_hash=digest)


def read_manifest(plans_dir: Path) -> list[tuple[Path, DocumentInfo]]:
    """The plans listed in a directory's manifest.json, with their descriptions."""
    import json

    manifest = plans_dir / "manifest.json"
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"cannot read manifest {manifest}: {exc}") from exc
    return [
        (
            plans_dir / entry["file"],
            DocumentInfo(
                id=entry["id"],
                title=entry["title"],
                district=entry.get("district", ""),
                script=entry.get("script", "unknown"),
                period=entry.get("period", ""),
                source=entry.get("source", entry["file"]),
            ),
        )
        for entry in entries
    ]


def discover(paths: list[Path], plans_dir: Path) -> list[tuple[Path, DocumentInfo | None]]:
    """Files to ingest: the manifest's plans when no path is given, else the files and folders named."""
    if not paths:
        return [(path, info) for path, info in read_manifest(plans_dir)]
    described: dict[Path, DocumentInfo] = {}
    if (plans_dir / "manifest.json").exists():
        described = {path.resolve(): info for path, info in read_manifest(plans_dir)}
    found: list[tuple[Path, DocumentInfo | None]] = []
    for path in paths:
        if path.is_dir():
            if (path / "manifest.json").exists():
                found.extend(read_manifest(path))
                continue
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            files = [path]
        found.extend((f, described.get(f.resolve())) for f in files)
    return found
