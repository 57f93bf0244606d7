"""China's county-level divisions (districts, counties, county-level cities) from the division codes that
the cpca package ships (MIT licence), read as data: nothing is downloaded and cpca itself is not imported.

A resident may name a neighbouring district by its short name (番禺那边…, 佛山顺德…), which no indexed plan
covers and which the plans never write; such a question is about another plan, not one for the nearest
passage of ours to answer.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa.places import short_name


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division: its 12-digit code (province, city, county, smaller units) and name."""

    code: str
    name: str

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def is_city(self) -> bool:
        return self.code[2:4] != "00" and set(self.code[4:]) == {"0"}

    @property
    def is_county(self) -> bool:
        return self.code[4:6] != "00" and set(self.code[6:]) == {"0"}


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """Every division cpca's data lists (none when the package is missing)."""
    spec = importlib.util.find_spec("cpca")  # finds the package without running its heavy __init__
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = Path(folders[0]) / "resources" / "adcodes.csv" if folders else None
    if path is None or not path.exists():
        return ()
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # 市辖区 ("the city's districts") is a placeholder row of the code list, not a place's name
    return tuple(Division(r["adcode"], r["name"]) for r in rows if r["name"] != "市辖区")


def counties_near(cities: Iterable[str]) -> list[Division]:
    """The county-level divisions of the provinces the given cities (广州市) are in."""
    names = set(cities)
    every = divisions()
    provinces = {d.province for d in every if d.is_city and d.name in names}
    return [d for d in every if d.is_county and d.province in provinces]


def short_names(divisions: Iterable[Division]) -> dict[str, str]:
    """Each division's short name (番禺区 → 番禺) to its full name, for names of two characters or more."""
    return {s: d.name for d in divisions if len(s := short_name(d.name)) >= 2 and s != d.name}
