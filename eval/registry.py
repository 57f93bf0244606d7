"""The metric registry: each metric once, with its label, definition and computation.

Scores, report columns, report.json keys, gate names, the chart and the README's metric list all come
from METRICS; adding a metric is adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from eval.dataset import Item
from eval.metrics import (
    RECALL_KS,
    Outcome,
    answer_correct,
    percentile,
    quote_valid,
    recall_at,
    reciprocal_rank,
    script_matches,
    supported,
)

Pair = tuple[Item, Outcome]


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: its key, how the report shows it, what it means and how it is computed."""

    name: str  # report.json key and gate name
    label: str  # report.md row and column header
    definition: str  # one Markdown sentence or two: the report's and the README's definition
    compute: Callable[[Sequence[Pair]], float | None]  # None: nothing in the group to measure
    higher_is_better: bool | None = True  # None: neither way (a description, not a goal)
    grouped: bool = False  # also a column of the per-type, per-language and per-style tables
    chart: bool = False  # a bar of chart.png (only for shares between 0 and 1)
    digits: int = 3  # decimals shown in report.md


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _answerable(pairs: Sequence[Pair]) -> list[Pair]:
    return [(i, o) for i, o in pairs if i.answerable]


def _unanswerable(pairs: Sequence[Pair]) -> list[Pair]:
    return [(i, o) for i, o in pairs if not i.answerable]


def _recall(k: int) -> Callable[[Sequence[Pair]], float | None]:
    return lambda pairs: _mean([recall_at(i, o.retrieved, k) for i, o in _answerable(pairs)])


def _mrr(pairs: Sequence[Pair]) -> float | None:
    return _mean([reciprocal_rank(i, o.retrieved) for i, o in _answerable(pairs)])


def _answer_accuracy(pairs: Sequence[Pair]) -> float | None:
    return _mean([float(answer_correct(i, o.answer)) for i, o in _answerable(pairs)])


def _citation_precision(pairs: Sequence[Pair]) -> float | None:
    cited = [supported(i, c) for i, o in _answerable(pairs) for c in o.citations]
    return _ratio(sum(cited), len(cited))


def _quote_validity(pairs: Sequence[Pair]) -> float | None:
    quotes = [quote_valid(c) for _, o in pairs for c in o.citations]
    return _ratio(sum(quotes), len(quotes))


def _refusal_rate(pairs: Sequence[Pair]) -> float | None:
    return _ratio(sum(1 for _, o in pairs if o.refused), len(pairs))


def _refusal_precision(pairs: Sequence[Pair]) -> float | None:
    if not _unanswerable(pairs):
        return None  # nothing to refuse: refusing anything is simply wrong, counted by answerable_refused
    right = sum(1 for _, o in _unanswerable(pairs) if o.refused)
    return _ratio(right, sum(1 for _, o in pairs if o.refused)) or 0.0


def _refusal_recall(pairs: Sequence[Pair]) -> float | None:
    unanswerable = _unanswerable(pairs)
    return _ratio(sum(1 for _, o in unanswerable if o.refused), len(unanswerable))


def _refusal_f1(pairs: Sequence[Pair]) -> float | None:
    precision, recall = _refusal_precision(pairs), _refusal_recall(pairs)
    if precision is None or recall is None:
        return None
    both = precision + recall
    return 2 * precision * recall / both if both else 0.0


def _answerable_refused(pairs: Sequence[Pair]) -> float | None:
    answerable = _answerable(pairs)
    return _ratio(sum(1 for _, o in answerable if o.refused), len(answerable))


def _script_match(pairs: Sequence[Pair]) -> float | None:
    return _mean([float(script_matches(i.lang, o.answer)) for i, o in pairs])


def _answer_chars_p50(pairs: Sequence[Pair]) -> float | None:
    return percentile([float(len(o.answer)) for _, o in pairs if not o.refused], 50)


_RECALL = (
    "share of an answerable item's gold evidence strings found (OpenCC t2s on both sides) inside one of "
    "the top k retrieved chunks, where a chunk is its Simplified section path + newline + Simplified text."
)

METRICS: tuple[Metric, ...] = (
    *(
        Metric(f"recall@{k}", f"recall@{k}", _RECALL, _recall(k), grouped=k == 5, chart=k == 5)
        for k in RECALL_KS
    ),
    Metric(
        "mrr",
        "MRR",
        "1 / rank of the first retrieved chunk holding any gold evidence string (0 if none in the top k).",
        _mrr,
        grouped=True,
        chart=True,
    ),
    Metric(
        "answer_accuracy",
        "answer acc.",
        "answerable items whose answer (t2s) contains every `must_include` string.",
        _answer_accuracy,
        grouped=True,
        chart=True,
    ),
    Metric(
        "citation_precision",
        "citation prec.",
        "citations on answerable items whose cited chunk holds gold evidence.",
        _citation_precision,
        grouped=True,
        chart=True,
    ),
    Metric(
        "quote_validity",
        "quote validity",
        "citations whose quote is a verbatim substring of the cited chunk's text.",
        _quote_validity,
    ),
    Metric(
        "refusal_rate",
        "refused",
        "share of all items refused.",
        _refusal_rate,
        higher_is_better=None,
        grouped=True,
    ),
    Metric(
        "refusal_precision",
        "refusal P",
        'refusals that were of unanswerable items (`doc == "none"`); 0 when nothing was refused.',
        _refusal_precision,
    ),
    Metric(
        "refusal_recall",
        "refusal R",
        "unanswerable items refused.",
        _refusal_recall,
    ),
    Metric(
        "refusal_f1",
        "refusal F1",
        "harmonic mean of refusal P and R: refusing is right exactly for the unanswerable items.",
        _refusal_f1,
        chart=True,
    ),
    Metric(
        "answerable_refused",
        "answerable refused",
        "share of answerable items refused: the cost of refusing too eagerly.",
        _answerable_refused,
        higher_is_better=False,
        grouped=True,
    ),
    Metric(
        "unanswerable_refused",
        "unanswerable refused",
        "share of unanswerable items refused (the same number as refusal R, under a plainer name).",
        _refusal_recall,
        grouped=True,
    ),
    Metric(
        "script_match",
        "script match",
        "the answer with 「…」 quotes removed is in the question's script (`detect_script`; text whose "
        "characters are written alike in both scripts counts as a match); for English questions the "
        "answer's own words must be English (it is detected as English, or its first word is).",
        _script_match,
        grouped=True,
        chart=True,
    ),
    Metric(
        "answer_chars_p50",
        "answer chars p50",
        "median length in characters of the answers that were not refusals, as shown (quotes and [n] "
        "markers included).",
        _answer_chars_p50,
        higher_is_better=None,
        grouped=True,
        digits=0,
    ),
)
BY_NAME: Mapping[str, Metric] = {m.name: m for m in METRICS}


@dataclass(frozen=True, slots=True)
class Scores:
    """Every registered metric over one group of items; None where the group has nothing to measure."""

    n: int
    answerable: int
    values: Mapping[str, float | None]  # metric name → value, in registry order

    def get(self, name: str) -> float | None:
        """A registered metric by name."""
        if name not in self.values:
            raise KeyError(f"unknown metric {name!r}")
        return self.values[name]


def score(items: Sequence[Item], outcomes: Sequence[Outcome]) -> Scores:
    """Score a group of items against what a system did with them (matched by id)."""
    by_id = {o.item_id: o for o in outcomes}
    pairs = [(i, by_id[i.id]) for i in items if i.id in by_id]
    return Scores(
        n=len(pairs),
        answerable=sum(1 for i, _ in pairs if i.answerable),
        values={m.name: m.compute(pairs) for m in METRICS},
    )


def score_by(
    items: Sequence[Item], outcomes: Sequence[Outcome], key: Callable[[Item], str]
) -> dict[str, Scores]:
    """Scores per group of items (by type, by language, by style…), groups in first-seen order."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return {name: score(group, outcomes) for name, group in groups.items()}


def definitions() -> list[str]:
    """One Markdown bullet per definition, naming each metric's label and key; recall@k share one."""
    shared: dict[str, list[Metric]] = {}
    for metric in METRICS:
        shared.setdefault(metric.definition, []).append(metric)
    bullets = []
    for definition, metrics in shared.items():
        names = ", ".join(f"`{m.name}`" for m in metrics)
        labels = ", ".join(m.label for m in metrics if m.label != m.name)
        title = f"**{labels}** ({names})" if labels else f"**{names.replace('`', '')}**"
        note = " Lower is better." if metrics[0].higher_is_better is False else ""
        bullets.append(f"- {title}: {definition}{note}")
    return bullets


if __name__ == "__main__":  # prints the metric list eval/README.md holds
    print("\n".join(definitions()))
