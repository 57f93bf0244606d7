"""The metric registry: every entry reaches report.json, report.md, the gate and eval/README.md."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from eval.gate import Limits, failures, load_thresholds
from eval.registry import METRICS, definitions, score
from eval.report import write_report
from eval.run import Evaluation, summarize
from tests.test_eval import FOREST, item, outcome, passage, unanswerable

ROOT = Path(__file__).resolve().parents[1]


def evaluation() -> Evaluation:
    items = [item(), item(id="ch-2", style="typo"), unanswerable("none-1", "en")]
    outcomes = [
        outcome("ch-003", "規劃原文：「森林覆盖率达到69.1%。」[1]", retrieved=(passage(FOREST),)),
        outcome("ch-2", "Sorry, the plans do not say.", refused=True),
        outcome("none-1", "Sorry, the plans do not say.", refused=True),
    ]
    records = [{"id": o.item_id, "refused": o.refused, "judged": {"script_match": True}} for o in outcomes]
    ours = summarize("ours", "test", items, outcomes)
    return Evaluation(ours, records, (replace(ours, name="naive"),), {"items": 3, "k": 10})


def test_every_registered_metric_is_in_report_json_and_report_md(tmp_path: Path) -> None:
    paths = write_report(evaluation(), tmp_path)
    metrics = json.loads(paths[0].read_text(encoding="utf-8"))["metrics"]
    markdown = paths[1].read_text(encoding="utf-8")
    for metric in METRICS:
        assert metric.name in metrics["overall"], metric.name
        assert metric.name in metrics["baselines"]["naive"]["overall"], metric.name
        for grouping in ("by_type", "by_lang", "by_style"):
            assert all(metric.name in group for group in metrics[grouping].values()), (metric.name, grouping)
        assert re.search(rf"^\| {re.escape(metric.label)} \|", markdown, re.M), metric.label  # a headline row
        assert metric.name in markdown.split("## Definitions")[1], metric.name
    for metric in (m for m in METRICS if m.grouped):
        assert f"| {metric.label} " in markdown.split("## Ours by question type")[1]


def test_the_new_refusal_and_length_metrics(tmp_path: Path) -> None:
    overall = evaluation().ours.overall
    assert overall.get("answerable_refused") == 0.5  # ch-2 refused, ch-003 answered
    assert overall.get("unanswerable_refused") == 1.0
    assert overall.get("answer_chars_p50") == len(
        "規劃原文：「森林覆盖率达到69.1%。」[1]"
    )  # refusals left out
    assert score([item()], [outcome("ch-003", "抱歉", refused=True)]).get("answer_chars_p50") is None


def test_the_gate_accepts_every_registered_name_as_minimum_and_maximum(tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    bounds = {m.name: 0.0 for m in METRICS}
    path.write_text(json.dumps({"minimum": bounds, "maximum": bounds}), encoding="utf-8")
    limits = load_thresholds(path).first
    assert set(limits.minimum) == set(limits.maximum) == {m.name for m in METRICS}
    scores = evaluation().ours.overall
    messages = failures(scores, Limits(bounds, {m.name: 1e9 for m in METRICS}))
    assert not any("unknown metric" in m for m in messages)
    unmeasured = [m.name for m in METRICS if scores.get(m.name) is None]  # no citations in these outcomes
    assert unmeasured and [m.split(":")[0] for m in messages] == unmeasured * 2


def test_the_readme_metric_list_is_the_registrys() -> None:
    readme = (ROOT / "eval" / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- metrics: python -m eval.registry -->\n")[1].split("\n<!-- /metrics -->")[0]
    assert block.splitlines() == definitions()
