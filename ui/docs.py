"""`planqa docs list|remove`, and the managed corpus wired from settings (the admin page uses it too)."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from qa.settings import Settings

if TYPE_CHECKING:
    from ingest.manage import DocumentRow, ManagedCorpus

COLUMNS = (
    "编号 id",
    "标题 title",
    "地区 district",
    "时期 period",
    "片段 chunks",
    "状态 status",
    "索引时间 indexed",
)
TITLE_WIDTH = 40  # display columns of a title in the table; --json has it whole


def open_corpus(settings: Settings, index_dir: Path) -> ManagedCorpus:
    """The index's documents and upload folder, with the limits and reader isolation of `planqa ingest`."""
    from ingest.build import build_indexer
    from ingest.manage import ManagedCorpus

    indexer = build_indexer(settings, index_dir)
    folder = settings.upload_path(index_dir)
    return ManagedCorpus(indexer, folder, plans_dir=settings.plans_dir, max_bytes=indexer.limits.file_bytes)


def status_text(row: DocumentRow) -> str:
    """indexed / indexing / failed: reason."""
    return f"{row.status}: {row.error}" if row.error and row.status == "failed" else row.status


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    out = ""
    for char in text:
        if _width(out + char) > width - 1:
            return out + "…"
        out += char
    return out


def table(rows: list[DocumentRow]) -> list[str]:
    """The documents as aligned text lines (CJK characters count two columns)."""
    cells = [
        (
            r.doc_id,
            _cut(r.title, TITLE_WIDTH),
            r.district,
            r.period,
            str(r.chunks),
            status_text(r),
            r.indexed_at,
        )
        for r in rows
    ]
    widths = [max(_width(c[i]) for c in [COLUMNS, *cells]) for i in range(len(COLUMNS))]
    return [
        "  ".join(c + " " * (w - _width(c)) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in [COLUMNS, *cells]
    ]


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from qa.store import StoreError

    try:
        rows = open_corpus(settings, settings.index_path(args.index)).documents()
    except (StoreError, OSError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False))
    else:
        print("\n".join(table(rows)))
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    from qa.store import StoreError

    try:
        removed = open_corpus(settings, settings.index_path(args.index)).remove(args.doc_id)
    except (StoreError, OSError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if not removed:
        print(f"未找到 not found: no document {args.doc_id!r} (see `planqa docs list`)", file=sys.stderr)
        return 1
    print(f"已删除 removed {args.doc_id}", file=sys.stderr)
    return 0


def add_docs_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `planqa docs list` and `planqa docs remove`."""
    docs = sub.add_parser("docs", help="list the indexed documents, or remove one")
    commands = docs.add_subparsers(dest="docs_command", required=True)
    listing = commands.add_parser("list", help="every indexed document: title, district, period, chunks…")
    listing.add_argument("--json", action="store_true", help="print one JSON array on stdout")
    listing.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    listing.set_defaults(run=_list)
    remove = commands.add_parser("remove", help="take a document out of the index (and its uploaded file)")
    remove.add_argument("doc_id", help="the document's id, as `planqa docs list` shows it")
    remove.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    remove.set_defaults(run=_remove)
