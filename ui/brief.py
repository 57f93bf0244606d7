"""A briefing as Markdown (every item cited as a footnote) and as the /brief API object."""

from __future__ import annotations

from typing import Any

from qa.brief import Brief, DistrictBrief, FigurePoint, Point
from qa.script import to_script
from qa.statements import Figure
from qa.types import Chunk, Script

LABELS = {
    "title": "简报",
    "notice": "本简报由“规划问答”从规划原文中逐字摘录生成，每条均注明出处；对外使用前请核对原文。",
    "date": "生成日期",
    "targets": "{period}目标",
    "measures": "主要举措",
    "results": "{period}时期成效",
    "figures": "数据",
    "quotes": "原文",
    "notes": "注释",
    "none": "规划中未找到与该主题直接相关的内容。",
    "nearest": "可参阅最接近的章节：",
    "line": "第{n}行",
    "target": "目标",
    "result": "成效",
    "by": "到{year}年",
    "in": "{year}年",
}


def label(key: str, script: Script, **values: str) -> str:
    """A fixed heading or phrase of the briefing in the topic's script."""
    return to_script(LABELS[key].format(**values), script)


def _status(item: FigurePoint, script: Script) -> str:
    """目标·到2025年, 成效·2020年, 目标·十四五: what a figure is and when it is for."""
    years = sorted({f.year for f in item.figures if f.year})
    if item.target:
        when = label("by", script, year=years[-1]) if years else item.period
        return label("target", script) + (f"·{when}" if when else "")
    when = label("in", script, year=years[-1]) if years else item.period
    return label("result", script) + (f"·{when}" if when else "")


def _shown(figures: tuple[Figure, ...]) -> str:
    return "、".join(dict.fromkeys(f.shown for f in figures))


def brief_markdown(brief: Brief) -> str:
    """The briefing as Markdown: one part per district; citations as footnotes collected at the end."""
    s = brief.script
    notes: list[str] = []

    def cite(chunk: Chunk, line: int) -> str:
        where = label("line", s, n=str(line))
        section = (chunk.section or chunk.title).rstrip("。.；;，, ")
        notes.append(f"《{chunk.title}》，{section}，{where}。")
        return f"[^{len(notes)}]"

    def bullets(points: tuple[Point, ...]) -> list[str]:
        return [f"- {p.text}{cite(p.chunk, p.line)}" for p in points]

    out = [
        f"# {label('title', s)}：{brief.topic}",
        "",
        f"> {label('notice', s)}{label('date', s)}：{brief.created.isoformat()}。",
        "",
    ]
    for d in brief.districts:
        out += [f"## {d.district}", ""]
        if not (d.points or d.figures or d.quotes):
            out += [label("none", s), ""]
            if d.nearest:
                out += [label("nearest", s), "", *(f"- {n}" for n in d.nearest), ""]
            continue
        if d.targets:
            out += [f"### {label('targets', s, period=d.period)}", "", *bullets(d.targets), ""]
        if d.measures:
            out += [f"### {label('measures', s)}", "", *bullets(d.measures), ""]
        for period in dict.fromkeys(p.period for p in d.results):  # one heading per earlier period
            shown = tuple(p for p in d.results if p.period == period)
            out += [f"### {label('results', s, period=period)}", "", *bullets(shown), ""]
        if d.figures:
            out += [f"### {label('figures', s)}", ""]
            out += [
                f"- {_status(f, s)}｜{_shown(f.figures)}：{f.text}{cite(f.chunk, f.line)}" for f in d.figures
            ]
            out.append("")
        if d.quotes:
            out += [f"### {label('quotes', s)}", ""]
            for q in d.quotes:
                lines = q.text.split("\n")
                lines[-1] += cite(q.chunk, q.line)
                out += [*(f"> {line}" for line in lines), ""]
    if notes:
        out += [f"## {label('notes', s)}", "", *(f"[^{i}]: {n}" for i, n in enumerate(notes, 1)), ""]
    return "\n".join(out)


def point_json(point: Point) -> dict[str, Any]:
    """One cited statement of a briefing."""
    c = point.chunk
    return {
        "text": point.text,
        "kind": point.kind,
        "period": point.period,
        "doc_id": c.doc_id,
        "title": c.title,
        "section": c.section,
        "line": point.line,
    }


def figure_json(item: FigurePoint) -> dict[str, Any]:
    """One cited clause with its figures, each with unit, year and bound."""
    c = item.chunk
    return {
        "text": item.text,
        "target": item.target,
        "period": item.period,
        "figures": [
            {"value": f.value, "unit": f.unit, "year": f.year, "bound": f.bound} for f in item.figures
        ],
        "doc_id": c.doc_id,
        "title": c.title,
        "section": c.section,
        "line": item.line,
    }


def district_json(d: DistrictBrief) -> dict[str, Any]:
    """One plan's part of the /brief object; key_points keeps every statement for older clients."""
    return {
        "doc_id": d.doc_id,
        "district": d.district,
        "title": d.title,
        "period": d.period,
        "targets": [point_json(p) for p in d.targets],
        "measures": [point_json(p) for p in d.measures],
        "results": [point_json(p) for p in d.results],
        "key_points": [point_json(p) for p in d.points],
        "figures": [figure_json(f) for f in d.figures],
        "quotes": [point_json(p) for p in d.quotes],
        "nearest": list(d.nearest),
    }


def brief_json(brief: Brief, markdown: str) -> dict[str, Any]:
    """The /brief API object: the markdown draft and the structured points behind it."""
    return {
        "topic": brief.topic,
        "created": brief.created.isoformat(),
        "markdown": markdown,
        "districts": [district_json(d) for d in brief.districts],
    }
