"""Fit the sentence ranker on the tuning sets (never a holdout) and write qa/data/sentence_ranker.json.

    python -m eval.fit_ranker --index DIR [--qa FILE ...]  # default: the tuning sets of eval/roles.py

Every answerable item is read by the chain as it answers (understanding, retrieval); the sentences of its
top passages (a comparison: of each side's top 3) are described by qa.evidence.features and labelled 1 when
they hold one of the item's gold evidence strings (or lie inside one) and one of the strings a right answer
must include, all Simplified. A conditional logit (softmax over an item's candidates) anchored at the hand
weights is fitted; its regularisation and the number of passages read (the window) are chosen by
cross-validation on hit@1 (how often the best-scored sentence is labelled 1), leaving one QA set out at a
time (grouped 5-fold when one set is given). The hand-weighted score is measured in the same run on the
same items. The shares a runner-up
must reach to be quoted too (close, close_many) are chosen on the cross-validated scores: the most gold
quoted while quoting no more sentences per answer than the hand-weighted score did. The fitted model is
written only when the whole procedure's nested-CV hit@1 (window and C chosen inside each outer fold) beats
the hand weights' by MIN_GAIN; otherwise the hand weights are, with the figures that kept them. Last, the
sharpness that makes a softmax of the written model's scores over one item's candidates the probability
that each is the answering one is fitted (the answer reads it to tell a near tie, qa.quote.unsure).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from eval.dataset import load_items
from eval.ranker_candidates import Group, collect
from eval.ranker_candidates import holds_gold as holds_gold  # imported from here by tests
from eval.ranker_cv import (
    certainty_table,
    fit_model,
    fit_sharpness,
    hits_at,
    nested,
    score_with,
    selected,
    set_of,
)
from eval.ranker_cv import cross_validated as cross_validated  # imported from here by tests
from eval.ranker_cv import folds as folds  # imported from here by tests
from eval.roles import TUNING_SETS, never_fitted
from qa.evidence import MAX_CHARS, MAX_QUOTES, pick
from qa.ranker import FEATURES, RANKER_FILE, hand_ranker, save

CLOSES = tuple(round(c, 2) for c in np.arange(0.3, 0.96, 0.05))
MIN_GAIN = 0.01  # nested-CV hit@1 above the hand weights' a fitted model must reach to replace them


def quoting(
    groups: Sequence[Group], scores: Sequence[np.ndarray], window: int, close: float
) -> tuple[float, float]:
    """With runner-ups quoted at `close` of the best score: share of items quoting gold, sentences quoted."""
    gold = quoted = 0
    for g, s in zip(groups, scores, strict=True):
        found, labels = g.by_window[window]
        ranked = sorted(
            ((replace(x, score=float(v)), int(m)) for x, v, m in zip(found, s, labels, strict=True)),
            key=lambda p: -p[0].score,
        )
        label = {id(x): m for x, m in ranked}
        budget = (MAX_QUOTES + 1, MAX_CHARS + 140) if g.many else (MAX_QUOTES, MAX_CHARS)
        chosen = pick([x for x, _ in ranked], *budget, close=close)
        gold += int(any(label[id(x)] for x in chosen))
        quoted += len(chosen)
    return gold / max(len(groups), 1), quoted / max(len(groups), 1)


def choose_close(
    groups: Sequence[Group],
    scores: Sequence[np.ndarray],
    window: int,
    base: Sequence[np.ndarray],
    base_close: float,
) -> tuple[float, dict[str, float]]:
    """The share quoting the most gold among those quoting no more sentences per item than the baseline."""
    base_gold, base_quoted = quoting(groups, base, 5, base_close)
    best, best_key = CLOSES[-1], (-1.0, 0.0)
    for c in CLOSES:
        gold, quoted = quoting(groups, scores, window, c)
        if quoted <= base_quoted + 1e-9 and (gold, -quoted) > best_key:
            best, best_key = c, (gold, -quoted)
    return best, {
        "hand_gold_quoted": round(base_gold, 4),
        "hand_quotes_per_answer": round(base_quoted, 3),
        "gold_quoted_cv": round(best_key[0], 4),
        "quotes_per_answer_cv": round(-best_key[1], 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Fit on the tuning sets, print CV figures against the hand weights and write the ranker file."""
    from qa.build import build_chain
    from qa.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index of the plans (planqa ingest)")
    parser.add_argument("--qa", type=Path, action="append", help="tuning QA file (repeatable)")
    parser.add_argument("--out", type=Path, default=RANKER_FILE, help="where to write the ranker")
    parser.add_argument(
        "--hand", action="store_true", help="write the hand weights instead (when FEATURES changed)"
    )
    parser.add_argument(
        "--keep-hand",
        action="store_true",
        help="fit and print as usual, but write the hand weights (with their sharpness) whatever the fit",
    )
    args = parser.parse_args(argv)
    if args.hand:  # the chain reads the ranker file: one naming other features must be replaced first
        save(hand_ranker(), args.out, {"fitted": "hand weights (the baseline), not fitted"})
        print(f"wrote {args.out}")
        return 0
    paths = args.qa or [Path(p) for p in TUNING_SETS]
    if refused := never_fitted(paths):
        parser.error(f"holdout, validation and blind sets are never used for fitting: {', '.join(refused)}")
    chain = build_chain(Settings(), args.index.resolve())
    groups = [g for p in paths for g in collect(chain, load_items(p), p.name)]
    hand = hand_ranker()
    base = [score_with(hand, g, 5) for g in groups]
    h1, h3 = hits_at(groups, base, 5)
    print(f"{len(groups)} items; hand weights, 5 passages: hit@1 {h1:.3f} hit@3 {h3:.3f}")
    (window, c), cv = selected(groups)
    tried = {k: hits_at(groups, v, k[0]) for k, v in cv.items()}
    for (w, r), (one, three) in tried.items():
        print(f"fitted, {w} passages, C={r}: CV hit@1 {one:.3f} hit@3 {three:.3f}")
    honest = nested(groups)
    print(f"nested CV hit@1 of the whole procedure: {honest:.3f} (hand {h1:.3f})")
    many = [i for i, g in enumerate(groups) if g.many and not g.side]
    few = [i for i, g in enumerate(groups) if not g.many and not g.side]
    sides = [i for i, g in enumerate(groups) if g.side]
    close, few_stats = choose_close(
        [groups[i] for i in few], [cv[window, c][i] for i in few], window, [base[i] for i in few], hand.close
    )
    close_many, many_stats = choose_close(
        [groups[i] for i in many],
        [cv[window, c][i] for i in many],
        window,
        [base[i] for i in many],
        hand.close_many,
    )
    ranker = replace(fit_model(groups, window, c), close=close, close_many=close_many)
    for label, chosen in (("single", [i for i, g in enumerate(groups) if not g.side]), ("sides", sides)):
        one, three = hits_at([groups[i] for i in chosen], [cv[window, c][i] for i in chosen], window)
        b1, b3 = hits_at([groups[i] for i in chosen], [base[i] for i in chosen], 5)
        print(f"{label} ({len(chosen)}): fitted CV hit@1 {one:.3f} hit@3 {three:.3f}; hand {b1:.3f} {b3:.3f}")
    # The best of the grid is an optimistic estimate: the fitted model replaces the hand weights only when
    # it beats them by a clear margin, else the hand weights are written (with these figures beside them).
    # Hit@1 is not answer accuracy: a model beating the hand weights on it may still answer worse, and the
    # answerability model was fitted on what the hand weights quote. --keep-hand writes the hand weights then.
    adopted = honest >= h1 + MIN_GAIN and not args.keep_hand
    about = {
        "fitted": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "sets": [p.name for p in paths],
        "items": len(groups),
        "model": "fitted"
        if adopted
        else "hand weights: kept (--keep-hand)"
        if args.keep_hand
        else f"hand weights: nested CV hit@1 is not {MIN_GAIN} above theirs",
        "cross_validated": {
            "hand_hit_at_1": round(h1, 4),
            "hand_hit_at_3": round(h3, 4),
            "hit_at_1": round(tried[window, c][0], 4),
            "nested_hit_at_1": round(honest, 4),
            "hit_at_3": round(tried[window, c][1], 4),
            "regularisation_c": c,
            "close": few_stats,
            "close_many": many_stats,
        },
    }
    written = ranker if adopted else hand
    sets = list(dict.fromkeys(set_of(g) for g in groups))
    for name in sets if len(sets) > 1 else ():  # the sharpness fitted without each set: is it stable?
        alone = fit_sharpness([g for g in groups if set_of(g) != name], written)
        print(f"sharpness fitted without {name}: {alone:.2f}")
    written = replace(written, sharpness=round(fit_sharpness(groups, written), 3))
    print(f"sharpness {written.sharpness}; by certainty band (from, items, best holds gold, runner-up does):")
    for low, n, best, runner in certainty_table(groups, written):
        print(f"  {low:.1f}: {n:4d}  {best:.2f}  {runner:.2f}")
    save(written, args.out, about)
    print(f"{'adopted' if adopted else 'NOT adopted (hand weights written)'}: {window} passages, C={c}")
    print(f"close {close} {few_stats}, close_many {close_many} {many_stats}")
    print(dict(zip(FEATURES, ranker.weights, strict=True)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
