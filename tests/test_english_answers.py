"""English questions end to end over the bundled plans: their answers' own words are English."""

from __future__ import annotations

import re

import pytest

from qa.chain import QAChain
from qa.lead import english_label
from tests.ui_index import plans_chain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


def test_a_plan_is_labelled_in_english_with_its_period() -> None:
    assert english_label("某某区") == "Moumou District"
    assert english_label("某某区（十五五）") == "Moumou District (15th Five-Year Plan)"


def test_an_english_comparison_labels_each_district_in_english(chain: QAChain) -> None:
    answer = chain.ask("How do the innovation incubation chains described by Conghua and Liwan differ?")
    assert not answer.refused
    labels = re.findall(r"^([^「\n]*?)(?::|：)", answer.text, re.M)
    assert labels == ["Conghua District", "Liwan District"], answer.text
