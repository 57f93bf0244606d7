"""Named things looked up whole: the runs of nouns a question names, and whether the plans write them."""

from __future__ import annotations

import pytest

from qa.absence import document_texts
from qa.chain import QAChain
from qa.corpus import Corpus
from qa.evidence import Query
from qa.names import named_things, names, pieces, unwritten, written
from qa.types import Hit
from tests.ui_index import plans_chain

PLACES = ("从化区", "从化", "荔湾区", "荔湾")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    chain: QAChain = plans_chain(tmp_path_factory.getbasetemp() / "ui-index")
    return chain.corpus


def test_a_name_jieba_cuts_into_characters_is_joined_back() -> None:
    # 华 and 师 are single nouns to jieba; 附中 is tagged a direction word but 词林 files it as an institution
    # (分校, one short word, is absence's to judge)
    assert named_things("从化会不会有华师附中的分校？", PLACES) == [("华", "师", "附中")]


def test_a_verb_or_measure_word_before_a_thing_is_not_part_of_it() -> None:
    assert named_things("从化会不会建个动物园，周末带小孩去看看动物？", PLACES) == [("动物园",)]


def test_a_district_name_parts_a_run_and_is_never_a_thing() -> None:
    assert named_things("从化的农村污水处理做得点？", PLACES) == [("农村", "污水处理")]
    assert named_things("荔湾有什么？", PLACES) == []


def test_actions_and_short_single_words_name_no_thing() -> None:
    assert not names("滑冰")  # 词林: an activity
    assert not names("有没有") and not names("多少")
    assert names("附中") and names("溜冰场")
    assert named_things("周末想带孩子去滑冰。", PLACES) == []  # 孩子 alone is a word, not a named thing


def test_a_long_word_is_looked_for_by_the_words_that_make_it_up() -> None:
    assert pieces(["传染病医院"]) == ["传染病", "医院"]
    assert pieces(["动物园"]) == ["动物园"]  # 园 is no word of its own: the word stays whole


def test_written_allows_a_few_characters_between_pieces_within_a_clause() -> None:
    assert written(("农村", "污水处理"), {}, "推进农村生活污水处理设施建设")
    assert written(("传染病医院",), {}, "建设传染病专科医院")
    assert not written(("农村", "污水处理"), {}, "建设农村，加强污水处理")  # two clauses
    assert not written(("农村", "污水处理"), {}, "农村公共基础设施与污水处理")  # too far apart


def test_a_thing_is_not_written_by_another_sharing_a_character() -> None:
    assert not written(("动物园",), {}, "扩大普惠性幼儿园覆盖面")


def test_a_synonym_understanding_found_writes_the_piece() -> None:
    assert written(("学校", "饭堂"), {"饭堂": {"食堂"}}, "学校食堂“互联网+明厨亮灶”")
    assert not written(("学校", "饭堂"), {}, "学校食堂“互联网+明厨亮灶”")


def hits_of(corpus: Corpus, doc_id: str) -> list[Hit]:
    chunks = [c for c in corpus.chunks.values() if c.doc_id == doc_id][:5]
    return [Hit(chunk, 1.0 / (i + 1)) for i, chunk in enumerate(chunks)]


def test_unwritten_on_the_bundled_plans(corpus: Corpus) -> None:
    text = document_texts(corpus)["conghua"]
    assert "附中" not in text and "华师" not in text and "动物园" not in text
    hits = hits_of(corpus, "conghua")
    assert unwritten(corpus, Query("从化会不会有华师附中的分校？", "zh-Hans"), hits) == 1.0
    assert unwritten(corpus, Query("从化会不会建个动物园？", "zh-Hans"), hits) == 1.0
    assert "温泉旅游" in text
    assert unwritten(corpus, Query("从化区的温泉旅游有什么规划？", "zh-Hans"), hits) == 0.0


def test_a_thing_of_a_kind_the_plans_name_is_not_counted(corpus: Corpus) -> None:
    # a paraphrase words what the thing is of otherwise but keeps the plans' kind (学校)
    text = document_texts(corpus)["conghua"]
    assert not written(("公立", "学校"), {}, text) and "学校" in text
    assert unwritten(corpus, Query("从化的公立学校多不多？", "zh-Hans"), hits_of(corpus, "conghua")) == 0.0


def test_english_questions_are_not_judged(corpus: Corpus) -> None:
    query = Query("Will Conghua build a zoo?", "en")
    assert unwritten(corpus, query, hits_of(corpus, "conghua")) == 0.0
