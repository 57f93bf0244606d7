"""Where answers and refusals lead, read from the bundled plans: follow-ups, other plans, parts."""

from __future__ import annotations

import json

import pytest

from qa.chain import QAChain
from qa.corpus import Corpus
from qa.prompts import CANNOT_ANSWER_PHRASE
from qa.redirect import broad_parts, elsewhere
from qa.script import detect_script, to_simplified, to_traditional
from qa.settings import REPO_ROOT
from qa.suggest import Guidance, follow_ups, guide, heading_question, refusal_text
from tests.ui_index import plans_chain

GDP = "从化区2020年的地区生产总值是多少？"
BROAD = "交通、教育、医疗都有什么规划？"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> QAChain:
    return plans_chain(tmp_path_factory.getbasetemp() / "ui-index")


@pytest.fixture(scope="module")
def corpus(chain: QAChain) -> Corpus:
    return chain.corpus


def own_questions() -> list[tuple[str, str]]:
    """(question, its plan) of the tuning sets' items about one bundled plan."""
    lines = [
        line
        for name in ("qa.jsonl", "resident.jsonl")
        for line in (REPO_ROOT / "eval" / name).read_text("utf-8").splitlines()
    ]
    rows = [json.loads(line) for line in lines if line.strip()]
    return [(r["question"], r["doc"]) for r in rows if r.get("doc") in {"conghua", "liwan"}]


def test_a_landmark_of_the_other_plan_offers_to_switch_to_it(corpus: Corpus) -> None:
    [offer] = elsewhere(corpus, "白鹅潭商务区的战略定位是什么？", "conghua")
    assert offer.doc_id == "liwan" and offer.district == "荔湾区" and "白鹅潭" in offer.names[0]
    assert (
        elsewhere(corpus, "白鵝潭商務區的戰略定位是什麼？", "conghua")[0].doc_id == "liwan"
    )  # either script
    assert elsewhere(corpus, "白鹅潭商务区的战略定位是什么？", "liwan") == ()  # its own plan is chosen
    assert elsewhere(corpus, "白鹅潭商务区的战略定位是什么？", None) == ()  # every plan is searched
    [named] = elsewhere(corpus, "荔湾区有哪些历史文化街区？", "conghua")  # names the other district
    assert (named.doc_id, named.names) == ("liwan", ("荔湾区",))
    assert elsewhere(corpus, "从化区和荔湾区的白鹅潭", "conghua") == ()  # names the chosen one: stays


def test_questions_asked_in_their_own_plan_are_almost_never_sent_elsewhere(corpus: Corpus) -> None:
    asked = own_questions()
    moved = [q for q, doc in asked if elsewhere(corpus, q, doc)]
    # Measured when written: 1 of 275 (那6个集团各由哪些学校带头？ — 带头 occurs only in 从化's plan).
    assert len(asked) > 200 and len(moved) <= len(asked) // 50, moved
    other = {"conghua": "liwan", "liwan": "conghua"}
    aliases = [a for d in corpus.districts for a in d.aliases]
    unnamed = [(q, d) for q, d in asked if not any(a in to_simplified(q).lower() for a in aliases)]
    offered = [q for q, doc in unnamed if elsewhere(corpus, q, other[doc])]
    # Questions naming no district, asked in the wrong plan: most name something only their plan has
    # (measured: 22 of 37; glossary terms such as “放管服” are in neither plan's body more than twice).
    assert len(offered) * 2 > len(unnamed), sorted(set(q for q, _ in unnamed) - set(offered))


def test_a_broad_question_is_offered_its_parts(corpus: Corpus) -> None:
    assert broad_parts(corpus, BROAD) == ("交通有什么规划？", "教育有什么规划？", "医疗有什么规划？")
    assert broad_parts(corpus, "从化区交通、教育和医疗都有哪些规划？")[1] == "从化区教育有哪些规划？"
    assert broad_parts(corpus, "我想知道就业、住房、养老方面有哪些政策")[2] == "我想知道养老方面有哪些政策？"
    assert broad_parts(corpus, "交通和教育都有什么规划")[1] == "教育有什么规划？"  # two topics and 都
    assert broad_parts(corpus, "生态环境保护和修复有哪些举措？") == ()  # one topic
    assert broad_parts(corpus, "从化和荔湾的教育都有哪些规划") == ()  # two districts: the chain compares
    assert broad_parts(corpus, GDP) == ()
    parts = guide(corpus, to_traditional(BROAD), None, "zh-Hant").parts
    assert parts[0] == "交通有什麼規劃？" and all(detect_script(p) == "zh-Hant" for p in parts)


def test_each_part_of_a_broad_question_gets_an_answer(chain: QAChain) -> None:
    answer = chain.ask(BROAD)
    assert answer.guidance is not None and len(answer.guidance.parts) == 3
    for part in answer.guidance.parts:
        assert not chain.ask(part).refused, part


def source_of(corpus: Corpus, question: str) -> tuple[str, ...]:
    """The section a follow-up was made from (its heading turned into exactly this question)."""
    names = corpus.district_names()
    for chunk in corpus.chunks.values():
        made = heading_question(chunk, names[chunk.doc_id])
        if made and to_simplified(made) == to_simplified(question):
            return chunk.section_path
    raise AssertionError(f"no section makes {question}")


FOLLOWED = [
    GDP,
    "荔灣區白鵝潭商務區的戰略定位是什麼？",
    "荔湾区有哪些历史文化街区？",
    "从化区如何推进城市更新？",
]


def test_follow_ups_are_neighbouring_sections_that_the_chain_answers_from_themselves(
    chain: QAChain, corpus: Corpus
) -> None:
    at_home = 0
    made = 0
    for question in FOLLOWED:
        answer = chain.ask(question)
        assert not answer.refused and answer.guidance is not None
        suggested = answer.guidance.follow_ups
        assert 2 <= len(suggested) <= 3 and len(set(suggested)) == len(suggested)
        assert all(detect_script(q) == detect_script(question) for q in suggested)  # the asker's script
        cited = {c.chunk.section_path for c in answer.citations}
        for follow_up in suggested:
            path = source_of(corpus, follow_up)
            assert path not in cited  # somewhere new
            asked = chain.ask(follow_up)
            assert not asked.refused, follow_up  # never a dead end
            got = [c.chunk.section_path for c in asked.citations]
            at_home += any(p[: len(path)] == path or path[: len(p)] == p for p in got)
            made += 1
    # Answered from the section they were made from (or the one around it): measured 11 of 12 when
    # written; 从化区在指导思想方面有哪些举措？ is answered from the 前言 with the bigram embedder.
    assert at_home * 4 >= made * 3, (at_home, made)


def test_follow_ups_come_from_the_cited_sections_siblings_first(corpus: Corpus, chain: QAChain) -> None:
    answer = chain.ask("从化区在加快推进“三旧”改造方面有哪些举措？")
    cited = answer.citations[0].chunk.section_path
    paths = [source_of(corpus, q) for q in follow_ups(corpus, answer.citations[:1], "zh-Hans")]
    assert paths[0][:-1] == cited[:-1] and len(paths[0]) == len(cited)  # same parent heading


def test_a_refusal_names_the_plans_covered_its_nearest_sections_and_where_else_to_ask(
    chain: QAChain, corpus: Corpus
) -> None:
    answer = chain.ask("火星基地什么时候建成？")
    assert answer.refused and CANNOT_ANSWER_PHRASE in answer.text
    guidance = answer.guidance
    assert guidance is not None and 1 <= len(guidance.nearest) <= 3 and guidance.follow_ups == ()
    assert guidance.nearest[0] == answer.retrieved[0].chunk
    for title in corpus.doc_titles.values():  # the plans, as the index knows them, in the asker's script
        assert to_simplified(title) in answer.text
    lines = answer.text.split("\n")
    assert lines[1] == "最接近的章节：" and lines[2].startswith(f"· {guidance.nearest[0].district}：")

    switched = guide(
        corpus, "白鹅潭商务区的战略定位是什么？", "conghua", "zh-Hans", answer.retrieved, (), True
    )
    text = refusal_text(switched, "zh-Hans")
    assert "“白鹅潭商务区”见于荔湾区的规划" in text and "切换到荔湾区" in text
    assert "分开问" in refusal_text(Guidance(parts=("交通有什么规划？",)), "zh-Hans")


def test_english_and_traditional_refusals_keep_their_script(chain: QAChain) -> None:
    # a district no plan is about: refused whatever the evidence looks like (this test is about the script)
    english = chain.ask("When will Tianhe District open its new library?")
    assert english.refused and "Plans covered:" in english.text
    traditional = chain.ask("火星基地什麼時候建成？")
    assert traditional.refused and "可查詢的規劃" in traditional.text and "廣州市從化區" in traditional.text
