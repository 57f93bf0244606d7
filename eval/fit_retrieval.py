"""Fit how retrieval fuses its ranked lists on the tuning sets (no holdout); write qa/data/retrieval.json.

    python -m eval.fit_retrieval --index DIR [--qa FILE ...] [--out FILE]  # default: eval/roles.py sets

Every item is read by the chain as it answers (understanding, routing, one search per part and per plan of
a comparison); each search's ranked lists (chunk vectors, keywords, closest sentences) are recorded once and
then fused again under every weighting of a grid, and the item's passages ranked as the chain lists them
(the parts' hits interleaved) are scored on its gold evidence: recall@5 + MRR, as eval/metrics.py matches
evidence. Chinese and English questions have weights of their own (an English question's keywords are
dictionary guesses) and share the RRF offset k.

The weights are chosen by cross-validation grouped by gold passage (items whose evidence lies in the same
chunk are in one fold), so the figure printed says how a fit does on passages it was not fitted on, the
case of residents' questions about parts of the plans no tuning question reads. The settings of the fit
(with or without the sentence list; every item or every tuning set counting alike) are chosen by leaving
one tuning set out at a time: each set is scored by weights chosen on the others, as a fresh set of
residents' questions would be. The fusion shipped is measured in the same run on the same items; a refit
is shipped only when the validation sets (never fitted on) do not drop under it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import PrivateAttr

from eval.dataset import Item, load_items
from eval.fusion_grid import FOLDS, REPEATS, choose, cross_validated, grid, set_weights, sets_out
from eval.metrics import recall_at, reciprocal_rank
from eval.roles import TUNING_SETS, never_fitted
from eval.systems import chunk_passage
from qa.chain import interleave
from qa.corpus import Corpus
from qa.english import english
from qa.fusion import FUSION_FILE, Fusion, Rankings
from qa.retrieve import HybridRetriever
from qa.script import to_simplified
from qa.types import Hit


class Recording(HybridRetriever):
    """A retriever that keeps the arguments of each search and the ranked lists each one found, so the
    same searches can be fused again under other weights without searching again."""

    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _lists: dict[tuple[bytes, tuple[str, ...] | None, str], Rankings] = PrivateAttr(default_factory=dict)

    def search(
        self,
        question: str,
        k: int | None = None,
        district: str | None = None,
        corpus: Corpus | None = None,
        **kwargs: Any,
    ) -> list[Hit]:
        """Search as the chain asked, keeping what it asked."""
        self._calls.append({"question": question, "k": k, "corpus": corpus, **kwargs})
        return super().search(question, k, district, corpus, **kwargs)

    def rankings(
        self, corpus: Corpus, vector: list[float], doc_ids: tuple[str, ...] | None, words: str
    ) -> Rankings:
        """The lists found for these arguments before, else found now."""
        key = (np.asarray(vector, dtype=np.float32).tobytes(), doc_ids, words)
        if key not in self._lists:
            self._lists[key] = super().rankings(corpus, vector, doc_ids, words)
        return self._lists[key]

    def take_calls(self) -> list[dict[str, Any]]:
        """The searches made since the last take."""
        calls, self._calls = self._calls, []
        return calls


@dataclass(frozen=True, slots=True)
class Case:
    """One answerable tuning item: its searches, its language for weighting, its gold passage group and
    the set it comes from."""

    item: Item
    calls: tuple[dict[str, Any], ...]
    english: bool
    group: str
    source: str = ""


def score(retriever: Recording, case: Case, fusion: Fusion) -> tuple[float, float]:
    """recall@5 and reciprocal rank of an item's gold evidence with its searches fused this way."""
    retriever.fusion = fusion
    hits = interleave([retriever.search(**call) for call in case.calls])
    retriever.take_calls()
    passages = [chunk_passage(h.chunk).match for h in hits]
    return recall_at(case.item, passages, 5), reciprocal_rank(case.item, passages)


def record(
    chain: Any, retriever: Recording, items: Sequence[Item], corpus: Corpus, source: str = ""
) -> list[Case]:
    """Read each answerable item with the chain, keeping its searches and the chunk holding its evidence."""
    passages = sorted((c.id, chunk_passage(c).match) for c in corpus.chunks.values())
    cases: list[Case] = []
    for item in items:
        if not item.answerable or not item.evidence:
            continue
        retriever.take_calls()
        chain.read(item.question, tuple((q, "") for q in item.history))
        calls = tuple(retriever.take_calls())
        if not calls:
            continue
        wanted = item.evidence[0]
        holder = next((cid for cid, text in passages if to_simplified(wanted) in text), f"item:{item.id}")
        cases.append(Case(item, calls, any(english(c["question"]) for c in calls), holder, source))
    return cases


def table(retriever: Recording, cases: Sequence[Case], fusions: Sequence[Fusion]) -> np.ndarray:
    """recall@5 and RR of each case under each fusion: shape (cases, fusions, 2)."""
    out = np.zeros((len(cases), len(fusions), 2))
    for j, fusion in enumerate(fusions):
        for i, case in enumerate(cases):
            out[i, j] = score(retriever, case, fusion)
    return out


def _label(lists: str, balanced: bool) -> str:
    return f"{lists}, {'sets' if balanced else 'items'} alike"


def _figures(by_set: Mapping[str, tuple[float, ...]]) -> str:
    return "  ".join(f"{n} {r:.3f}/{m:.3f}" for n, (r, m) in by_set.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Record the tuning items' searches, fit the fusion by grouped cross-validation, write it."""
    from qa.answerability import Answerability
    from qa.backends import ExtractiveAnswerer
    from qa.build import open_store, passage_embeddings
    from qa.chain import QAChain
    from qa.corpus import LiveCorpus
    from qa.embeddings import build_embeddings
    from qa.semantic import SentenceMatcher
    from qa.settings import Settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True, help="an index of the plans (planqa ingest)")
    parser.add_argument("--qa", type=Path, action="append", help="tuning QA file (repeatable)")
    parser.add_argument("--out", type=Path, default=FUSION_FILE, help="where to write the fusion")
    args = parser.parse_args(argv)
    paths = args.qa or [Path(p) for p in TUNING_SETS]
    if refused := never_fitted(paths):
        parser.error(f"holdout, validation and blind sets are never used for fitting: {', '.join(refused)}")
    settings = Settings()
    index = args.index.resolve()
    sentences = SentenceMatcher(passage_embeddings(settings, index))
    retriever = Recording(
        source=LiveCorpus(open_store(settings, index), index),
        embeddings=build_embeddings(settings.embedding_model, settings.fast_query_encoder),
        k=settings.top_k,
        sentences=sentences,
        fusion=Fusion(),
    )
    chain = QAChain(
        retriever, ExtractiveAnswerer(), answerability=Answerability({}, bias=0.0), sentences=sentences
    )
    begun = time.perf_counter()
    cases = [
        c
        for p in paths
        for c in record(chain, retriever, load_items(p), retriever.corpus, p.name.partition(".")[0])
    ]
    zh_cases = [c for c in cases if not c.english]
    en_cases = [c for c in cases if c.english]
    print(
        f"{len(cases)} answerable items ({len(en_cases)} English) read in {time.perf_counter() - begun:.0f} s"
    )
    base = Fusion()
    zh_grid, en_grid = grid(base, english_side=False), grid(base, english_side=True)
    zh = table(retriever, zh_cases, zh_grid)
    en = table(retriever, en_cases, en_grid)
    zh_groups, en_groups = [c.group for c in zh_cases], [c.group for c in en_cases]
    zh_sets, en_sets = [c.source for c in zh_cases], [c.source for c in en_cases]
    shipped = Fusion.load()
    zh_now, en_now = table(retriever, zh_cases, [shipped])[:, 0], table(retriever, en_cases, [shipped])[:, 0]
    # The settings (which lists, whether every item or every set counts alike) are chosen by how a fit on
    # the other tuning sets does on each set left out: a set of questions no fit has seen, as a fresh
    # set of residents' questions is.
    no_sentence = [j for j, f in enumerate(zh_grid) if f.sentence == 0.0]
    every = list(range(len(zh_grid)))
    variants = {
        (lists, balanced): sets_out(zh[:, cols], en[:, cols], zh_sets, en_sets, balanced)
        for lists, cols in (("two lists", no_sentence), ("three lists", every))
        for balanced in (False, True)
    }
    zs, es = np.asarray(zh_sets), np.asarray(en_sets)
    now_by_set = {
        n: tuple(np.vstack([zh_now[zs == n], en_now[es == n]]).mean(axis=0)) for n in sorted({*zs, *es})
    }
    print("leave one set out (recall@5 / MRR of each set, fitted on the others):")
    print(f"  {'shipped fusion':34s} {_figures(now_by_set)}")
    for (lists, balanced), figures in variants.items():
        print(f"  {_label(lists, balanced):34s} {_figures(figures)}")
    lists, balanced = max(variants, key=lambda v: sum(r + m for r, m in variants[v].values()))
    cols = every if lists == "three lists" else no_sentence
    everyone = np.concatenate([zs, es])
    zi, ei = choose(zh[:, cols], en[:, cols], *(set_weights(s, everyone, balanced) for s in (zs, es)))
    zi, ei = cols[zi], cols[ei]
    fitted = replace(zh_grid[zi], keyword_en=en_grid[ei].keyword_en, sentence_en=en_grid[ei].sentence_en)
    fitted_cv = cross_validated(zh[:, cols], en[:, cols], zh_groups, en_groups)
    whole = np.vstack([zh[:, zi], en[:, ei]]).mean(axis=0)
    now = np.vstack([zh_now, en_now]).mean(axis=0)
    rows = [
        ("shipped fusion", now),
        (f"refit, {lists} (grouped CV)", fitted_cv),
        (f"refit, {lists} (fitted on all)", whole),
    ]
    for name, (recall, mrr) in rows:
        print(f"{name:40s} recall@5 {recall:.3f}  MRR {mrr:.3f}")
    print(f"chosen: {_label(lists, balanced)}: {fitted}")
    fitted.save(
        args.out,
        {
            "fitted": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "sets": [p.name for p in paths],
            "items": {"chinese": len(zh_cases), "english": len(en_cases)},
            "settings": _label(lists, balanced),
            "cross_validation": f"{FOLDS}-fold grouped by gold passage, {REPEATS} shuffles",
            "figures": {name: {"recall@5": round(r, 4), "mrr": round(m, 4)} for name, (r, m) in rows},
            "left_out": {
                _label(*variant): {
                    n: {"recall@5": round(r, 4), "mrr": round(m, 4)} for n, (r, m) in f.items()
                }
                for variant, f in variants.items()
            },
        },
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
