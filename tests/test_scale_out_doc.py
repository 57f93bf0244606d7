"""docs/scale-out.md names only settings, commands and tests that exist."""

from __future__ import annotations

import argparse
import re

from qa.settings import REPO_ROOT, Settings
from ui.cli import parser

DOC = (REPO_ROOT / "docs" / "scale-out.md").read_text(encoding="utf-8")


def test_every_setting_the_guide_names_exists() -> None:
    named = set(re.findall(r"PLANQA_([A-Z_]+[A-Z])", DOC))
    known = {name.upper() for name in Settings.model_fields}
    assert "CHROMA_URL" in named and "FEEDBACK_DB" in named
    # PLANQA_OPENAI_* stands for the group
    assert {n for n in named if n != "OPENAI"} <= known, sorted(named - known - {"OPENAI"})


def test_every_test_the_guide_cites_is_in_the_suite() -> None:
    cited = set(re.findall(r"tests/(test_\w+\.py)", DOC))
    assert {"test_load_sessions.py", "test_crash.py", "test_llm_real.py"} <= cited
    assert {c for c in cited if not (REPO_ROOT / "tests" / c).is_file()} == set()


def test_every_planqa_subcommand_the_guide_runs_exists() -> None:
    choices = [a.choices for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    commands = set(choices[0])
    used = set(re.findall(r"^\s*(?:\S+=\S+ )*planqa ([a-z-]+)", DOC, flags=re.MULTILINE))
    assert {"ingest", "chat", "feedback-export"} <= used <= commands
