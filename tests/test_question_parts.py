"""Two questions in one message, and follow-ups made standalone, over a real two-plan corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.index import Indexer
from qa.corpus import Corpus
from qa.question import carry_context, is_follow_up, names_an_aspect, parts, within_message
from qa.store import ChunkStore, open_client
from qa.terms import question_terms
from qa.types import DocumentInfo
from qa.understand import Understanding
from tests.fakes import BigramEmbeddings

CONGHUA = """# 第五章 民生
到2025年，从化区每千名老人拥有养老床位40张，完善保障措施。
# 第六章 交通
地铁14号线二期建成通车，温泉镇接入城市轨道交通。
"""
LIWAN = """# 第三章 白鹅潭
白鹅潭商务区建成粤港澳大湾区高质量发展新引擎。
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """A real index of two tiny plans, one per district, embedded with the bigram fake."""
    root = tmp_path_factory.mktemp("two-plans")
    sources: list[tuple[Path, DocumentInfo | None]] = []
    for doc_id, district, text in (("conghua", "从化区", CONGHUA), ("liwan", "荔湾区", LIWAN)):
        path = root / f"{doc_id}.txt"
        path.write_text(text, encoding="utf-8")
        sources.append((path, DocumentInfo(doc_id, f"{district}规划", district, "zh-Hans")))
    store = ChunkStore(open_client(root / "index"), "plans", embedding_model="bigram")
    Indexer(store, BigramEmbeddings(), root / "index").ingest(sources, progress=False)
    return Corpus.open(store, root / "index")


@pytest.fixture(scope="module")
def understanding() -> Understanding:
    return Understanding()


def standalone(corpus: Corpus, understanding: Understanding, question: str, previous: str) -> str:
    """What the chain makes of a follow-up without a model: its word count comes from the same reading."""
    reading = understanding.read(question, corpus.idf, corpus.names, corpus.version)
    return carry_context(corpus, question, [(previous, "…")], len(question_terms(corpus, reading.text)))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("从化区养老床位有多少张？地铁几时通车？", ["从化区养老床位有多少张？", "地铁几时通车？"]),
        ("What is the GDP? And the population?", ["What is the GDP?", "And the population?"]),
        ("从化区养老床位有多少张；地铁几时通车", ["从化区养老床位有多少张；", "地铁几时通车"]),
        ("从化区养老床位有多少张，还有地铁几时通车？", ["从化区养老床位有多少张", "还有地铁几时通车？"]),
        ("从化区养老床位有多少张，另外地铁几时通车？", ["从化区养老床位有多少张", "另外地铁几时通车？"]),
        ("从化有冇地铁？荔湾呢？", ["从化有冇地铁？", "荔湾呢？"]),
    ],
)
def test_two_questions_in_one_message_are_split(message: str, expected: list[str]) -> None:
    assert parts(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "从化区到2025年每千名老人拥有多少张养老床位？",
        "从化区养老床位有多少张，地铁呢？",  # a comma alone does not start a second question
        "有吗？从化区养老床位有多少张？",  # 有吗？ is too short to be a question of its own
        "从化区养老床位有多少张；地铁呢",
        "从化区养老床位有多少张？？",
        "从化区养老床位有多少张？🙂",
    ],
)
def test_one_question_or_tiny_fragments_are_not_split(message: str) -> None:
    assert parts(message) == [message]


@pytest.mark.parametrize(
    ("question", "terms", "expected"),
    [
        ("那荔湾呢？", 1, True),
        ("那么荔湾的地铁规划怎么样？", 4, True),
        ("它幾時建好？", 3, True),
        ("佢幾時建好？", 3, True),
        ("咁舊廠改造又有幾多個？", 3, True),  # Cantonese 咁 opening a question: "then"
        ("噉荔灣嗰邊又點？", 2, True),
        ("咁多人排隊，會唔會加位？", 3, False),  # 咁多: "so many"
        ("What about its metro line?", 3, True),
        ("目标呢？", 1, True),  # too few words of its own
        ("白鹅潭商务区要建成什么样？", 4, False),
        ("从化区地铁14号线二期几时通车？", 4, False),
    ],
)
def test_follow_up_is_a_question_leaning_on_the_turn_before(
    question: str, terms: int, expected: bool
) -> None:
    assert is_follow_up(question, terms) is expected


def test_that_district_instead_swaps_the_district_of_the_previous_question(
    corpus: Corpus, understanding: Understanding
) -> None:
    previous = "从化区的养老床位有多少张？"
    assert standalone(corpus, understanding, "那荔湾呢？", previous) == "荔湾区的养老床位有多少张？"
    assert standalone(corpus, understanding, "那荔灣呢？", previous) == "荔湾区的养老床位有多少张？"
    assert standalone(corpus, understanding, "那荔湾呢？", "从化有没有地铁？") == "荔湾有没有地铁？"


def test_that_district_after_a_question_naming_none_prefixes_the_district(
    corpus: Corpus, understanding: Understanding
) -> None:
    assert (
        standalone(corpus, understanding, "那荔湾呢？", "养老床位有多少张？") == "荔湾区 养老床位有多少张？"
    )


def test_a_pronoun_follow_up_carries_the_previous_question(
    corpus: Corpus, understanding: Understanding
) -> None:
    previous = "从化区地铁14号线二期什么时候开工？"
    assert standalone(corpus, understanding, "它幾時建好？", previous) == f"{previous} 它幾時建好？"


def test_previous_turn_is_read_in_simplified(corpus: Corpus, understanding: Understanding) -> None:
    carried = standalone(corpus, understanding, "那荔湾呢？", "從化區的養老床位有多少張？")
    assert carried == "荔湾区的养老床位有多少张？"


@pytest.mark.parametrize(
    "question",
    [
        "白鹅潭商务区要建成什么样？",  # its own topic, after an unrelated turn
        "荔湾区的地铁什么时候通车？",
        "那荔湾的地铁几时通车呢？",  # 那…呢, but it names its district and its own topic
    ],
)
def test_a_question_standing_on_its_own_is_not_changed(
    corpus: Corpus, understanding: Understanding, question: str
) -> None:
    assert standalone(corpus, understanding, question, "从化区的养老床位有多少张？") == question


def test_without_history_nothing_is_carried(corpus: Corpus) -> None:
    assert carry_context(corpus, "那荔湾呢？", [], 0) == "那荔湾呢？"
    assert carry_context(corpus, "它幾時建好？", (), 1) == "它幾時建好？"


def test_the_last_turn_is_the_one_carried(corpus: Corpus) -> None:
    history = [("从化区的地铁几时通车？", "…"), ("从化区的养老床位有多少张？", "…")]
    assert carry_context(corpus, "那荔湾呢？", history, 0) == "荔湾区的养老床位有多少张？"


def test_a_later_part_naming_a_thing_stands_on_its_own(corpus: Corpus) -> None:
    assert within_message(corpus, "以后会有新医院吗？", "我家在从化，看病方便吗？", 2) == "以后会有新医院吗？"


def test_a_later_part_without_a_noun_leans_on_the_first_part(corpus: Corpus) -> None:
    first = "荔湾区中医医院呢？"
    assert within_message(corpus, "會唔會升級？", first, 2) == f"{first} 會唔會升級？"


def test_a_follow_up_naming_another_thing_replaces_the_previous_topic(
    corpus: Corpus, understanding: Understanding
) -> None:
    # 地铁 is about as specific in the plans as 养老床位: the metro is asked about, in the same district
    carried = standalone(corpus, understanding, "那地铁呢？", "从化区的养老床位有多少张？")
    assert carried.startswith("从化区") and "养老床位" not in carried and carried.endswith("那地铁呢？")


def test_a_follow_up_about_an_aspect_keeps_the_previous_topic(
    corpus: Corpus, understanding: Understanding
) -> None:
    previous = "从化区的养老床位有多少张？"
    assert standalone(corpus, understanding, "2025年的目标呢？", previous) == f"{previous} 2025年的目标呢？"


def test_english_follow_ups_swap_an_english_district_name(
    corpus: Corpus, understanding: Understanding
) -> None:
    previous = "How many elderly care beds will Conghua have?"
    assert standalone(corpus, understanding, "What about Liwan?", previous) == (
        "How many elderly care beds will 荔湾区 have?"
    )
    # its own question, naming its own district: not the previous one
    own = "Is anything planned for a hospital in Conghua's northern tourist area?"
    assert standalone(corpus, understanding, own, "What new hospitals is Liwan building?") == own


def test_a_later_part_naming_only_another_district_asks_the_first_part_there(corpus: Corpus) -> None:
    # "某区又是几年？" names a place and asking words but no thing: it asks the first part again, there
    first = "从化区的养老床位这些年加了几年？"
    carried = within_message(corpus, "荔湾区又是几年？", first, 2)
    assert carried.startswith("荔湾区的养老床位") and "从化" not in carried


def test_a_later_part_with_another_district_and_period_keeps_both(corpus: Corpus) -> None:
    carried = within_message(corpus, "荔湾十四五又打算加多少？", "从化十三五养老床位加了多少？", 3)
    assert "从化" not in carried and "十三五" not in carried
    assert "养老床位" in carried and "十四五" in carried


@pytest.mark.parametrize("question", ["荔湾区有冇迪士尼？", "荔湾区的摩天轮几时建好？"])
def test_a_question_naming_a_thing_the_plans_lack_is_not_a_follow_up(corpus: Corpus, question: str) -> None:
    # Its own noun (even one no plan uses) makes it a new question: the previous topic must not make a
    # near-miss look answerable.
    assert carry_context(corpus, question, [("从化区的地铁几时通车？", "…")], 2) == question


def test_a_question_naming_only_a_district_continues_the_previous_topic(corpus: Corpus) -> None:
    carried = carry_context(corpus, "荔湾区又如何？", [("从化区的地铁几时通车？", "…")], 2)
    assert carried.startswith("荔湾区的地铁几时通车")


@pytest.mark.parametrize(
    "question", ["跟荔湾比呢？", "同荔灣比較又點？", "相比荔湾区呢？", "Compared with Liwan?"]
)
def test_a_follow_up_comparing_with_another_district_keeps_both(corpus: Corpus, question: str) -> None:
    carried = carry_context(corpus, question, [("从化区的地铁几时通车？", "…")], 1)
    assert "从化区的地铁几时通车" in carried and question in carried


def test_asking_for_the_details_leans_on_the_turn_before(
    corpus: Corpus, understanding: Understanding
) -> None:
    # 具体 asks for the details of what was just asked about, in the district asked about
    previous = "从化区的地铁几时通车？"
    carried = standalone(corpus, understanding, "有哪些具体项目？", previous)
    assert carried.startswith("从化区") and carried.endswith("有哪些具体项目？")
    # a question naming its own district and topic stands on its own, details or not
    own = "荔湾区白鹅潭商务区具体怎么建？"
    assert standalone(corpus, understanding, own, previous) == own


def test_a_word_naming_an_aspect_of_a_topic_is_no_topic_of_its_own() -> None:
    assert names_an_aspect("措施") and names_an_aspect("政策") and names_an_aspect("项目")
    assert not names_an_aspect("地铁") and not names_an_aspect("学校") and not names_an_aspect("电梯")


def test_a_follow_up_asking_for_the_measures_keeps_the_topic_before(
    corpus: Corpus, understanding: Understanding
) -> None:
    # 措施 is as rare in these plans as 养老床位, yet "which measures?" asks for the measures of that topic
    previous = "从化区的养老床位有多少张？"
    assert corpus.idf.get("措施", 0.0) >= 0.8 * max(corpus.idf["养老"], corpus.idf["床位"])
    carried = standalone(corpus, understanding, "那具体有哪些措施？", previous)
    assert "养老床位" in carried and carried.endswith("那具体有哪些措施？")
