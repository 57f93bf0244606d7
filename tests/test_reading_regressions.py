"""Regressions found by testing the resident-wording modules: each failed on cd3062b and passes after the fix.

Lexicon rules crossing Mandarin word boundaries, t2s variants of Cantonese characters, malformed lexicon
lines, follow-up false positives, the sentence-vector memory, Chinese outside quotes in English leads, and a
chat-model reply that answers one part and declines the other.
"""

# ruff: noqa: F811  (the corpus fixtures come from tests/test_question_parts.py)
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.ask import parse_ask
from qa.lead import lead_sentence
from qa.question import is_follow_up
from qa.script import to_simplified
from qa.semantic import SentenceMatcher
from qa.understand import Lexicon, Understanding
from tests.fakes import BigramEmbeddings
from tests.test_question_parts import corpus, standalone, understanding  # noqa: F401  (fixtures)


# 1. The lexicon rewrites substrings, so a rule matches across two Mandarin words.
@pytest.mark.parametrize(
    ("mandarin", "broken_into"),
    [
        ("从化要重点解决哪些民生问题？", "从化要重为什么决哪些民生问题？"),  # 重点|解决 read as 点解
        ("学校周边位置有没有停车场？", "学校周哪位置有没有停车场？"),  # 周边|位置 read as 边位
        ("地铁站周边几个小区会改造吗？", "地铁站周哪几个小区会改造吗？"),  # 边几
        ("有没有打造试点样板社区？", "有没有打造试怎样板社区？"),  # 试点|样板 read as 点样
        ("建立起紧急医疗救援体系了吗？", "建立在建急医疗救援体系了吗？"),  # 起|紧急 read as 起紧
        ("各镇都系统推进垃圾分类吗？", "各镇都是统推进垃圾分类吗？"),  # 都|系统 read as 都系
        ("怎样打造靓丽的城市客厅？", "怎样打造漂亮丽的城市客厅？"),  # 靓丽 is standard Mandarin
        ("一边处理污水一边发电吗？", "一哪里理污水一边发电吗？"),  # 一边|处理 read as 边处
    ],
)
def test_mandarin_questions_pass_through_the_lexicon_unchanged(mandarin: str, broken_into: str) -> None:
    got = Lexicon.load().standardise(to_simplified(mandarin))
    assert got == mandarin, f"broken into {got!r} (expected {broken_into!r} on the current tree)"


# 2. Rules written with 嗰 or 喎 never fire: Understanding.read runs OpenCC t2s first, which turns 嗰 into 𠮶
#    (U+20B76) and 喎 into 㖞, and the lexicon still says 嗰/喎.
@pytest.mark.parametrize(
    ("cantonese", "meant"),
    [
        ("嗰度有冇地鐵？", "那里有没有地铁？"),
        ("嗰個商場幾時開？", "那个商场什么时候开？"),
        ("嗰啲學校喺邊度？", "那些学校在哪里？"),
        ("從化有地鐵喎？", "从化有地铁？"),
    ],
)
def test_cantonese_demonstratives_and_particles_are_standardised(cantonese: str, meant: str) -> None:
    reading = Understanding().read(cantonese, {}, (), None)
    assert reading.text == meant


# 3. Malformed lexicon lines: no tab gives a ValueError that names no line; an empty FROM is accepted and then
#    inserts its TO between every two characters of every question.
def test_a_lexicon_line_without_tabs_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("# rules\nreplace\t啥\t什么\nreplace 冇 没有\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"line 3"
    ):  # got: "not enough values to unpack (expected at least 2, got 1)"
        Lexicon.load(path)


def test_a_lexicon_line_with_an_empty_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("replace\t啥\t什么\nreplace\t\t什么\n", encoding="utf-8")
    try:
        lexicon = Lexicon.load(path)
    except ValueError as exc:
        assert "line 2" in str(exc)
    else:  # got: loaded, and standardise("啥地铁") == "什么什么地什么铁什么"
        pytest.fail(f"loaded; standardise('啥地铁') = {lexicon.standardise('啥地铁')!r}")


# 4. 它 inside 其它, and English "there" ("Is there…", "Are there…"), make a standalone question a follow-up,
#    so the previous, unrelated question is glued in front of it.
@pytest.mark.parametrize(
    "question",
    ["白鹅潭商务区有其它配套吗？", "Are there any new parks planned in the business district?"],
)
def test_a_standalone_question_with_qita_or_there_is_not_a_follow_up(
    corpus,
    understanding,
    question: str,
) -> None:
    previous = "从化区地铁14号线二期什么时候通车？"
    assert standalone(corpus, understanding, question, previous) == question
    # got: "从化区地铁14号线二期什么时候通车？ 白鹅潭商务区有其它配套吗？"
    assert not is_follow_up(question, 6)


# 5. carry_context's own docstring example: "2025年的目标呢？" continues the previous topic. With the word
#    count the chain passes (question_terms → 2025, 年, 目标: 3) it is not treated as a follow-up at all.
def test_year_target_follow_up_from_the_docstring_carries_the_previous_topic(
    corpus,
    understanding,
) -> None:
    carried = standalone(corpus, understanding, "2025年的目标呢？", "从化区的养老床位有多少张？")
    assert carried.startswith("从化")  # got: "2025年的目标呢？" unchanged


# 6. SentenceMatcher.vectors evicts before it reads back: asking for more distinct sentences than `memory` at
#    once (or two threads filling a full cache) raises KeyError.
def test_sentence_matcher_returns_every_requested_vector_even_past_its_memory() -> None:
    matcher = SentenceMatcher(BigramEmbeddings(), memory=2)
    vectors = matcher.vectors(["甲乙丙。", "丁戊己。", "庚辛壬。"])  # got: KeyError: '甲乙丙。'
    assert vectors.shape[0] == 3


# 7. English lead: figures() counts 千名 of 每千名 ("per thousand") as a figure, so Chinese leaks into the
#    English words outside any 「quote」.
def test_english_lead_has_no_chinese_outside_quotes() -> None:
    ask = parse_ask("How many elderly care beds per thousand old people will there be by 2025?")
    sentence = lead_sentence("每千名老人拥有养老床位40张，", 4, "en", ask, "2025")
    outside = re.sub(r"「[^」]*」", "", sentence)
    assert not re.search(r"[\u3400-\u9fff]", outside), (
        sentence
    )  # got: "By 2025, the plan gives 40, 千名 [4]."


# 8. (A judgment call, for the lead to decide.) ChatModelAnswerer.check marks the whole reply refused when the
#    refusal phrase appears anywhere, so a verified answer to one part plus
#    "关于X，规划文件中没有找到相关内容" for another becomes a full refusal in QAChain._format
#    (the verified claim and its citation are thrown away).
def test_a_verified_answer_with_one_part_refused_is_not_a_refusal() -> None:
    from tests.test_backends import BEDS_REQUEST, ChatModelAnswerer, model

    reply = ChatModelAnswerer(
        model("规划提出「每千名老人拥有养老床位40张」[1]。关于公园，规划文件中没有找到相关内容。")
    ).answer(BEDS_REQUEST)
    assert reply.citations  # the verified claim survives verification
    assert not reply.refused  # got: refused=True


# 8. A polysemous word's synonyms mixed its senses (方便 → 富裕, 福利), so off-topic sentences matched.
def test_a_word_with_groups_in_different_classes_gets_no_synonyms() -> None:
    from qa.understand import Thesaurus

    thesaurus = Thesaurus([("方便", "便利"), ("方便", "富裕"), ("看病", "就医")], ["Ed", "Ef", "Hg"])
    assert thesaurus.synonyms("方便") == set()
    assert thesaurus.synonyms("看病") == {"就医"}
    assert "富裕" not in Thesaurus.bundled().synonyms("方便")
