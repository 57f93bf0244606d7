"""A question's words the plans never use weigh by how specific they are in Chinese at large."""

from __future__ import annotations

from qa.keywords import specificity


def test_everyday_words_weigh_nothing_and_rare_ones_fully() -> None:
    assert specificity("会") == 0.0
    assert specificity("新") == 0.0
    assert specificity("火星") == 1.0
    assert specificity("看病") == 1.0


def test_specificity_orders_words_by_how_common_they_are() -> None:
    assert specificity("会") < specificity("以后") < specificity("方便") < specificity("火星")
    assert all(0.0 <= specificity(w) <= 1.0 for w in ("以后", "方便", "升级", "不存在的词语组合"))
