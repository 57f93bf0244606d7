"""Write an evaluation out: report.json (metrics and records), report.md and a chart of headline metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.metrics import RECALL_KS, STAGES, Scores
from eval.run import Evaluation, SystemResult

HEADLINE = (
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr",
    "answer_accuracy",
    "citation_precision",
    "quote_validity",
    "refusal_f1",
    "script_match",
)
CHART = ("recall@5", "mrr", "answer_accuracy", "citation_precision", "refusal_f1", "script_match")
GROUP_COLUMNS = (
    "n",
    "recall@5",
    "mrr",
    "answer_accuracy",
    "citation_precision",
    "refusal_rate",
    "script_match",
)
LABELS = {
    "n": "items",
    "mrr": "MRR",
    "answer_accuracy": "answer acc.",
    "citation_precision": "citation prec.",
    "quote_validity": "quote validity",
    "refusal_rate": "refused",
    "refusal_precision": "refusal P",
    "refusal_recall": "refusal R",
    "refusal_f1": "refusal F1",
    "script_match": "script match",
}
DEFINITIONS = """\
- **recall@k**: share of an answerable item's gold evidence strings found (OpenCC t2s on both sides) inside
  one of the top k retrieved chunks, where a chunk is its Simplified section path + newline + Simplified text.
- **MRR**: 1 / rank of the first retrieved chunk holding any gold evidence string (0 if none in the top k).
- **answer accuracy**: answerable items whose answer (t2s) contains every `must_include` string.
- **citation precision**: citations on answerable items whose cited chunk holds gold evidence.
- **quote validity**: citations whose quote is a verbatim substring of the cited chunk's text.
- **refusal P/R/F1**: a refusal is right when the item is unanswerable (`doc == "none"`).
- **script match**: the answer with 「…」 quotes removed is in the question's script (`detect_script`; text
  whose characters are written alike in both scripts counts as a match); for English questions the answer's
  own words must be English (it is detected as English, or its first word is).
- **evidence reachable**: share of gold evidence strings lying whole inside some indexed chunk: the
  ceiling on recall.
"""


def _value(scores: Scores, name: str) -> float | None:
    return float(scores.n) if name == "n" else scores.get(name)


def scores_json(scores: Scores) -> dict[str, Any]:
    """Scores as flat JSON: recall@k keys, values rounded to 4 places."""
    names = (
        "n",
        "answerable",
        *(f"recall@{k}" for k in RECALL_KS),
        "mrr",
        "answer_accuracy",
        "citation_precision",
        "quote_validity",
        "refusal_rate",
        "refusal_precision",
        "refusal_recall",
        "refusal_f1",
        "script_match",
    )
    out: dict[str, Any] = {}
    for name in names:
        value = scores.answerable if name == "answerable" else _value(scores, name)
        out[name] = int(value) if name in {"n", "answerable"} and value is not None else _round(value)
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def system_json(result: SystemResult) -> dict[str, Any]:
    """One system's metrics."""
    return {
        "description": result.description,
        "overall": scores_json(result.overall),
        "by_type": {k: scores_json(v) for k, v in result.by_type.items()},
        "by_lang": {k: scores_json(v) for k, v in result.by_lang.items()},
        "latency_ms": {s: {q: _round(v) for q, v in qs.items()} for s, qs in result.latency_ms.items()},
        "evidence_reachable": _round(result.evidence_reachable),
    }


def report_json(evaluation: Evaluation) -> dict[str, Any]:
    """The report.json object: {"metrics": …, "records": […]}; metrics.overall etc. are ours."""
    metrics = {
        "config": evaluation.config,
        **system_json(evaluation.ours),
        "baselines": {b.name: system_json(b) for b in evaluation.baselines},
        "notes": list(evaluation.notes),
    }
    return {"metrics": metrics, "records": evaluation.records}


def _fmt(value: float | None, name: str = "") -> str:
    if value is None:
        return "–"
    if name == "n":
        return str(int(value))
    if name == "ms":
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    return f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [header, ["---"] * len(header), *rows]
    return ["| " + " | ".join(cells) + " |" for cells in lines]


def headline_table(evaluation: Evaluation) -> list[str]:
    """Ours beside each baseline, each baseline value with its ratio to ours."""
    systems = [evaluation.ours, *evaluation.baselines]
    rows = []
    for name in HEADLINE:
        ours = evaluation.ours.overall.get(name)
        cells = [LABELS.get(name, name), _fmt(ours)]
        for baseline in evaluation.baselines:
            theirs = baseline.overall.get(name)
            ratio = f" ({theirs / ours:.2f}×)" if theirs is not None and ours else ""
            cells.append(_fmt(theirs) + ratio)
        rows.append(cells)
    for stage in STAGES:
        for q in ("p50", "p95"):
            rows.append([f"{stage} ms {q}", *(_fmt(s.latency_ms[stage][q], "ms") for s in systems)])
    rows.append(["evidence reachable", *(_fmt(s.evidence_reachable) for s in systems)])
    return _table(["metric", *(s.name for s in systems)], rows)


def group_table(groups: dict[str, Scores]) -> list[str]:
    """One row per group (question type or language)."""
    rows = [[name, *(_fmt(_value(s, c), c) for c in GROUP_COLUMNS)] for name, s in groups.items()]
    return _table(["group", *(LABELS.get(c, c) for c in GROUP_COLUMNS)], rows)


def report_markdown(evaluation: Evaluation) -> str:
    """The human-readable report."""
    c = evaluation.config
    lines = [
        f"# PlanQA evaluation — {c.get('qa', 'QA set')}",
        "",
        f"{c.get('date', '')} · {c.get('machine', '')}  ",
        f"{c.get('items')} items · backend `{c.get('backend')}` · k = {c.get('k')} · "
        f"index `{c.get('index', '')}`",
        "",
        "## Headline" + (": ours vs baselines (× = baseline / ours)" * bool(evaluation.baselines)),
        "",
        *headline_table(evaluation),
        "",
        "![headline metrics](chart.png)",
        "",
    ]
    for baseline in evaluation.baselines:
        lines.append(f"- **{baseline.name}**: {baseline.description}")
    lines += [
        "",
        "## Ours by question type",
        "",
        *group_table(evaluation.ours.by_type),
        "",
        "## Ours by question language",
        "",
        *group_table(evaluation.ours.by_lang),
        "",
    ]
    wrong = [r["id"] for r in evaluation.records if r["judged"].get("answer_correct") is False]
    missed = [r["id"] for r in evaluation.records if r["judged"].get("first_evidence_rank", 0) is None]
    bad_refusals = [r["id"] for r in evaluation.records if r["judged"].get("refusal_correct") is False]
    mismatched = [r["id"] for r in evaluation.records if not r["judged"]["script_match"]]
    lines += [
        "## Items to look at",
        "",
        f"- answer missing a must-include string ({len(wrong)}): {', '.join(wrong) or '—'}",
        f"- no gold evidence retrieved in the top k ({len(missed)}): {', '.join(missed) or '—'}",
        f"- unanswerable but answered ({len(bad_refusals)}): {', '.join(bad_refusals) or '—'}",
        f"- answer not in the question's script ({len(mismatched)}): {', '.join(mismatched) or '—'}",
        "",
        "## Definitions",
        "",
        DEFINITIONS,
        "## Notes",
        "",
        *(f"- {n}" for n in evaluation.notes),
        "",
    ]
    return "\n".join(lines)


def write_chart(evaluation: Evaluation, path: Path) -> None:
    """A grouped bar chart of the headline metrics, one colour per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [evaluation.ours, *evaluation.baselines]
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for n, system in enumerate(systems):
        values = [system.overall.get(m) or 0.0 for m in CHART]
        positions = [i + (n - (len(systems) - 1) / 2) * width for i in range(len(CHART))]
        bars = ax.bar(positions, values, width, label=system.name)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks(range(len(CHART)), [LABELS.get(m, m) for m in CHART])
    ax.set_ylim(0, 1.18)
    ax.set_ylabel("score")
    config = evaluation.config
    ax.set_title(f"PlanQA evaluation ({config.get('items')} items, k = {config.get('k')})")
    ax.legend(loc="upper center", ncol=len(systems), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(evaluation: Evaluation, out_dir: Path) -> list[Path]:
    """Write report.json, report.md and chart.png into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.json", out_dir / "report.md", out_dir / "chart.png"]
    data = json.dumps(report_json(evaluation), ensure_ascii=False, indent=1)
    paths[0].write_text(data + "\n", encoding="utf-8")
    paths[1].write_text(report_markdown(evaluation), encoding="utf-8")
    write_chart(evaluation, paths[2])
    return paths
