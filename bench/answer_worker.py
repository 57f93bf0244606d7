"""The measured child of the answer-path comparison: one chain, the given questions, each stage's time.

Run by path under `python -P`, so `qa` comes from whichever checkout PYTHONPATH names (this one or a
baseline worktree). It imports nothing from bench or eval: their code differs between the two checkouts,
and both sides must be timed by this same file. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

STAGES = ("retrieve", "answer", "total")  # the keys both old and new chains report in Answer.timings_ms


def measure(index_dir: Path, asked: list[dict[str, Any]]) -> dict[str, Any]:
    """Open the chain of the checkout on sys.path, warm it up, then time each question's stages."""
    import qa
    from qa.build import build_chain
    from qa.settings import Settings

    begun = time.perf_counter()
    chain = build_chain(Settings(), index_dir)
    opened = time.perf_counter() - begun
    chain.warm_up(asked[0]["question"])  # first-use loading is not query latency
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    refused = 0
    for item in asked:
        turns: list[tuple[str, str]] = []
        for earlier in item.get("history", []):  # a follow-up's chat is replayed untimed, as eval does
            turns.append((earlier, chain.ask(earlier, history=tuple(turns)).text))
        answer = chain.ask(item["question"], history=tuple(turns))
        for stage in STAGES:
            timings[stage].append(float(answer.timings_ms.get(stage, 0.0)))
        refused += bool(answer.refused)
    return {
        "code": str(Path(qa.__file__).resolve().parents[1]),  # which checkout was measured
        "open_s": opened,
        "asked": len(asked),
        "refused": refused,
        "timings_ms": timings,
    }


def main(argv: list[str] | None = None) -> int:
    """Time the questions of a JSON file over one index and print the figures as JSON."""
    top = argparse.ArgumentParser(prog="bench/answer_worker.py")
    top.add_argument("index", type=Path, help="an index ingested by the same checkout")
    top.add_argument("questions", type=Path, help='JSON list of {"question": …, "history": [earlier, …]}')
    args = top.parse_args(argv)
    asked = json.loads(args.questions.read_text(encoding="utf-8"))
    print(json.dumps(measure(args.index, asked)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
