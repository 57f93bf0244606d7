"""Score briefings against staff topics: which required sections they draw on, and how much is off topic.

A topic file (eval/briefing_topics.jsonl) lists, per plan, the `sections` a good briefing must draw on and
the `related` ones it may draw on, each a fragment of a heading (Simplified); `split` is "tune" or
"holdout" (never tuned on). Run: `planqa eval --briefings eval/briefing_topics.jsonl` or
`python -m eval.briefing --index DIR`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from qa.brief import Brief, Briefer, DistrictBrief
from qa.chain import QAChain
from qa.script import to_simplified
from qa.types import Chunk

SPLITS = ("tune", "holdout")


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """The sections of one plan a briefing on the topic must, and may, draw on."""

    sections: tuple[str, ...]
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Topic:
    """A staff topic with what a good briefing on it draws on, per plan."""

    topic: str
    split: str
    plans: dict[str, PlanSpec]


@dataclass(frozen=True, slots=True)
class Scored:
    """What one briefing drew on, per plan: required sections found and items by where they came from."""

    topic: Topic
    required: int  # listed sections over all plans
    found: int  # listed sections at least one item draws on
    items: int  # cited items: targets, measures, results, figures, quotes
    off_topic: int  # items from a section neither listed, related nor holding a listed one
    figures: int
    missed: tuple[str, ...]  # "plan: section" not drawn on


def load_topics(path: Path) -> list[Topic]:
    """Read a topic file, one JSON object a line."""
    topics = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("split", "tune") not in SPLITS:
            raise ValueError(f"{path.name}:{n}: split must be one of {SPLITS}")
        plans = {
            doc: PlanSpec(tuple(p.get("sections", ())), tuple(p.get("related", ())))
            for doc, p in row["plans"].items()
        }
        topics.append(Topic(row["topic"], row.get("split", "tune"), plans))
    return topics


def _heads(chunk: Chunk) -> list[str]:
    return [to_simplified(h) for h in chunk.section_path]


def under(chunk: Chunk, fragments: Sequence[str]) -> bool:
    """Whether a chunk sits under a heading holding one of the fragments."""
    return any(f in h for h in _heads(chunk) for f in fragments)


def items_of(part: DistrictBrief) -> list[Chunk]:
    """The chunk behind every cited item of one plan's part."""
    return [
        *(p.chunk for p in part.points),
        *(f.chunk for f in part.figures),
        *(q.chunk for q in part.quotes),
    ]


def score_brief(topic: Topic, brief: Brief, chunks: Sequence[Chunk]) -> Scored:
    """Section recall and off-topic items of one briefing.

    An item is on topic when its section is under a listed or related heading, or is a heading that holds a
    listed section (the 章 or 节 introduction above it); every other item is off topic.
    """
    required = found = items = off = figures = 0
    missed: list[str] = []
    parts = {p.doc_id: p for p in brief.districts}
    for doc, spec in topic.plans.items():
        part = parts.get(doc)
        cited = items_of(part) if part else []
        figures += len(part.figures) if part else 0
        for section in spec.sections:
            required += 1
            if any(under(c, (section,)) for c in cited):
                found += 1
            else:
                missed.append(f"{doc}: {section}")
        holders = {
            c.section_path[:k]
            for c in chunks
            if c.doc_id == doc and under(c, spec.sections)
            for k in range(1, len(c.section_path))
        }
        for c in cited:
            items += 1
            if not (under(c, spec.sections) or under(c, spec.related) or c.section_path in holders):
                off += 1
    return Scored(topic, required, found, items, off, figures, tuple(missed))


@dataclass(frozen=True, slots=True)
class BriefingMetric:
    """One briefing metric: key, label, definition and computation over scored briefings."""

    name: str
    label: str
    definition: str
    compute: Callable[[Sequence[Scored]], float | None]


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


METRICS: tuple[BriefingMetric, ...] = (
    BriefingMetric(
        "section_recall",
        "section recall",
        "listed sections (per topic and plan) that at least one cited item of the briefing draws on.",
        lambda s: _ratio(sum(x.found for x in s), sum(x.required for x in s)),
    ),
    BriefingMetric(
        "off_topic_share",
        "off-topic share",
        "cited items (targets, measures, results, figures, quotes) whose section is neither listed nor "
        "related for that plan, nor a heading above a listed section. Lower is better.",
        lambda s: _ratio(sum(x.off_topic for x in s), sum(x.items for x in s)),
    ),
    BriefingMetric(
        "items_per_briefing",
        "items / briefing",
        "mean number of cited items per briefing (both plans).",
        lambda s: _ratio(sum(x.items for x in s), len(s)),
    ),
    BriefingMetric(
        "with_figures",
        "briefings with figures",
        "share of briefings listing at least one figure under 数据.",
        lambda s: _ratio(sum(1 for x in s if x.figures), len(s)),
    ),
)


def evaluate(chain: QAChain, topics: Sequence[Topic], today: date | None = None) -> list[Scored]:
    """Draft a briefing per topic over the topic's plans and score it."""
    briefer = Briefer(chain)
    chunks = list(chain.corpus.chunks.values())
    out = []
    for topic in topics:
        made = briefer.brief(topic.topic, list(topic.plans), today=today or date.today())
        out.append(score_brief(topic, made, chunks))
    return out


def summary(scored: Sequence[Scored]) -> dict[str, dict[str, Any]]:
    """Every metric per split and over all topics."""
    groups = {s: [x for x in scored if x.topic.split == s] for s in SPLITS}
    groups["all"] = list(scored)
    return {
        name: {"n": len(group), **{m.name: m.compute(group) for m in METRICS}}
        for name, group in groups.items()
    }


def report_markdown(scored: Sequence[Scored]) -> str:
    """The briefing report: metrics per split, definitions, and per-topic rows with what was missed."""
    table = summary(scored)
    lines = ["# Briefing evaluation", "", "| split | n | " + " | ".join(m.label for m in METRICS) + " |"]
    lines.append("| --- " * (len(METRICS) + 2) + "|")
    for split, row in table.items():
        values = [("—" if row[m.name] is None else f"{row[m.name]:.3f}") for m in METRICS]
        lines.append(f"| {split} | {row['n']} | " + " | ".join(values) + " |")
    lines += ["", *(f"- **{m.label}** (`{m.name}`): {m.definition}" for m in METRICS), ""]
    lines += ["| topic | split | recall | items | off topic | figures | missed |", "| --- " * 7 + "|"]
    for x in scored:
        recall = _ratio(x.found, x.required)
        shown = "—" if recall is None else f"{recall:.2f}"
        missed = "; ".join(x.missed)
        cells = (x.topic.topic, x.topic.split, shown, x.items, x.off_topic, x.figures, missed)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def write(scored: Sequence[Scored], out: Path) -> list[Path]:
    """Write briefings/report.md and briefings/report.json under out."""
    folder = out / "briefings"
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / "report.md", folder / "report.json"
    md.write_text(report_markdown(scored), encoding="utf-8")
    js.write_text(json.dumps(summary(scored), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [md, js]


def main(argv: Sequence[str] | None = None) -> int:
    """Score the bundled topics over an index (the real models, as `planqa chat` uses them)."""
    from qa.build import build_chain
    from qa.settings import REPO_ROOT, Settings

    parser = argparse.ArgumentParser(prog="python -m eval.briefing", description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--topics", type=Path, default=REPO_ROOT / "eval" / "briefing_topics.jsonl")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--split", choices=SPLITS, help="only this half of the topics")
    args = parser.parse_args(argv)
    topics = [t for t in load_topics(args.topics) if not args.split or t.split == args.split]
    scored = evaluate(build_chain(Settings(), args.index), topics)
    print(report_markdown(scored))
    for path in write(scored, args.out) if args.out else []:
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
