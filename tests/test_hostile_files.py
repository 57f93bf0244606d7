"""Hostile files at ingest: each is its own failure with a reason; the good plan is indexed; nothing hangs.

The corpus (tests/hostile_files.py) is made afresh in a temp dir: a torn and a bodiless DOCX, zip bombs with
an honest and a lying header, 100,000 nested HTML elements, UTF-16/32 text with and without a byte-order
mark, a symbolic link out of the folder, a truncated PDF, an empty file and binaries named .txt.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.formats import MIB, ReadLimits
from ingest.index import Indexer, IngestReport
from ingest.load import LoadError, find_sources, load_document, read_lines
from ingest.reading import ChildReader, Isolation, chunker
from qa.settings import BUNDLED_PLANS
from qa.store import ChunkStore, open_client
from tests.commands import planqa
from tests.fakes import BigramEmbeddings
from tests.hostile_files import (
    ENCODED,
    GOOD_PLAN,
    Corpus,
    bomb_docx,
    crashing,
    endless,
    greedy,
    nested_html,
    pdf_bytes,
    stalls,
    write_corpus,
)
from ui.cli import main

CORPUS_LIMITS = ReadLimits(file_bytes=2 * MIB, pdf_pages=2)  # as Corpus.env sets them for the CLI
# Runs a command and writes the peak resident memory (KiB) of it and its children, and its wall time.
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write(f"{peak} {time.perf_counter() - started}")
sys.exit(code)
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The hostile files and the good plan, in a folder of their own."""
    root = tmp_path_factory.mktemp("hostile")
    return write_corpus(root / "plans", root / "outside")


def check_report(report: dict[str, object], corpus: Corpus) -> None:
    """Every bad file is listed once with its reason; every good one is indexed."""
    failed = report["failed"]
    assert isinstance(failed, list)
    reasons = {Path(f["path"]).name: f["error"] for f in failed}
    assert len(reasons) == len(failed)
    bad = {name: pattern for name, pattern in corpus.expected.items() if pattern}
    assert set(reasons) == set(bad), reasons
    for name, pattern in bad.items():
        assert re.search(pattern, reasons[name]), (name, reasons[name])
        assert "\n" not in reasons[name] and "Traceback" not in reasons[name]
    assert report["documents"] == len(corpus.expected) - len(bad)


def test_every_hostile_file_is_its_own_failure_and_the_rest_are_indexed(
    corpus: Corpus, tmp_path: Path
) -> None:
    store = ChunkStore(open_client(tmp_path), "plans", embedding_model="bigram")
    # read in a child process, as the CLI does: 100,000 nested elements took ~10 min before, now seconds
    isolation = Isolation(seconds=60, memory_bytes=1024 * MIB)
    indexer = Indexer(store, BigramEmbeddings(), tmp_path, limits=CORPUS_LIMITS, isolation=isolation)
    found = find_sources([corpus.folder], BUNDLED_PLANS)
    report: IngestReport = indexer.ingest(found.sources, refused=found.refused, progress=False)
    check_report(report.to_json(), corpus)
    good = {Path(name).stem.lower() for name, pattern in corpus.expected.items() if not pattern}
    assert store.doc_ids() == good
    chunks = store.all_chunks()
    assert not any("机密" in chunk.text for chunk in chunks)  # the link's target stayed out
    nested = "".join(chunk.text for chunk in chunks if chunk.doc_id == "nested")
    assert "城市道路网密度达到8公里/平方公里" in nested and "<div>" not in nested


def test_read_here_too_a_reader_error_is_that_files_failure(corpus: Corpus, tmp_path: Path) -> None:
    store = ChunkStore(open_client(tmp_path), "plans", embedding_model="bigram")
    names = ["bodiless.docx", "torn.docx", "good.txt"]
    report = Indexer(store, BigramEmbeddings(), tmp_path).ingest(
        [(corpus.folder / name, None) for name in names], progress=False
    )
    reasons = {Path(f.path).name: f.error for f in report.failed}
    assert list(reasons) == ["bodiless.docx", "torn.docx"]
    assert reasons["bodiless.docx"].startswith("unreadable file (AttributeError: ")  # python-docx tripped
    assert reasons["torn.docx"].startswith("corrupt or unreadable DOCX: ")  # lxml's XMLSyntaxError
    assert store.doc_ids() == {"good"}


@pytest.mark.parametrize("lying", [False, True], ids=["honest", "lying"])
def test_a_docx_bomb_is_refused_without_unpacking_it(tmp_path: Path, lying: bool) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb_docx(lying=lying))
    tracemalloc.start()
    try:
        with pytest.raises(LoadError) as refusal:
            read_lines(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * MIB  # the bomb unpacks to 1 GiB
    reason = "corrupt or unreadable DOCX" if lying else "unpacks to 1024.* MB, more than the 200 MB allowed"
    assert re.search(reason, str(refusal.value))


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_utf16_and_utf32_text_is_decoded_with_or_without_a_byte_order_mark(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(ENCODED[name])
    assert load_document(path).text == GOOD_PLAN


@pytest.mark.parametrize("seed", range(8))
def test_binaries_with_nul_bytes_are_still_refused(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = rng.randbytes(rng.choice([64, 1000, 4096, 65536]))
    path = tmp_path / "data.txt"
    path.write_bytes(data if b"\x00" in data[:8192] else data + b"\x00\x00\x00\x00")
    with pytest.raises(LoadError, match="binary file"):
        read_lines(path)
    path.write_bytes(Path(sys.executable).resolve().read_bytes()[: 4096 * (seed + 1)])
    with pytest.raises(LoadError, match="binary file"):
        read_lines(path)
    # a byte-order mark, then noise that decodes: random code points, no surrogates
    units = [rng.choice([rng.randrange(0x100, 0xD800), rng.randrange(0xE000, 0x10000)]) for _ in range(4096)]
    codec = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"][seed % 4]
    path.write_bytes(("\ufeff" + "".join(map(chr, units))).encode(codec))
    with pytest.raises(LoadError, match="binary file"):
        read_lines(path)


def test_links_and_manifest_entries_may_not_lead_out_of_the_folder(tmp_path: Path) -> None:
    folder, outside = tmp_path / "plans", tmp_path / "outside"
    (folder / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text(GOOD_PLAN, encoding="utf-8")
    (folder / "sub" / "plan.txt").write_text(GOOD_PLAN, encoding="utf-8")
    os.symlink(outside / "secret.txt", folder / "escape.txt")
    os.symlink("../sub/plan.txt", folder / "sub" / "inside.txt")  # relative, and inside: fine
    found = find_sources([folder], BUNDLED_PLANS)
    assert [p.relative_to(folder).as_posix() for p, _ in found.sources] == ["sub/inside.txt", "sub/plan.txt"]
    [(path, reason)] = found.refused
    assert path == folder / "escape.txt"
    assert reason == f"leads to {outside / 'secret.txt'}, outside the folder {folder} given: not followed"

    manifest = [{"id": "secret", "title": "机密", "file": "../outside/secret.txt"}]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    found = find_sources([folder], BUNDLED_PLANS)
    assert found.sources == () and [p.name for p, _ in found.refused] == ["secret.txt"]

    named = find_sources([folder / "escape.txt"], BUNDLED_PLANS)  # named on the command line: the user's call
    assert [p for p, _ in named.sources] == [folder / "escape.txt"] and named.refused == ()


def test_limits_on_size_pages_and_kind_of_file(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(GOOD_PLAN.encode() * 20)
    limits = ReadLimits(file_bytes=len(GOOD_PLAN.encode()) * 10, pdf_pages=2)
    with pytest.raises(LoadError, match=r"file is larger than the 0.\d+ MB allowed \(PLANQA_MAX_FILE_MB\)"):
        read_lines(big, limits)
    assert read_lines(big)[0].startswith(GOOD_PLAN)
    pdf = tmp_path / "pages.pdf"
    pdf.write_bytes(pdf_bytes([["第一章 总则", "经济平稳增长。"]] * 3))
    with pytest.raises(LoadError, match=r"PDF has 3 pages, more than the 2 allowed \(PLANQA_MAX_PDF_PAGES\)"):
        read_lines(pdf, limits)
    assert len(read_lines(pdf, ReadLimits(pdf_pages=3))[1]) >= 6
    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    with pytest.raises(LoadError, match="not a regular file"):
        read_lines(pipe)
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(LoadError, match="not a regular file"):
        read_lines(tmp_path / "folder.md")


def test_a_reader_past_its_time_is_abandoned_and_the_next_file_is_read(tmp_path: Path) -> None:
    stalled, good = tmp_path / "stall.txt", tmp_path / "good.txt"
    for path in (stalled, good):
        path.write_text(GOOD_PLAN, encoding="utf-8")
    with ChildReader(stalls, Isolation(seconds=1)) as read:
        started = time.perf_counter()
        with pytest.raises(LoadError, match=r"longer than the 1 s allowed per file .*: abandoned"):
            read(stalled, None)
        assert time.perf_counter() - started < 10
        assert "城市道路网密度" in "".join(c.text for c in read(good, None))  # a new child took over


def test_a_reader_that_dies_or_wants_too_much_memory_is_that_files_failure(tmp_path: Path) -> None:
    path = tmp_path / "good.txt"
    path.write_text(GOOD_PLAN, encoding="utf-8")
    with ChildReader(crashing, Isolation(seconds=30)) as read, pytest.raises(LoadError) as died:
        read(path, None)
    assert str(died.value) == "the reader process died reading it (killed by SIGKILL)"
    with ChildReader(chunker(400, 1), Isolation(seconds=30)) as read:
        assert read(path, None)
        assert read._child is not None
        child = read._child[0]
        child.kill()  # between files, from outside: the next file gets a new child, not the blame
        child.wait()
        assert read(path, None)
    with ChildReader(greedy, Isolation(seconds=30, memory_bytes=512 * MIB)) as read:
        for _ in range(2):  # the same child reads on after a MemoryError
            with pytest.raises(LoadError) as hungry:
                read(path, None)
            assert str(hungry.value) == "ran out of memory reading the file"


def test_ctrl_c_stops_the_ingest_and_its_reader(tmp_path: Path) -> None:
    path = tmp_path / "good.txt"
    path.write_text(GOOD_PLAN, encoding="utf-8")
    reader = ChildReader(endless, Isolation(seconds=60))
    # Ctrl+C must raise here even when the test run was started as a background job, which inherits SIGINT
    # ignored (then the signal would be lost and the reader would wait out its 60 s).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with reader, pytest.raises(KeyboardInterrupt):  # not turned into a failure of the file
            reader(path, None)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert reader._child is None  # the child was killed on the way out


@dataclass(frozen=True, slots=True)
class Run:
    """One `planqa ingest --json` run: its report, exit code, and peak memory and time with its children."""

    report: dict[str, object]
    code: int
    peak_mb: float
    seconds: float


def measured_ingest(tmp_path: Path, *paths: str, env: dict[str, str]) -> Run:
    """Run `planqa ingest --json` on these paths, measured; it must print no traceback."""
    out = tmp_path / "measure.txt"
    index = tmp_path / "index"
    result = planqa(
        "ingest", "--json", "--quiet", "--index", str(index), *paths,
        env=env, cwd=tmp_path, wrap=(sys.executable, "-c", MEASURE, str(out)),
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    peak_kib, seconds = out.read_text().split()
    return Run(json.loads(result.stdout), result.returncode, int(peak_kib) / 1024, float(seconds))


@pytest.mark.slow  # the real embedding model indexes the good plan
def test_the_hostile_corpus_through_the_command_line(corpus: Corpus, tmp_path: Path) -> None:
    run = measured_ingest(tmp_path, str(corpus.folder), env=corpus.env)
    assert run.code == 1
    check_report(run.report, corpus)
    print(f"hostile ingest: peak {run.peak_mb:.0f} MB, {run.seconds:.1f} s")
    assert run.peak_mb < 600  # before: 2.3 GB (the bomb unpacked), then a traceback
    assert run.seconds < 60  # before: ~10 min in the nested HTML


def test_the_time_limit_applies_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's, and no PLANQA_ variables but this one
    for name in [k for k in os.environ if k.startswith("PLANQA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PLANQA_MAX_SECONDS_PER_FILE", "1")
    path = tmp_path / "deep.html"
    path.write_bytes(nested_html(300_000))  # ~12 s to read
    started = time.perf_counter()
    assert main(["ingest", "--json", "--quiet", "--index", str(tmp_path / "index"), str(path)]) == 1
    assert time.perf_counter() - started < 30
    took = "reading took longer than the 1 s allowed per file (PLANQA_MAX_SECONDS_PER_FILE): abandoned"
    assert json.loads(capsys.readouterr().out)["failed"] == [{"path": str(path), "error": took}]
