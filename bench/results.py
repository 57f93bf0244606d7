"""RESULTS.md pieces every bench section uses: a figure's row, its precision, replacing one section."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
Row = tuple[str, float | None, float | None, str]  # figure, first system, second system, unit


def fmt(value: float | None, unit: str) -> str:
    """A figure in its unit's precision."""
    if value is None:
        return "–"
    return f"{value:.0f}" if unit in {"n", "MiB"} or (unit == "ms" and value >= 100) else f"{value:.1f}"


def merge_section(text: str, section: str) -> str:
    """Put a section (its first line is its heading) into RESULTS.md: in place of its old self, else before
    ## How, else last."""
    heading = section.split("\n", 1)[0]
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        rest = text[end + 1 :] if end >= 0 else ""
        return text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    how = text.find("## How")
    if how >= 0:
        return text[:how] + section + "\n" + text[how:]
    return text.rstrip("\n") + "\n\n" + section
