"""QA sets with wording styles and chat histories: loading, replaying the history, per-style scores,
several files in one run, and the gate's per-file limits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from eval.dataset import PLAN_STYLE, DatasetError, load_items, load_sets
from eval.gate import GateError, Limits, Thresholds, failures, load_thresholds
from eval.report import report_json, report_markdown, write_reports
from eval.run import evaluate_sets, summarize
from eval.systems import run_chain
from qa.chain import QAChain
from qa.types import Answer
from tests.test_eval import item, outcome, unanswerable
from tests.ui_index import plans_chain
from ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
GDP_Q = "从化区2020年的地区生产总值是多少？"


def line(**changes: object) -> str:
    base: dict[str, object] = {
        "id": "rd-001",
        "doc": "conghua",
        "question": GDP_Q,
        "answer": "386.31亿元",
        "must_include": ["386.31亿元"],
        "evidence": ["386.31亿元"],
        "section": "第一章",
        "type": "number",
        "lang": "zh-Hans",
    }
    return json.dumps({**base, **changes}, ensure_ascii=False)


class EchoChain:
    """A chat that answers each question with "答：" + the question and records every call it gets.

    Each answer's total time is its call number, so a test can tell which call's timings were scored.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def ask(
        self, question: str, history: Sequence[tuple[str, str]] = (), district: str | None = None
    ) -> Answer:
        self.calls.append((question, tuple(history)))
        total = float(len(self.calls))
        return Answer(question, f"答：{question}", False, "echo", timings_ms={"total": total})


# ---------------------------------------------------------------- the two new fields


def test_old_sets_load_as_plan_worded_standalone_questions() -> None:
    for name in ("qa.jsonl", "qa_holdout.jsonl"):
        items = load_items(ROOT / "eval" / name)
        assert {i.style for i in items} == {PLAN_STYLE} and all(i.history == () for i in items)


def test_style_and_history_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "resident.jsonl"
    path.write_text(line(style="follow-up", history=["从化区有什么目标？", "GDP呢"]) + "\n", encoding="utf-8")
    (got,) = load_items(path)
    assert (got.style, got.history) == ("follow-up", ("从化区有什么目标？", "GDP呢"))
    bad = {
        "style must be one of": line(style="slang"),
        "history must be a list": line(history="从化区有什么目标？"),
        "history must be a list of non-empty": line(history=["从化区", "  "]),
    }
    for message, text in bad.items():
        path.write_text(text + "\n", encoding="utf-8")
        with pytest.raises(DatasetError, match=f"line 1: {message}"):
            load_items(path)


def test_two_qa_files_may_not_share_a_name(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "qa.jsonl").write_text(line() + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="two QA files named 'qa'"):
        load_sets([tmp_path / "a" / "qa.jsonl", tmp_path / "b" / "qa.jsonl"])


# ---------------------------------------------------------------- history replay


def test_earlier_questions_are_asked_in_order_and_only_the_last_answer_is_scored() -> None:
    chain = EchoChain()
    chat = item(id="rd-1", question="那荔湾呢？", history=("从化的森林覆盖率？", "它的目标呢？"))
    standalone = item(id="rd-2", question="荔湾的道路密度？")
    outcomes, records = run_chain(chain, [chat, standalone], progress=False)
    first = ("从化的森林覆盖率？", "答：从化的森林覆盖率？")
    second = ("它的目标呢？", "答：它的目标呢？")
    assert chain.calls[1:] == [  # calls[0] is the warm-up
        ("从化的森林覆盖率？", ()),
        ("它的目标呢？", (first,)),
        ("那荔湾呢？", (first, second)),
        ("荔湾的道路密度？", ()),
    ]
    assert [o.answer for o in outcomes] == ["答：那荔湾呢？", "答：荔湾的道路密度？"]
    assert [o.timings_ms["total"] for o in outcomes] == [4.0, 5.0]  # the last turn's own timings
    assert records[0]["history"] == [{"question": q, "answer": a} for q, a in (first, second)]
    assert records[1]["history"] == [] and records[0]["style"] == PLAN_STYLE


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def test_the_real_chain_answers_a_follow_up_after_its_replayed_history(chain: QAChain) -> None:
    follow_up = item(id="rd-3", question="那荔湾区呢？", style="follow-up", history=(GDP_Q,))
    _, records = run_chain(chain, [follow_up], progress=False)
    assert records[0]["history"] == [{"question": GDP_Q, "answer": chain.ask(GDP_Q).text}]
    assert "386.31亿元" in records[0]["history"][0]["answer"]
    assert records[0]["answer"] != records[0]["history"][0]["answer"]  # the follow-up got its own answer


# ---------------------------------------------------------------- per-style scores


def test_scores_are_grouped_by_style_in_first_seen_order() -> None:
    items = [
        item(id="a", style="colloquial"),
        item(id="b", style="typo"),
        item(id="c", style="colloquial"),
        unanswerable("d"),
    ]
    outcomes = [
        outcome("a", "69.1%"),
        outcome("b", "森林"),
        outcome("c", "抱歉", refused=True),
        outcome("d", "…"),
    ]
    result = summarize("ours", "test", items, outcomes)
    assert list(result.by_style) == ["colloquial", "typo", PLAN_STYLE]
    colloquial = result.by_style["colloquial"]
    assert (colloquial.n, colloquial.get("answer_accuracy"), colloquial.get("answerable_refused")) == (
        2,
        0.5,
        0.5,
    )
    assert result.by_style["typo"].get("answer_accuracy") == 0.0


# ---------------------------------------------------------------- several files in one run


def test_each_qa_file_is_scored_on_its_own_and_reported_in_its_own_folder(
    chain: QAChain, tmp_path: Path
) -> None:
    (tmp_path / "qa.jsonl").write_text(line(id="q-1") + "\n", encoding="utf-8")
    chat = [
        line(id="rd-1", question="从化区2020年的地区生产总值", style="paraphrase"),
        line(id="rd-2", question="那荔湾区呢？", style="follow-up", history=[GDP_Q], doc="liwan"),
        line(id="rd-3", doc="none", question="天河区的地铁规划是什么？", must_include=[], evidence=[]),
    ]
    (tmp_path / "resident.jsonl").write_text("\n".join(chat) + "\n", encoding="utf-8")
    sets = load_sets([tmp_path / "qa.jsonl", tmp_path / "resident.jsonl"])
    evaluations = evaluate_sets(chain, sets, config={"index": "test"}, progress=False)
    assert [e.config["qa"] for e in evaluations] == ["qa.jsonl", "resident.jsonl"]
    assert [e.ours.overall.n for e in evaluations] == [1, 3]
    assert list(evaluations[1].ours.by_style) == ["paraphrase", "follow-up", PLAN_STYLE]
    runs = [(s.name, e) for s, e in zip(sets, evaluations, strict=True)]
    paths = write_reports(runs, tmp_path / "out")
    assert {p.relative_to(tmp_path / "out").as_posix() for p in paths} == {
        "qa/report.json",
        "qa/report.md",
        "qa/chart.png",
        "resident/report.json",
        "resident/report.md",
        "resident/chart.png",
        "summary.md",
    }
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert (
        "| qa | 1 |" in summary
        and "| resident | 3 |" in summary
        and "[resident](resident/report.md)" in summary
    )
    record = json.loads((tmp_path / "out" / "resident" / "report.json").read_text(encoding="utf-8"))[
        "records"
    ][1]
    assert record["history"][0]["question"] == GDP_Q
    assert "## Ours by wording style" in report_markdown(evaluations[1])
    assert set(report_json(evaluations[1])["metrics"]["by_style"]) == {"paraphrase", "follow-up", PLAN_STYLE}
    alone = write_reports(runs[:1], tmp_path / "one")
    assert [p.name for p in alone] == ["report.json", "report.md", "chart.png"]  # one file: no subfolder
    assert alone[0].parent == tmp_path / "one"


# ---------------------------------------------------------------- the gate's limits per file


def test_the_gate_holds_the_first_file_to_the_top_level_limits_and_named_files_to_their_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(
        json.dumps(
            {
                "minimum": {"recall@5": 0.9},
                "files": {"resident": {"maximum": {"answerable_refused": 0.1}}},
                "measured": {"recall@5": 0.95},
            }
        ),
        encoding="utf-8",
    )
    thresholds = load_thresholds(path)
    assert thresholds.assign(["qa", "resident", "qa_holdout"]) == {
        "qa": Limits({"recall@5": 0.9}),
        "resident": Limits({}, {"answerable_refused": 0.1}),
    }
    assert thresholds.assign(["resident", "qa"]) == {"resident": Limits({}, {"answerable_refused": 0.1})}
    assert Thresholds(Limits()).assign(["qa"]) == {}
    shipped = load_thresholds(ROOT / "eval" / "thresholds.json")
    assert set(shipped.assign(["qa"])["qa"].minimum) == {"recall@5", "answer_accuracy", "refusal_f1"}


def test_a_maximum_fails_when_the_value_is_above_it() -> None:
    scores = summarize(
        "ours", "t", [item(id="a"), item(id="b")], [outcome("a", "69.1%"), outcome("b", "抱歉", refused=True)]
    ).overall
    assert failures(scores, Limits(maximum={"answerable_refused": 0.5})) == []
    assert failures(scores, Limits(maximum={"answerable_refused": 0.2})) == [
        "answerable_refused: 0.5000 is above the maximum 0.2"
    ]


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"minimum": {"recall@50": 0.9}}, r"unknown metric\(s\) \['recall@50'\]"),
        ({"minimum": {"recall@5": "high"}}, "values must be numbers"),
        ({"files": {"resident": {"maximum": []}}}, '"maximum" must map'),
        ({"files": ["resident"]}, '"files" must map'),
        ({"measured": {}}, "expected"),
    ],
)
def test_a_bad_thresholds_file_is_refused_with_a_reason(
    tmp_path: Path, thresholds: object, message: str
) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(thresholds), encoding="utf-8")
    with pytest.raises(GateError, match=message):
        load_thresholds(path)


def test_eval_cli_stops_before_opening_the_index_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text(line() + "\n", encoding="utf-8")
    index = tmp_path / "never-opened"
    (tmp_path / "gate.json").write_text('{"minimum": {"bogus": 1}}', encoding="utf-8")
    assert main(["eval", "--qa", str(qa), "--index", str(index), "--gate", str(tmp_path / "gate.json")]) == 2
    assert "unknown metric(s) ['bogus']" in capsys.readouterr().err
    assert main(["eval", "--qa", str(qa), "--qa", str(qa), "--index", str(index)]) == 2
    assert "two QA files named 'qa'" in capsys.readouterr().err
    assert not index.exists()
