"""The CI gate: lowest (and highest) acceptable metric values, read from a thresholds file.

A thresholds file holds `minimum` and optionally `maximum` objects (metric name → value) for the first QA
file of a run, and optionally `files`: QA file stem → its own `minimum`/`maximum`, e.g.
{"minimum": {"recall@5": 0.9}, "files": {"resident": {"maximum": {"answerable_refused": 0.1}}}}.
A file named under `files` is held to its own limits; the first file otherwise to the top-level ones;
other files are not gated. Other keys (`measured`, `note`) are for people.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.registry import BY_NAME, Scores

BOUNDS = ("minimum", "maximum")


class GateError(ValueError):
    """A thresholds file that cannot be used."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds one QA file's scores must keep to."""

    minimum: Mapping[str, float] = field(default_factory=dict)
    maximum: Mapping[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.minimum) + len(self.maximum)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A thresholds file: the first QA file's limits and any per-file ones."""

    first: Limits
    files: Mapping[str, Limits] = field(default_factory=dict)

    def assign(self, names: Sequence[str]) -> dict[str, Limits]:
        """The limits each QA file of a run is held to, by file name (stem); ungated files are left out."""
        chosen = {name: self.files[name] for name in names if name in self.files}
        if names and names[0] not in chosen and len(self.first):
            chosen[names[0]] = self.first
        return {name: chosen[name] for name in names if name in chosen}


def _limits(data: object, where: str) -> Limits:
    if not isinstance(data, dict):
        raise GateError(f'{where}: expected {{"minimum": {{"metric": value, …}}}}')
    bounds: dict[str, dict[str, float]] = {}
    for bound in BOUNDS:
        values = data.get(bound, {})
        if not isinstance(values, dict):
            raise GateError(f'{where}: "{bound}" must map metric names to numbers')
        unknown = sorted(set(values) - set(BY_NAME))
        if unknown:
            raise GateError(f"{where}: unknown metric(s) {unknown}; known: {', '.join(BY_NAME)}")
        try:
            bounds[bound] = {str(name): float(value) for name, value in values.items()}
        except (TypeError, ValueError) as exc:
            raise GateError(f"{where}: {bound} values must be numbers ({exc})") from exc
    return Limits(bounds["minimum"], bounds["maximum"])


def load_thresholds(path: Path) -> Thresholds:
    """Read a thresholds file, or raise GateError saying what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GateError(f"cannot read thresholds {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise GateError(f'{path}: expected {{"minimum": {{"metric": value, …}}}}')
    files = data.get("files", {})
    if not isinstance(files, dict):
        raise GateError(f'{path}: "files" must map QA file names to {{"minimum": …}} objects')
    thresholds = Thresholds(
        _limits(data, str(path)), {str(n): _limits(v, f"{path} files.{n}") for n, v in files.items()}
    )
    if not len(thresholds.first) and not any(len(x) for x in thresholds.files.values()):
        raise GateError(f'{path}: expected {{"minimum": {{"metric": value, …}}}}')
    return thresholds


def failures(scores: Scores, limits: Limits) -> list[str]:
    """One message per metric outside its bounds (or not measurable); empty when the gate passes."""
    out: list[str] = []
    checks = [(n, v, "minimum") for n, v in limits.minimum.items()]
    checks += [(n, v, "maximum") for n, v in limits.maximum.items()]
    for name, bound, kind in checks:
        try:
            value = scores.get(name)
        except KeyError:
            out.append(f"{name}: unknown metric ({kind} {bound})")
            continue
        if value is None:
            out.append(f"{name}: not measurable on this QA set ({kind} {bound})")
        elif kind == "minimum" and value < bound:
            out.append(f"{name}: {value:.4f} is below the minimum {bound}")
        elif kind == "maximum" and value > bound:
            out.append(f"{name}: {value:.4f} is above the maximum {bound}")
    return out
