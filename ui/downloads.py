"""Folders for briefing downloads: one per export, removed once old, all of them when the process ends."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


class DownloadFolders:
    """Fresh folders under one temporary root; making one first removes those older than max_age seconds.

    Gradio copies a returned file into its own cache as the event ends (and removes that copy on the app's
    delete_cache schedule), so an original here is needed only for a moment: ten minutes is generous.
    """

    def __init__(self, max_age: float = 600.0, clock: Callable[[], float] = time.time) -> None:
        self._root = tempfile.TemporaryDirectory(prefix="planqa-briefs-")  # removed at exit if not before
        self.root = Path(self._root.name)
        self.max_age = max_age
        self.clock = clock

    def new(self) -> Path:
        """An empty folder for one export's files."""
        self.sweep()
        return Path(tempfile.mkdtemp(prefix="brief-", dir=self.root))

    def sweep(self) -> int:
        """Remove folders older than max_age; return how many went."""
        now, gone = self.clock(), 0
        for folder in list(self.root.iterdir()):
            try:
                old = now - folder.stat().st_mtime > self.max_age
            except FileNotFoundError:  # another export's sweep took it first
                continue
            if old:
                shutil.rmtree(folder, ignore_errors=True)
                gone += 1
        return gone

    def close(self) -> None:
        """Remove the root and everything in it."""
        self._root.cleanup()
