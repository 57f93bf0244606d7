"""The CI gate: minimum values for headline metrics, read from a thresholds file."""

from __future__ import annotations

import json
from pathlib import Path

from eval.metrics import Scores


class GateError(ValueError):
    """A thresholds file that cannot be used."""


def load_minimums(path: Path) -> dict[str, float]:
    """The `minimum` object of a thresholds file: metric name → lowest acceptable value."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GateError(f"cannot read thresholds {path}: {exc}") from exc
    minimum = data.get("minimum") if isinstance(data, dict) else None
    if not isinstance(minimum, dict) or not minimum:
        raise GateError(f'{path}: expected {{"minimum": {{"metric": value, …}}}}')
    try:
        return {str(name): float(value) for name, value in minimum.items()}
    except (TypeError, ValueError) as exc:
        raise GateError(f"{path}: minimum values must be numbers ({exc})") from exc


def failures(scores: Scores, minimums: dict[str, float]) -> list[str]:
    """One message per metric below its minimum (or not measurable); empty when the gate passes."""
    out: list[str] = []
    for name, floor in minimums.items():
        try:
            value = scores.get(name)
        except (KeyError, ValueError):
            out.append(f"{name}: unknown metric (minimum {floor})")
            continue
        if value is None:
            out.append(f"{name}: not measurable on this QA set (minimum {floor})")
        elif value < floor:
            out.append(f"{name}: {value:.4f} is below the minimum {floor}")
    return out
