"""What an upload must be before it is kept: a safe name, a supported suffix, matching bytes, a size."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from ingest.formats import megabytes
from ingest.load import SUFFIXES

_SAFE_NAME = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff._-]+")
# What each suffix's bytes must look like; a text file must not start like any of these binary formats.
_PDF, _ZIP = b"%PDF-", b"PK\x03\x04"
_BINARY = (_PDF, _ZIP, b"\x7fELF", b"MZ", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SAMPLE = 8192


def check_upload(name: str, path: Path, max_bytes: int) -> str:
    """Why an uploaded file cannot be a plan ("" when it may be): its suffix, its size, its first bytes."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return (
            f"不支持的文件类型 unsupported file type {suffix or '(none)'}; expected one of {sorted(SUFFIXES)}"
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE)
    except OSError as exc:
        return f"无法读取 cannot read the upload: {exc.strerror or exc}"
    if size > max_bytes:
        return f"文件过大 file is larger than the {megabytes(max_bytes)} allowed (PLANQA_MAX_FILE_MB)"
    if not head:
        return "空文件 empty file"
    if suffix == ".pdf" and _PDF not in head[:1024]:
        return "内容不是 PDF the content is not a PDF"
    if suffix == ".docx":
        try:
            with zipfile.ZipFile(path) as archive:
                if "word/document.xml" not in archive.namelist():
                    return "内容不是 DOCX the archive has no word/document.xml"
        except (zipfile.BadZipFile, OSError):
            return "内容不是 DOCX the content is not a zip archive"
    textual = suffix not in {".pdf", ".docx"}
    if textual and (head.startswith(_BINARY) or (b"\x00" in head and not head.startswith(_WIDE_BOMS))):
        return "内容不是文本 the content is binary, not text"
    return ""


def safe_name(name: str) -> str:
    """A file name that stays inside the folder and keeps its suffix ("" when nothing usable is left)."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    stem = _SAFE_NAME.sub("-", stem).strip("-.")[:100]
    return f"{stem}{suffix.lower()}" if stem else ""
