"""The `planqa` command: ingest, ask, eval, chat, brief."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.settings import Settings


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.index import Indexer
    from ingest.load import LoadError, discover
    from qa.build import open_store, passage_embeddings
    from qa.store import StoreError

    index_dir = settings.index_path(args.index)
    try:
        sources = discover([Path(p) for p in args.paths], settings.plans_dir)
        store = open_store(settings, index_dir)
        indexer = Indexer(store, passage_embeddings(settings, index_dir), index_dir,
                          chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        report = indexer.ingest(sources, prune=args.prune, progress=not args.quiet)
    except (LoadError, StoreError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(
            f"已索引 {report.documents} 份文档、{report.chunks} 个片段："
            f"新增 {report.added}，删除 {report.removed}，未变 {report.unchanged}；"
            f"用时 {report.seconds:.1f} 秒。索引位置：{index_dir}"
        )
        for failure in report.failed:
            print(f"失败 failed: {failure.path}: {failure.error}", file=sys.stderr)
    return 1 if report.failed else 0


def parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    top = argparse.ArgumentParser(prog="planqa", description="规划问答 PlanQA: cited answers from development plans.")
    sub = top.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="index plan documents (the bundled plans when no path is given)")
    ingest.add_argument("paths", nargs="*", help="files or folders (.txt .md .pdf .docx .html)")
    ingest.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    ingest.add_argument("--prune", action="store_true", help="remove documents that are no longer given")
    ingest.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(run=_ingest)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    args = parser().parse_args(argv)
    return int(args.run(args, Settings()))


if __name__ == "__main__":
    sys.exit(main())
