"""Write an evaluation out: report.json (metrics and records), report.md and a chart of headline metrics."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import STAGES
from eval.registry import BY_NAME, METRICS, Scores, definitions
from eval.run import Evaluation, SystemResult

CHART = tuple(m.name for m in METRICS if m.chart)
GROUP_COLUMNS = ("n", *(m.name for m in METRICS if m.grouped))
GROUPINGS = (("by_type", "question type"), ("by_lang", "question language"), ("by_style", "wording style"))
REACHABLE = (
    "- **evidence reachable**: share of gold evidence strings lying whole inside some indexed chunk: the "
    "ceiling on recall."
)


def _label(name: str) -> str:
    return "items" if name == "n" else BY_NAME[name].label


def _value(scores: Scores, name: str) -> float | None:
    return float(scores.n) if name == "n" else scores.get(name)


def scores_json(scores: Scores) -> dict[str, Any]:
    """Scores as flat JSON: n, answerable, then every registered metric, rounded to 4 places."""
    return {
        "n": scores.n,
        "answerable": scores.answerable,
        **{name: _round(value) for name, value in scores.values.items()},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def system_json(result: SystemResult) -> dict[str, Any]:
    """One system's metrics."""
    return {
        "description": result.description,
        "overall": scores_json(result.overall),
        "by_type": {k: scores_json(v) for k, v in result.by_type.items()},
        "by_lang": {k: scores_json(v) for k, v in result.by_lang.items()},
        "by_style": {k: scores_json(v) for k, v in result.by_style.items()},
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
    digits = BY_NAME[name].digits if name in BY_NAME else 3
    return f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [header, ["---"] * len(header), *rows]
    return ["| " + " | ".join(cells) + " |" for cells in lines]


def headline_table(evaluation: Evaluation) -> list[str]:
    """Ours beside each baseline, each baseline value with its ratio to ours."""
    systems = [evaluation.ours, *evaluation.baselines]
    rows = []
    for metric in METRICS:
        ours = evaluation.ours.overall.get(metric.name)
        cells = [metric.label, _fmt(ours, metric.name)]
        for baseline in evaluation.baselines:
            theirs = baseline.overall.get(metric.name)
            ratio = f" ({theirs / ours:.2f}×)" if theirs is not None and ours else ""
            cells.append(_fmt(theirs, metric.name) + ratio)
        rows.append(cells)
    for stage in STAGES:
        for q in ("p50", "p95"):
            rows.append([f"{stage} ms {q}", *(_fmt(s.latency_ms[stage][q], "ms") for s in systems)])
    rows.append(["evidence reachable", *(_fmt(s.evidence_reachable) for s in systems)])
    return _table(["metric", *(s.name for s in systems)], rows)


def group_table(groups: dict[str, Scores], title: str = "group") -> list[str]:
    """One row per group (question type, language, style, or QA file)."""
    rows = [[name, *(_fmt(_value(s, c), c) for c in GROUP_COLUMNS)] for name, s in groups.items()]
    return _table([title, *(_label(c) for c in GROUP_COLUMNS)], rows)


def files_table(runs: Sequence[tuple[str, Evaluation]]) -> list[str]:
    """Our headline row for each QA file of a run, by name."""
    return group_table({name: e.ours.overall for name, e in runs}, "QA file")


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
    if evaluation.baselines:
        lines += [*(f"- **{b.name}**: {b.description}" for b in evaluation.baselines), ""]
    for attribute, title in GROUPINGS:
        lines += [f"## Ours by {title}", "", *group_table(getattr(evaluation.ours, attribute)), ""]
    wrong = [r["id"] for r in evaluation.records if r["judged"].get("answer_correct") is False]
    missed = [r["id"] for r in evaluation.records if r["judged"].get("first_evidence_rank", 0) is None]
    bad_refusals = [r["id"] for r in evaluation.records if r["judged"].get("refusal_correct") is False]
    needless = [r["id"] for r in evaluation.records if r.get("refused") and "answer_correct" in r["judged"]]
    mismatched = [r["id"] for r in evaluation.records if not r["judged"]["script_match"]]
    lines += [
        "## Items to look at",
        "",
        f"- answer missing a must-include string ({len(wrong)}): {', '.join(wrong) or '—'}",
        f"- no gold evidence retrieved in the top k ({len(missed)}): {', '.join(missed) or '—'}",
        f"- unanswerable but answered ({len(bad_refusals)}): {', '.join(bad_refusals) or '—'}",
        f"- answerable but refused ({len(needless)}): {', '.join(needless) or '—'}",
        f"- answer not in the question's script ({len(mismatched)}): {', '.join(mismatched) or '—'}",
        "",
        "## Definitions",
        "",
        *definitions(),
        REACHABLE,
        "",
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
    ax.set_xticks(range(len(CHART)), [_label(m) for m in CHART])
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


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def summary_markdown(runs: Sequence[tuple[str, Evaluation]]) -> str:
    """The page beside the per-file reports of a run over several QA files."""
    c = runs[0][1].config
    lines = [
        f"# PlanQA evaluation — {len(runs)} QA files",
        "",
        f"{c.get('date', '')} · {c.get('machine', '')}  ",
        f"backend `{c.get('backend')}` · k = {c.get('k')} · index `{c.get('index', '')}`",
        "",
        "## Ours per QA file",
        "",
        *files_table(runs),
        "",
        *(
            f"- [{name}]({name}/report.md): `{e.config.get('qa')}`, {_items(e.ours.overall.n)}"
            for name, e in runs
        ),
        "",
        "Each file's report has the baselines (if run), the tables by type, language and style, and the "
        "definitions.",
        "",
    ]
    return "\n".join(lines)


def write_reports(runs: Sequence[tuple[str, Evaluation]], out_dir: Path) -> list[Path]:
    """One QA file: its report in out_dir. Several: each in out_dir/NAME/, with summary.md beside them."""
    if len(runs) == 1:
        return write_report(runs[0][1], out_dir)
    paths = [path for name, evaluation in runs for path in write_report(evaluation, out_dir / name)]
    summary = out_dir / "summary.md"
    summary.write_text(summary_markdown(runs), encoding="utf-8")
    return [*paths, summary]
