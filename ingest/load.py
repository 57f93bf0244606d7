"""Read plan files (.txt/.md, .pdf, .docx, .html) into lines that keep their positions."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ingest.formats import DEFAULT_LIMITS, READERS, LoadError, ReadLimits, megabytes
from ingest.metadata import read_metadata
from qa.types import DocumentInfo, LoadedDocument, SourceLine

SUFFIXES = frozenset(READERS)
_UNSAID = ("", "unknown")  # a manifest field left empty: the document's own word stands
_ID_UNSAFE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff_-]+")


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


def read_bytes(path: Path, limit: int) -> bytes:
    """A regular file's bytes, if there are at most `limit`; a pipe or a device may never end: refused."""
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer (it changes nothing for a regular file)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise LoadError("not a regular file (a folder, pipe or device)")
        if status.st_size > limit:
            raise LoadError(f"file is larger than the {megabytes(limit)} allowed (PLANQA_MAX_FILE_MB)")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        try:
            data = handle.read(status.st_size + 1)  # one buffer the size of the file, not of the limit
        except OSError as exc:
            raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > status.st_size:
        raise LoadError("the file grew while it was read; ingest it again once it is written")
    return data


def read_lines(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> tuple[str, tuple[SourceLine, ...]]:
    """Read a supported file into its text and positioned lines, or raise LoadError."""
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; expected one of {sorted(SUFFIXES)}")
    data = read_bytes(path, limits.file_bytes)
    if not data:
        raise LoadError("empty file")
    text, lines = _pages_to_lines(reader(data, limits))
    _check_text(text)
    return text, lines


def infer_info(path: Path, text: str) -> DocumentInfo:
    """Describe a document from itself: id from its file name, title, place, period… from its text."""
    doc_id = _ID_UNSAFE.sub("-", path.stem).strip("-").lower() or "document"
    meta = read_metadata(text)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    return DocumentInfo(
        id=doc_id,
        title=meta.title or first_line[:120],
        district=meta.district,
        script=meta.script,
        period=meta.period,
        source=str(path),
        level=meta.level,
    )


def describe(inferred: DocumentInfo, given: DocumentInfo | None) -> DocumentInfo:
    """What the document says about itself, with each field a manifest entry gives put in its place."""
    if given is None:
        return inferred
    said = {f.name: getattr(given, f.name) for f in fields(given) if getattr(given, f.name) not in _UNSAID}
    return replace(inferred, **said)


def load_document(
    path: Path, info: DocumentInfo | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> LoadedDocument:
    """Load one file, described by its own text with the manifest's fields (`info`) overriding."""
    text, lines = read_lines(path, limits)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedDocument(
        info=describe(infer_info(path, text), info), text=text, lines=lines, content_hash=digest
    )


def read_manifest(plans_dir: Path) -> list[tuple[Path, DocumentInfo]]:
    """The plans a manifest.json lists; a field an entry leaves out is read from the document itself."""
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
                title=entry.get("title", ""),
                district=entry.get("district", ""),
                script=entry.get("script", "unknown"),
                period=entry.get("period", ""),
                source=entry.get("source", entry["file"]),
                level=entry.get("level", ""),
            ),
        )
        for entry in entries
    ]


@dataclass(frozen=True, slots=True)
class Found:
    """The files to ingest, and those refused because they lead out of the folder they were found in."""

    sources: tuple[tuple[Path, DocumentInfo | None], ...]
    refused: tuple[tuple[Path, str], ...] = ()


def _in_folder(folder: Path, listed: list[tuple[Path, DocumentInfo | None]]) -> Found:
    """Keep the files that resolve inside the folder; a link (or manifest entry) leading out is refused."""
    root = folder.resolve()
    sources: list[tuple[Path, DocumentInfo | None]] = []
    refused: list[tuple[Path, str]] = []
    for path, info in listed:
        target = path.resolve()
        if target.is_relative_to(root):
            sources.append((path, info))
        else:
            refused.append((path, f"leads to {target}, outside the folder {folder} given: not followed"))
    return Found(tuple(sources), tuple(refused))


def find_sources(paths: list[Path], plans_dir: Path) -> Found:
    """Files to ingest: the manifest's plans when no path is given, else the files and folders named.

    A file named on the command line is read wherever it leads; a file found in a folder (by listing it or
    by its manifest) must resolve inside that folder, so a symbolic link cannot lead the ingest out of it.
    """
    if not paths:
        return Found(tuple(read_manifest(plans_dir)))
    described: dict[Path, DocumentInfo] = {}
    if (plans_dir / "manifest.json").exists():
        described = {path.resolve(): info for path, info in read_manifest(plans_dir)}
    sources: list[tuple[Path, DocumentInfo | None]] = []
    refused: list[tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            sources.append((path, described.get(path.resolve())))
            continue
        if (path / "manifest.json").exists():
            listed: list[tuple[Path, DocumentInfo | None]] = list(read_manifest(path))
        else:
            files = path.rglob("*")  # symbolic links to folders are not descended into
            listed = [
                (f, described.get(f.resolve()))
                for f in sorted(files)
                if f.suffix.lower() in SUFFIXES and (f.is_symlink() or f.is_file())
            ]
        found = _in_folder(path, listed)
        sources.extend(found.sources)
        refused.extend(found.refused)
    return Found(tuple(sources), tuple(refused))


def discover(paths: list[Path], plans_dir: Path) -> list[tuple[Path, DocumentInfo | None]]:
    """The files find_sources would ingest (those it refuses are left out)."""
    return list(find_sources(paths, plans_dir).sources)
