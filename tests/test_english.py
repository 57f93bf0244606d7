"""Whether a text names a thing an English question names, through the real CC-CEDICT."""

from __future__ import annotations

from qa.english import english, names_asked_thing


def test_a_thing_asked_is_found_by_any_of_its_dictionary_words() -> None:
    # children: 儿童, 子女 and (by "young child") 幼儿, which 婴幼儿 holds
    assert names_asked_thing("How do they care for children under three?", {}, "发展婴幼儿照护服务")
    assert not names_asked_thing("Are there casinos?", {}, "发展婴幼儿照护服务")


def test_words_and_verbs_alone_name_no_thing() -> None:
    assert not names_asked_thing("How will they build it?", {}, "建设建造")  # build is a verb
    assert english("How will they build it? 建设")
