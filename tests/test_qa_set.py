"""Sanity checks for the evaluation question-answer sets (eval/qa.jsonl and eval/qa_holdout.jsonl).

The QA set is hand-written gold data for the PlanQA chatbot over the two
Five-Year Plans in data/plans/.  These tests make sure every item is
well-formed and actually grounded in the plan texts.
"""

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import opencc
import pytest

ROOT = Path(__file__).resolve().parents[1]
QA_PATH = ROOT / "eval" / "qa.jsonl"
# Held out from tuning: the same validity checks, but not the coverage minimums of the tuning set.
HOLDOUT_PATH = ROOT / "eval" / "qa_holdout.jsonl"
PLANS_DIR = ROOT / "data" / "plans"
MANIFEST_PATH = PLANS_DIR / "manifest.json"

FIELDS = {
    "id": str,
    "doc": str,
    "question": str,
    "answer": str,
    "must_include": list,
    "evidence": list,
    "section": str,
    "type": str,
    "lang": str,
}
DOCS = {"conghua", "liwan", "both", "none"}
TYPES = {"number", "list", "definition", "where", "summary", "compare", "unanswerable"}
LANGS = {"zh-Hans", "zh-Hant", "en"}
ID_PREFIX = {"conghua": "ch", "liwan": "lw", "both": "both", "none": "none"}
ID_RE = re.compile(r"^(ch|lw|both|none)-\d{3}$")
HOLDOUT_ID_RE = re.compile(r"^ho-\d{3}$")
CHAPTER_RE = re.compile(r"^第[一二三四五六七八九十]+章")

MIN_ITEMS = 150
MIN_UNANSWERABLE_SHARE = 0.10
MIN_LIWAN_DEFINITIONS = 10

BOTH_SETS = pytest.mark.parametrize("path", [QA_PATH, HOLDOUT_PATH], ids=["qa", "holdout"])


@cache
def _t2s():
    return opencc.OpenCC("t2s")


def t2s(text):
    return _t2s().convert(text)


def squash(text):
    """Simplified script, no whitespace: used to compare headings/sections."""
    return re.sub(r"\s+", "", t2s(text))


@cache
def plan_texts():
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(manifest, list) and manifest, "manifest.json must be a non-empty list"
    texts = {}
    for entry in manifest:
        path = PLANS_DIR / entry["file"]
        assert path.is_file(), f"plan file missing: {path}"
        texts[entry["id"]] = path.read_text(encoding="utf-8")
    return texts


def files_for(doc):
    texts = plan_texts()
    if doc == "both":
        return [texts["conghua"], texts["liwan"]]
    return [texts[doc]]


@cache
def load_items(path=QA_PATH):
    assert path.is_file(), f"{path} not found"
    items = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - reported by assert
                raise AssertionError(f"line {lineno} is not valid JSON: {exc}") from exc
            assert isinstance(obj, dict), f"line {lineno} is not a JSON object"
            items.append(obj)
    return tuple(items)


def chapter_headings(doc):
    seen = []
    for line in plan_texts()[doc].splitlines():
        line = line.strip()
        if CHAPTER_RE.match(line) and line not in seen:
            seen.append(line)
    return seen


# ---------------------------------------------------------------- structure


def test_manifest_lists_both_plans():
    texts = plan_texts()
    assert {"conghua", "liwan"} <= set(texts)


@BOTH_SETS
def test_every_line_parses_and_is_nonempty(path):
    raw_lines = path.read_text(encoding="utf-8").splitlines()
    assert raw_lines, f"{path.name} is empty"
    for lineno, line in enumerate(raw_lines, 1):
        assert line.strip(), f"blank line {lineno} in {path.name}"
        json.loads(line)


@BOTH_SETS
def test_fields_and_types(path):
    for item in load_items(path):
        iid = item.get("id", "?")
        assert set(item) == set(FIELDS), f"{iid}: fields {sorted(item)} != {sorted(FIELDS)}"
        for key, typ in FIELDS.items():
            assert isinstance(item[key], typ), f"{iid}: {key} should be {typ.__name__}"
        assert item["doc"] in DOCS, f"{iid}: bad doc {item['doc']}"
        assert item["type"] in TYPES, f"{iid}: bad type {item['type']}"
        assert item["lang"] in LANGS, f"{iid}: bad lang {item['lang']}"
        if path == HOLDOUT_PATH:
            assert HOLDOUT_ID_RE.match(item["id"]), f"bad holdout id {iid}"
        else:
            assert ID_RE.match(item["id"]), f"bad id {iid}"
            assert item["id"].split("-")[0] == ID_PREFIX[item["doc"]], f"{iid}: id prefix does not match doc"
        assert item["question"].strip(), f"{iid}: empty question"
        assert item["answer"].strip(), f"{iid}: empty answer"
        assert all(isinstance(m, str) and m.strip() for m in item["must_include"]), f"{iid}: bad must_include"
        assert all(isinstance(e, str) and e.strip() for e in item["evidence"]), f"{iid}: bad evidence"


@BOTH_SETS
def test_ids_unique(path):
    ids = [item["id"] for item in load_items(path)]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@BOTH_SETS
def test_unanswerable_items_are_consistent(path):
    for item in load_items(path):
        iid = item["id"]
        is_none = item["doc"] == "none"
        is_unans = item["type"] == "unanswerable"
        assert is_none == is_unans, f"{iid}: doc 'none' must go with type 'unanswerable'"
        if is_none:
            assert item["must_include"] == [], f"{iid}: unanswerable must have empty must_include"
            assert item["evidence"] == [], f"{iid}: unanswerable must have empty evidence"
            assert item["section"] == "", f"{iid}: unanswerable must have empty section"


@BOTH_SETS
def test_answerable_items_have_grounding(path):
    for item in load_items(path):
        if item["doc"] == "none":
            continue
        iid = item["id"]
        assert 1 <= len(item["must_include"]) <= 4, f"{iid}: need 1-4 must_include"
        assert 1 <= len(item["evidence"]) <= 3, f"{iid}: need 1-3 evidence strings"
        assert item["section"].strip(), f"{iid}: empty section"
        for ev in item["evidence"]:
            assert 10 <= len(ev) <= 80, f"{iid}: evidence length {len(ev)} outside 10-80: {ev!r}"
        for m in item["must_include"]:
            assert len(m) <= 14, f"{iid}: must_include too long: {m!r}"


@BOTH_SETS
def test_compare_items_use_both_plans(path):
    texts = plan_texts()
    compares = [i for i in load_items(path) if i["type"] == "compare"]
    for item in compares:
        iid = item["id"]
        assert item["doc"] == "both", f"{iid}: compare items must have doc 'both'"
        in_ch = [e for e in item["evidence"] if e in texts["conghua"]]
        in_lw = [e for e in item["evidence"] if e in texts["liwan"]]
        assert in_ch and in_lw, f"{iid}: compare item needs evidence from both plans"
        ch_joined = t2s("\n".join(in_ch))
        lw_joined = t2s("\n".join(in_lw))
        assert any(m in ch_joined for m in item["must_include"]), f"{iid}: no must_include from conghua"
        assert any(m in lw_joined for m in item["must_include"]), f"{iid}: no must_include from liwan"


# ---------------------------------------------------------------- grounding


@BOTH_SETS
def test_evidence_is_verbatim_in_plan(path):
    for item in load_items(path):
        if item["doc"] == "none":
            continue
        candidates = files_for(item["doc"])
        for ev in item["evidence"]:
            assert any(ev in text for text in candidates), (
                f"{item['id']}: evidence not found verbatim in {item['doc']} plan: {ev!r}"
            )


@BOTH_SETS
def test_must_include_is_simplified_and_in_evidence(path):
    for item in load_items(path):
        if item["doc"] == "none":
            continue
        joined = t2s("\n".join(item["evidence"]))
        for m in item["must_include"]:
            assert t2s(m) == m, f"{item['id']}: must_include not in Simplified script: {m!r}"
            assert m in joined, f"{item['id']}: must_include {m!r} not in t2s(evidence)"


@BOTH_SETS
def test_section_belongs_to_plan(path):
    """Single-plan items: the section's chapter part is a real chapter heading of that plan
    (or the liwan glossary appendix)."""
    for item in load_items(path):
        if item["doc"] not in ("conghua", "liwan"):
            continue
        section = squash(item["section"])
        heads = [squash(h) for h in chapter_headings(item["doc"])]
        ok = any(section.startswith(h) for h in heads)
        if item["doc"] == "liwan":
            ok = ok or section.startswith("附件2")
        assert ok, f"{item['id']}: section does not start with a chapter heading: {item['section']!r}"


# ---------------------------------------------------------------- coverage


def test_minimum_size():
    assert len(load_items()) >= MIN_ITEMS


@BOTH_SETS
def test_unanswerable_share(path):
    items = load_items(path)
    n_unans = sum(1 for i in items if i["type"] == "unanswerable")
    assert n_unans / len(items) >= MIN_UNANSWERABLE_SHARE, f"only {n_unans}/{len(items)} unanswerable"


def test_every_chapter_is_covered():
    items = load_items()
    sections = [squash(i["section"]) for i in items if i["section"]]
    missing = []
    for doc in ("conghua", "liwan"):
        headings = chapter_headings(doc)
        assert headings, f"no chapter headings found in {doc}"
        for heading in headings:
            h = squash(heading)
            if not any(s.startswith(h) for s in sections):
                missing.append(f"{doc}: {heading}")
    assert not missing, "chapters without any question:\n" + "\n".join(missing)


def test_liwan_glossary_definitions():
    n = sum(1 for i in load_items() if i["doc"] == "liwan" and i["type"] == "definition")
    assert n >= MIN_LIWAN_DEFINITIONS, f"only {n} liwan definition items"


@BOTH_SETS
def test_all_languages_present(path):
    langs = {i["lang"] for i in load_items(path)}
    assert langs == LANGS, f"languages present: {sorted(langs)}"


@BOTH_SETS
def test_all_docs_and_types_present(path):
    items = load_items(path)
    assert {i["doc"] for i in items} == DOCS
    assert {i["type"] for i in items} == TYPES


def test_holdout_shares_no_question_with_the_tuning_set():
    tuning = {squash(i["question"]) for i in load_items()}
    shared = [i["id"] for i in load_items(HOLDOUT_PATH) if squash(i["question"]) in tuning]
    assert not shared, f"holdout questions also in qa.jsonl: {shared}"
