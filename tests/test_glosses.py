"""English question words that name things, with every CC-CEDICT word for them (real dictionary)."""

from __future__ import annotations

from qa.glosses import english_concepts


def concepts(question: str) -> dict[str, frozenset[str]]:
    return {c.word: c.spellings for c in english_concepts(question)}


def test_a_noun_is_a_concept_with_all_its_dictionary_words() -> None:
    found = concepts("Is Liwan going to get a casino like the ones in Macau?")
    assert "赌场" in found["casino"]
    assert "get" not in found and "going" not in found  # framing words and verbs name nothing


def test_a_verb_names_no_thing_and_a_romanised_place_name_is_left_to_routing() -> None:
    assert concepts("How much will Conghua build?") == {}


def test_a_hyphenated_word_the_dictionary_lacks_is_read_as_its_parts() -> None:
    found = concepts("Is a Disney-style theme park planned anywhere in Conghua?")
    assert "迪士尼" in found["disney"]
    assert "主题乐园" in found["park"] and "主题乐园" in found["theme"]  # "theme park" is one dictionary word


def test_a_word_is_also_spelled_by_short_glosses_holding_it() -> None:
    # CC-CEDICT glosses 品牌 as "brand name", not "brand": the plans' word is still among brand's spellings.
    assert "品牌" in concepts("Which brands will the district build?")["brands"]


def test_single_characters_are_left_out_when_longer_words_exist() -> None:
    assert all(len(w) >= 2 for w in concepts("What's the ticket price?")["ticket"])


def test_a_word_pair_asked_in_the_singular_is_found_by_its_plural_gloss() -> None:
    # CC-CEDICT glosses 固定资产 "fixed assets"; the question asks of fixed-asset investment.
    assert "固定资产" in concepts("What is the cumulative fixed-asset investment target?")["asset"]
    assert "good" not in concepts("Does a good credit record get residents any perks?")  # not "goods"


def test_a_numbered_shorthand_search_found_is_one_thing_not_its_parts() -> None:
    question = "What does it mean by 'one belt, two zones'?"
    assert [c.word for c in english_concepts(question)] == ["belt", "zones"]  # no plan word found for it
    assert english_concepts(f"{question} 一带两区") == ()  # search was given the plans' 一带两区


def test_both_and_either_frame_a_comparison_and_name_no_thing() -> None:
    assert "both" not in concepts("Do both districts have neighbourhood halls?")
    assert "halls" in concepts("Do both districts have neighbourhood halls?")
