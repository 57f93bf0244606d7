"""Per-item judgements (retrieval, answers, citations, script) and the latency and reachability summaries.

The metrics built from the judgements live in eval/registry.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from eval.dataset import Item
from qa.script import detect_script, to_simplified, to_traditional

RECALL_KS = (1, 3, 5, 10)
STAGES = ("retrieve", "answer", "total")
_QUOTED = re.compile(r"「[^」]*」")
_LEADS_ENGLISH = re.compile(r"[\W\d_]*[A-Za-z]{2,}")  # skip markers, digits and punctuation, then a word
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class Cited:
    """One citation as the evaluator sees it."""

    passage: str  # what evidence matching reads: Simplified section path + "\n" + Simplified text
    text: str  # the cited chunk's verbatim text
    quote: str  # what the answer claims to quote from it


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a system did with one item: its answer, citations and ranked passages."""

    item_id: str
    answer: str
    refused: bool
    retrieved: tuple[str, ...]  # ranked passages, as matching reads them (see Cited.passage)
    citations: tuple[Cited, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)


def evidence_ranks(item: Item, retrieved: Sequence[str]) -> list[int | None]:
    """For each gold evidence string, the 1-based rank of the first passage holding it (None: not found)."""
    ranks: list[int | None] = []
    for evidence in item.evidence:
        wanted = to_simplified(evidence)
        ranks.append(next((r for r, p in enumerate(retrieved, 1) if wanted in p), None))
    return ranks


def recall_at(item: Item, retrieved: Sequence[str], k: int) -> float:
    """Share of the item's evidence strings found in the top k passages."""
    ranks = evidence_ranks(item, retrieved)
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def reciprocal_rank(item: Item, retrieved: Sequence[str]) -> float:
    """1 / rank of the first passage holding any evidence string (0 when none does)."""
    found = [r for r in evidence_ranks(item, retrieved) if r is not None]
    return 1.0 / min(found) if found else 0.0


def answer_correct(item: Item, answer: str) -> bool:
    """Every must-include string appears in the answer once both are Simplified."""
    text = to_simplified(answer)
    return all(to_simplified(m) in text for m in item.must_include)


def supported(item: Item, cited: Cited) -> bool:
    """Whether a cited passage holds one of the item's evidence strings."""
    return any(to_simplified(e) in cited.passage for e in item.evidence)


def quote_valid(cited: Cited) -> bool:
    """A quote is valid only as a verbatim, non-empty substring of the cited chunk's text."""
    return bool(cited.quote) and cited.quote in cited.text


def prose(answer: str) -> str:
    """The answer's own words: what is left once quoted 「…」 spans are removed."""
    return _QUOTED.sub("", answer)


def script_matches(lang: str, answer: str) -> bool:
    """Whether the answer's own words are in the question's script (quotes keep the source's script)."""
    words = prose(answer)
    if lang == "en":
        return detect_script(words) == "en" or _LEADS_ENGLISH.match(words) is not None
    han = "".join(_HAN.findall(words))
    if not han:
        return detect_script(words) == "unknown"  # only markers and punctuation of its own
    if to_simplified(han) == han and to_traditional(han) == han:
        return True  # every character is written alike in both scripts
    return detect_script(words) == lang


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float | None]]:
    """p50 and p95 milliseconds per stage (retrieve, answer, total)."""
    out: dict[str, dict[str, float | None]] = {}
    for stage in STAGES:
        values = [o.timings_ms[stage] for o in outcomes if stage in o.timings_ms]
        out[stage] = {"p50": percentile(values, 50), "p95": percentile(values, 95)}
    return out


def reachable(items: Sequence[Item], passages: Sequence[str]) -> float | None:
    """Share of gold evidence strings that lie inside some indexed passage: the ceiling on recall."""
    wanted = [to_simplified(e) for i in items for e in i.evidence]
    return sum(1 for e in wanted if any(e in p for p in passages)) / len(wanted) if wanted else None
