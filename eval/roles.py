"""Which QA sets the fitting scripts learn from, and which they must never see.

A set is named by its file name up to the first dot, matched exactly: a substring test ("resident_val" in
the name) also caught resident_val2 and resident_val3 and could not let resident_val itself move to
tuning; a copy with a second suffix (qa_holdout.v2.jsonl, resident_val2.jsonl.bak) is still its set.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# Read, fitted on and steered by freely (resident_val was a blind set for two rounds, then spent).
TUNING_SETS = ("eval/qa.jsonl", "eval/resident.jsonl", "eval/resident_val.jsonl")
# Validation (aggregate figures only) and blind sets: a fit that saw them could not be judged on them.
NEVER_FITTED = frozenset({"qa_holdout", "resident_holdout", "resident_val2", "resident_val3"})


def never_fitted(paths: Iterable[Path | str]) -> list[str]:
    """The names among `paths` that no fit may train on (a file need not exist to be refused)."""
    return [Path(p).name for p in paths if Path(p).name.partition(".")[0] in NEVER_FITTED]
