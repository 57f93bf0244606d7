"""The `planqa` command in a process of its own, as a user runs it: no PLANQA_ settings but those given."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from qa.settings import REPO_ROOT

PLANQA = [sys.executable, "-m", "ui.cli"]


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its PLANQA_ settings, plus `env`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PLANQA_")}, **(env or {})}


def planqa(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    wrap: Sequence[str] = (),
    limit_bytes: int | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `planqa ARGS`, optionally under a wrapper command (unshare, …) or with a file size limit."""

    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [*wrap, *PLANQA, *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit if limit_bytes is not None else None,
    )
