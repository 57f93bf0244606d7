"""The `planqa` command: ingest, ask, eval, chat, brief."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from qa.settings import Settings

if TYPE_CHECKING:
    from qa.chain import QAChain


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


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.serialize import answer_json
    from qa.store import StoreError

    overrides = {"backend": args.backend} if args.backend else {}
    settings = settings.model_copy(update=overrides)
    index_dir = settings.index_path(args.index)
    try:
        chain = open_chain(settings, index_dir)
        answer = chain.ask(args.question, district=args.district)
    except (StoreError, ValueError, RuntimeError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False))
        return 0
    print(answer.text)
    for citation in answer.citations:
        chunk = citation.chunk
        print(f"[{citation.n}] {chunk.title} | {chunk.section} | 第{chunk.line_start}行", file=sys.stdout)
    return 0


def open_chain(settings: Settings, index_dir: Path) -> QAChain:
    """The answering chain over an index; an empty index is filled from the bundled plans first."""
    from ingest.index import Indexer
    from ingest.load import discover
    from qa.build import build_chain, open_store, passage_embeddings

    store = open_store(settings, index_dir)
    if store.count() == 0:
        print("索引为空，正在导入内置规划… (empty index: ingesting the bundled plans)", file=sys.stderr)
        Indexer(store, passage_embeddings(settings, index_dir), index_dir, chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap).ingest(discover([], settings.plans_dir))
    return build_chain(settings, index_dir)


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

    ask = sub.add_parser("ask", help="answer one question with citations")
    ask.add_argument("question", help="the question, in Simplified or Traditional Chinese or English")
    ask.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ask.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    ask.add_argument("--backend", choices=["extractive", "openai", "llamacpp"], help="answer backend")
    ask.add_argument("--district", help="restrict to one plan: a doc id (conghua, liwan) or district name")
    ask.set_defaults(run=_ask)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    args = parser().parse_args(argv)
    return int(args.run(args, Settings()))


if __name__ == "__main__":
    sys.exit(main())
