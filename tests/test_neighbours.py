"""Plan words for a question word the plans never use: by spelling (real jieba), and near it by embedding
(a fake embedder that knows which words mean the same; the bundled e5 model, slow)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from qa.lexicon import Lexicon
from qa.neighbours import (
    WordNeighbours,
    WordVectors,
    looks_for_neighbours,
    plan_vocabulary,
    spelled_alike,
)
from qa.understand import Thesaurus, Understanding

# What each word means, as the fake embedder knows it: words of one meaning embed close together.
MEANINGS = {
    "燃气": "gas",
    "煤气": "gas",
    "儿童": "child",
    "小孩": "child",
    "细路": "child",
    "公园": "park",
    "医院": "hospital",
    "火星": "planet",
    "目前": "now",
    "当前": "now",
}
VOCABULARY = {"燃气": 3.0, "儿童": 2.0, "公园": 2.0, "医院": 2.0, "当前": 3.0, "2025": 1.0, "区": 0.5}


class MeaningEmbed:
    """Embeds a word as its meaning's axis plus a little of its own: one meaning ~0.98 apart, others ~0."""

    def __init__(self, meanings: dict[str, str] = MEANINGS) -> None:
        self.meanings = meanings
        axes = sorted(set(meanings.values()))
        self.axis = {m: i for i, m in enumerate(axes)}
        self.words = sorted(meanings)
        self.calls: list[str] = []

    def __call__(self, word: str) -> list[float]:
        self.calls.append(word)
        vector = np.zeros(len(self.axis) + len(self.words) + 1)
        if word in self.meanings:
            vector[self.axis[self.meanings[word]]] = 1.0
            vector[len(self.axis) + self.words.index(word)] = 0.2
        else:
            vector[-1] = 1.0  # a word it does not know means nothing it knows
        return list(vector)


def neighbours(embed: MeaningEmbed | None = None, shipped: Path | None = None) -> WordNeighbours:
    return WordNeighbours(embed or MeaningEmbed(), shipped, background=False)


def test_a_word_the_plans_lack_finds_the_plan_word_meaning_the_same() -> None:
    near = neighbours()
    assert near.of("煤气", VOCABULARY) == {"燃气"}
    assert near.of("小孩", VOCABULARY) == {"儿童"}


def test_a_word_meaning_nothing_the_plans_say_finds_none() -> None:
    assert neighbours().of("火星", VOCABULARY) == set()


def test_the_floor_decides_what_counts_as_near() -> None:
    strict = WordNeighbours(MeaningEmbed(), None, floor=0.999, background=False)
    assert strict.of("煤气", VOCABULARY) == set()


def test_only_han_words_of_two_characters_are_neighbours_or_asked() -> None:
    assert plan_vocabulary(VOCABULARY) == ["儿童", "公园", "医院", "当前", "燃气"]
    assert neighbours().of("x", VOCABULARY) == set()


def test_question_words_are_embedded_once() -> None:
    embed = MeaningEmbed()
    near = neighbours(embed)
    near.of("煤气", VOCABULARY)
    near.of("煤气", VOCABULARY)
    assert embed.calls.count("煤气") == 1


def test_shipped_vectors_made_by_this_embedder_spare_embedding_the_plans(tmp_path: Path) -> None:
    file = tmp_path / "words.npz"
    WordVectors.embed(plan_vocabulary(VOCABULARY), MeaningEmbed()).save(file)
    embed = MeaningEmbed()
    assert neighbours(embed, file).of("细路", VOCABULARY) == {"儿童"}
    assert set(embed.calls) == {"细路", "儿童"}  # the asked word and the one probe of the file


def test_shipped_vectors_of_another_model_are_not_used(tmp_path: Path) -> None:
    file = tmp_path / "words.npz"
    other = MeaningEmbed({w: "one" for w in MEANINGS})  # every word alike: another model
    WordVectors.embed(plan_vocabulary(VOCABULARY), other).save(file)
    embed = MeaningEmbed()
    assert neighbours(embed, file).of("火星", VOCABULARY) == set()
    assert set(plan_vocabulary(VOCABULARY)) <= set(embed.calls)  # embedded afresh instead


def test_words_the_shipped_file_lacks_are_embedded_in_the_background(tmp_path: Path) -> None:
    file = tmp_path / "words.npz"
    WordVectors.embed(["儿童"], MeaningEmbed()).save(file)
    near = WordNeighbours(MeaningEmbed(), file)
    assert near.of("小孩", VOCABULARY) == {"儿童"}  # at once: shipped
    deadline = time.monotonic() + 5
    while near.of("煤气", VOCABULARY) != {"燃气"} and time.monotonic() < deadline:
        time.sleep(0.01)
    assert near.of("煤气", VOCABULARY) == {"燃气"}


def test_a_new_corpus_draws_from_its_own_words() -> None:
    near = neighbours()
    assert near.of("煤气", VOCABULARY) == {"燃气"}
    assert near.of("煤气", {"儿童": 1.0}) == set()


def test_understanding_uses_neighbours_only_where_lexicon_and_thesaurus_find_nothing() -> None:
    lexicon = Lexicon(replace=(), expand=(("煤气", ("燃气",)),))
    understanding = Understanding(lexicon, Thesaurus([]), neighbours(MeaningEmbed()))
    found = understanding.alternatives(["煤气", "小孩", "火星", "儿童"], VOCABULARY)
    assert found == {"煤气": {"燃气"}, "小孩": {"儿童"}}


def test_a_word_framing_the_question_gets_no_neighbour() -> None:
    near = neighbours()
    assert near.of("目前", VOCABULARY) == {"当前"}  # near by meaning, but 目前 names no topic
    understanding = Understanding(Lexicon(replace=(), expand=()), Thesaurus([]), near)
    assert understanding.alternatives(["目前"], VOCABULARY) == {}


def test_without_neighbours_understanding_adds_no_meaning_alike() -> None:
    understanding = Understanding(Lexicon(replace=(), expand=()), Thesaurus([]))
    assert understanding.alternatives(["小孩"], VOCABULARY) == {}


@pytest.mark.slow
def test_bundled_model_finds_the_plans_word_for_an_everyday_one(tmp_path: Path) -> None:
    from qa.embeddings import E5Embeddings

    embed = E5Embeddings().embed_query
    plans = dict.fromkeys(["工厂", "厂长", "骨伤科", "医院", "公园", "教师", "儿童"], 1.0)
    file = tmp_path / "words.npz"
    WordVectors.embed(plan_vocabulary(plans), embed).save(file)
    near = WordNeighbours(embed, file, background=False)
    assert "工厂" in near.of("厂房", plans)
    assert "骨伤科" in near.of("骨科", plans)
    assert "儿童" in near.of("小孩", plans)
    assert near.of("火星", plans) == set()


def test_a_part_of_the_word_is_no_neighbour() -> None:
    near = neighbours(MeaningEmbed({"动物园": "zoo", "动物": "zoo", "园区": "park"}))
    assert near.of("动物园", {"动物": 2.0, "园区": 2.0}) == set()  # the 园 is what makes it a zoo


@pytest.mark.parametrize("word", ["联手", "那片", "新桥"])  # a verb, a guessed fragment, a place name
def test_only_a_noun_naming_a_thing_gets_neighbours(word: str) -> None:
    embed = MeaningEmbed({word: "same", "合作": "same"})
    understanding = Understanding(Lexicon(replace=(), expand=()), Thesaurus([]), neighbours(embed))
    assert understanding.alternatives([word], {"合作": 2.0}) == {}
    assert neighbours(embed).of(word, {"合作": 2.0}) == {"合作"}  # near, all the same


def test_a_plan_word_with_one_more_character_inside_spells_the_same_thing() -> None:
    plans = {"骨伤科": 3.0, "手工艺": 3.0, "科学": 2.0, "骨科学": 2.0, "伤科": 2.0}
    assert spelled_alike("骨科", plans) == {"骨伤科"}  # not 骨科学 (longer at the end), nor 伤科
    assert spelled_alike("手艺", plans) == {"手工艺"}
    assert spelled_alike("医院", plans) == set()


def test_understanding_finds_a_noun_spelled_with_one_more_character() -> None:
    understanding = Understanding(Lexicon(replace=(), expand=()), Thesaurus([]))
    found = understanding.alternatives(["骨科", "医院"], {"骨伤科": 3.0, "医院": 2.0})
    assert found == {"骨科": {"骨伤科"}}


@pytest.mark.parametrize("word", ["煤气", "骨科", "老人家", "医院"])
def test_neighbours_are_looked_for_dictionary_nouns(word: str) -> None:
    assert looks_for_neighbours(word)


@pytest.mark.parametrize("word", ["区以", "那片", "联手", "天河"])
def test_no_neighbours_for_guessed_fragments_verbs_or_places(word: str) -> None:
    assert not looks_for_neighbours(word)  # 区以/那片 are not dictionary words, 联手 a verb, 天河 a place
