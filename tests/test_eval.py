"""The evaluator: metric functions on small hand-made outcomes, the report, the gate, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from eval.baselines import build_naive
from eval.dataset import DatasetError, Item, load_items
from eval.gate import GateError, Limits, failures, load_thresholds
from eval.metrics import (
    Cited,
    Outcome,
    answer_correct,
    evidence_ranks,
    percentile,
    quote_valid,
    recall_at,
    reciprocal_rank,
    script_matches,
)
from eval.registry import score
from eval.report import write_report
from eval.run import Evaluation, summarize
from eval.systems import lead_sentences
from qa.script import to_simplified
from tests.fakes import BigramEmbeddings
from ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
FOREST = "森林覆蓋率達到69.1%"  # Traditional evidence; the chunk it sits in is matched in Simplified
PATH = "第一章 全面建成小康社会 > 第一节 “十三五”时期发展成就"


def item(**changes: object) -> Item:
    base = Item(
        id="ch-003",
        doc="conghua",
        question="從化森林覆蓋率是多少？",
        answer="69.1%",
        must_include=("69.1%",),
        evidence=(FOREST,),
        section=PATH,
        type="number",
        lang="zh-Hant",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def unanswerable(item_id: str, lang: str = "zh-Hans") -> Item:
    return item(
        id=item_id, doc="none", must_include=(), evidence=(), section="", type="unanswerable", lang=lang
    )


def passage(text: str, path: str = PATH) -> str:
    return f"{to_simplified(path)}\n{to_simplified(text)}"


def outcome(
    item_id: str,
    answer: str = "",
    refused: bool = False,
    retrieved: tuple[str, ...] = (),
    citations: tuple[Cited, ...] = (),
) -> Outcome:
    timings = {"retrieve": 10.0, "answer": 1.0, "total": 11.0}
    return Outcome(item_id, answer, refused, retrieved, citations, timings)


# ---------------------------------------------------------------- retrieval


def test_traditional_evidence_is_found_in_a_simplified_chunk_and_ranked() -> None:
    retrieved = (passage("绿色发展。"), passage("生态优先,森林覆盖率达到69.1%,获评中国十佳绿色城市。"))
    assert evidence_ranks(item(), retrieved) == [2]
    assert recall_at(item(), retrieved, 1) == 0.0
    assert recall_at(item(), retrieved, 3) == 1.0
    assert reciprocal_rank(item(), retrieved) == 0.5


def test_the_section_path_counts_as_part_of_the_chunk() -> None:
    glossary = item(evidence=("附件2 名詞解釋",))
    assert evidence_ranks(glossary, (passage("白鹅潭……", "附件2 名词解释 > 白鹅潭"),)) == [1]


def test_recall_is_the_share_of_evidence_strings_found() -> None:
    listing = item(evidence=("莲麻小镇、生态设计小镇", "西塘童话小镇等一批"))
    retrieved = (passage("莲麻小镇、生态设计小镇相继建成"), passage("无关内容"))
    assert recall_at(listing, retrieved, 10) == 0.5
    assert reciprocal_rank(listing, ()) == 0.0


# ---------------------------------------------------------------- answers, citations, refusals


def test_answer_accuracy_normalises_script_and_needs_every_must_include() -> None:
    pair = item(must_include=("45224元", "城镇居民"))
    assert answer_correct(pair, "城鎮居民45224元，農村居民23857元")
    assert not answer_correct(pair, "城鎮居民人均可支配收入增長")


def test_a_quote_that_is_not_verbatim_is_invalid() -> None:
    text = "森林覆盖率达到69.1%,获评中国十佳绿色城市。"
    assert quote_valid(Cited(passage(text), text, "森林覆盖率达到69.1%"))
    assert not quote_valid(Cited(passage(text), text, "森林覆蓋率達到69.1%"))  # converted, not verbatim
    assert not quote_valid(Cited(passage(text), text, "森林覆盖率约为七成"))  # paraphrase
    assert not quote_valid(Cited(passage(text), text, ""))


def test_refusals_are_counted_against_unanswerable_items() -> None:
    items = [item(id="ch-1"), item(id="ch-2"), unanswerable("none-1"), unanswerable("none-2")]
    outcomes = [
        outcome("ch-1", "森林覆蓋率達到69.1%"),
        outcome("ch-2", "抱歉", refused=True),  # a false refusal
        outcome("none-1", "抱歉", refused=True),  # a right refusal
        outcome("none-2", "天河区……"),  # answered what the plans do not say
    ]
    scores = score(items, outcomes)
    assert [scores.get(m) for m in ("refusal_precision", "refusal_recall", "refusal_f1")] == [0.5, 0.5, 0.5]
    assert scores.get("answer_accuracy") == 0.5  # the refused answerable item counts as wrong
    assert scores.get("refusal_rate") == 0.5
    assert scores.get("answerable_refused") == 0.5 and scores.get("unanswerable_refused") == 0.5


def test_a_system_that_never_refuses_scores_zero_refusal_f1() -> None:
    scores = score([item(), unanswerable("none-1")], [outcome("ch-003", "69.1%"), outcome("none-1", "……")])
    assert [scores.get(m) for m in ("refusal_precision", "refusal_recall", "refusal_f1")] == [0.0, 0.0, 0.0]
    assert score([item()], [outcome("ch-003", "69.1%")]).get("refusal_f1") is None  # nothing to refuse


def test_citation_precision_and_quote_validity_over_all_citations() -> None:
    good = "森林覆盖率达到69.1%。"
    other = "城乡居民医保覆盖超过48.54万人。"
    citations = (Cited(passage(good), good, good), Cited(passage(other), other, "医保覆盖超过48万人"))
    scores = score([item()], [outcome("ch-003", "「…」[1]「…」[2]", citations=citations)])
    assert scores.get("citation_precision") == 0.5
    assert scores.get("quote_validity") == 0.5


# ---------------------------------------------------------------- script


def test_a_simplified_frame_for_a_traditional_question_is_a_script_mismatch() -> None:
    assert not script_matches("zh-Hant", "规划原文：「森林覆盖率达到69.1%。」[1]")
    # a quote keeps the source's script; only the answer's own words count
    assert script_matches("zh-Hant", "規劃原文：「森林覆盖率达到69.1%。」[1]")
    assert script_matches("zh-Hans", "规划原文：「森林覆蓋率達到69.1%。」[1]")
    assert script_matches("zh-Hant", "「森林覆盖率达到69.1%。」[1]")  # nothing of its own in either script


def test_english_questions_need_english_frame_words() -> None:
    assert script_matches("en", "The plan says:「森林覆盖率达到69.1%。」[1]")
    assert script_matches("en", "Sorry, the plans do not say.\nNearest sections:\n· 从化区：第一章（第11行）")
    assert not script_matches("en", "规划原文：「森林覆盖率达到69.1%。」[1]")
    assert not script_matches("en", "从化区：「森林覆盖率达到69.1%。」[1]")
    assert not script_matches("zh-Hans", "The plan says:「森林覆盖率达到69.1%。」[1]")


# ---------------------------------------------------------------- small pieces


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(i) for i in range(101)], 95) == 95.0


def test_lead_sentences_keep_whole_sentences_within_the_budget() -> None:
    text = "第一句。第二句很长" + "很" * 20 + "。第三句。"
    assert lead_sentences(text, max_chars=8) == "第一句。"
    assert lead_sentences(text) == text
    assert text.startswith(lead_sentences(text, max_chars=30))


def test_load_items_names_the_bad_line(tmp_path: Path) -> None:
    good = json.dumps(
        {
            "id": "x-1",
            "doc": "none",
            "question": "?",
            "answer": "-",
            "must_include": [],
            "evidence": [],
            "section": "",
            "type": "unanswerable",
            "lang": "zh-Hans",
        }
    )
    path = tmp_path / "qa.jsonl"
    path.write_text(good + "\n" + '{"id": "x-2"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="line 2: missing field"):
        load_items(path)
    path.write_text(good + "\n\n" + good + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="duplicate id 'x-1'"):
        load_items(path)


def test_the_bundled_qa_set_loads() -> None:
    items = load_items(ROOT / "eval" / "qa.jsonl")
    assert len(items) >= 150 and any(not i.answerable for i in items)


def test_gate_reports_each_metric_below_its_minimum(tmp_path: Path) -> None:
    scores = score([item()], [outcome("ch-003", "69.1%", retrieved=(passage(FOREST),))])
    assert failures(scores, Limits({"recall@5": 0.9, "answer_accuracy": 1.0})) == []
    failed = failures(scores, Limits({"recall@5": 1.01, "refusal_f1": 0.5, "bogus": 0.1}))
    assert failed[0] == "recall@5: 1.0000 is below the minimum 1.01"
    assert "not measurable" in failed[1] and "unknown metric" in failed[2]
    (tmp_path / "t.json").write_text('{"recall@5": 0.9}', encoding="utf-8")
    with pytest.raises(GateError, match="minimum"):
        load_thresholds(tmp_path / "t.json")


def test_report_files_have_the_promised_shapes(tmp_path: Path) -> None:
    items = [item(), unanswerable("none-1", "en")]
    outcomes = [
        outcome("ch-003", "規劃原文：「森林覆盖率达到69.1%。」[1]", retrieved=(passage(FOREST),)),
        outcome("none-1", "Sorry, the plans do not say.", refused=True),
    ]
    records = [{"id": o.item_id, "judged": {"script_match": True}} for o in outcomes]
    ours = summarize("ours", "test", items, outcomes)
    evaluation = Evaluation(ours, records, (replace(ours, name="naive"),), {"items": 2, "k": 10})
    paths = write_report(evaluation, tmp_path / "out")
    data = json.loads(paths[0].read_text(encoding="utf-8"))
    assert set(data) == {"metrics", "records"}
    assert data["metrics"]["overall"]["recall@5"] == 1.0
    assert data["metrics"]["baselines"]["naive"]["overall"]["refusal_f1"] == 1.0
    assert "| recall@5 | 1.000 | 1.000 (1.00×) |" in paths[1].read_text(encoding="utf-8")
    assert paths[2].read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------- naive baseline, CLI


def test_naive_pipeline_ranks_the_right_chunk_and_reuses_its_cache(tmp_path: Path) -> None:
    texts = {"a": "森林覆盖率达到69.1%。" * 30 + "\n\n" + "地区生产总值386.31亿元。" * 30}
    embedder = BigramEmbeddings()
    first = build_naive(tmp_path / "naive", embedder, texts, namespace="bigram", progress=False)
    assert first.added == first.chunks >= 2
    top = first.pipeline.search("地区生产总值是多少", 1)[0].page_content
    assert "386.31" in top
    calls = embedder.calls
    again = build_naive(tmp_path / "naive", embedder, texts, namespace="bigram", progress=False)
    assert (again.added, embedder.calls) == (0, calls)


def test_eval_cli_rejects_a_missing_qa_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--qa", str(tmp_path / "missing.jsonl"), "--index", str(tmp_path / "i")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_cli_on_two_tiny_qa_files_against_a_real_index(tmp_path: Path) -> None:
    index, out = tmp_path / "index", tmp_path / "out"
    cli = [sys.executable, "-m", "ui.cli"]
    ingest = subprocess.run(
        [*cli, "ingest", "--index", str(index), "--json", "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(ingest.stdout)["chunks"] > 300
    wanted = {"ch-001", "ch-002", "ch-003", "none-001"}  # Simplified, Traditional, English, unanswerable
    lines = [
        ln
        for ln in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(ln)["id"] in wanted
    ]
    (tmp_path / "tiny.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chat = {
        **json.loads(lines[0]),
        "id": "rd-001",
        "style": "follow-up",
        "history": ["从化区有哪些规划目标？"],
    }
    (tmp_path / "chat.jsonl").write_text(json.dumps(chat, ensure_ascii=False) + "\n", encoding="utf-8")
    gate = {
        "minimum": {"recall@10": 0.0, "quote_validity": 1.01},  # for tiny, the first file
        "files": {"chat": {"maximum": {"answer_chars_p50": 1.0}}, "elsewhere": {"minimum": {"mrr": 0.5}}},
    }
    (tmp_path / "gate.json").write_text(json.dumps(gate), encoding="utf-8")
    run = subprocess.run(
        [
            *cli,
            "eval",
            "--qa",
            str(tmp_path / "tiny.jsonl"),
            "--qa",
            str(tmp_path / "chat.jsonl"),
            "--index",
            str(index),
            "--out",
            str(out),
            "--gate",
            str(tmp_path / "gate.json"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1, run.stderr
    assert "eval gate failed: tiny: quote_validity" in run.stderr and "recall@10" not in run.stderr
    assert "eval gate failed: chat: answer_chars_p50" in run.stderr
    assert "limits for 'elsewhere', which this run does not score" in run.stderr
    rows = [ln for ln in run.stdout.splitlines() if ln.startswith(("| tiny |", "| chat |"))]
    assert [r.split(" | ")[1] for r in rows] == ["4", "1"]  # one headline row per file: its item count
    report = json.loads((out / "tiny" / "report.json").read_text(encoding="utf-8"))
    assert {r["id"] for r in report["records"]} == wanted
    record = report["records"][0]
    assert {"id", "question", "answer", "refused", "citations", "retrieved", "latency_ms"} <= set(record)
    assert set(record["latency_ms"]) == {"retrieve", "answer", "total"}
    assert report["metrics"]["overall"]["n"] == 4 and report["metrics"]["overall"]["recall@10"] > 0
    assert (out / "tiny" / "report.md").exists() and (out / "tiny" / "chart.png").exists()
    followed = json.loads((out / "chat" / "report.json").read_text(encoding="utf-8"))
    assert followed["records"][0]["history"][0]["question"] == "从化区有哪些规划目标？"
    assert list(followed["metrics"]["by_style"]) == ["follow-up"]
    assert "| chat |" in (out / "summary.md").read_text(encoding="utf-8")
