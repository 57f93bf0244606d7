"""What reading one file may cost, and how a reader says a file cannot be read."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1 << 20
Pages = list[tuple[int | None, str]]  # (page number or None, text of that page)


class LoadError(Exception):
    """A file that cannot be read as a plan; the message says why."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """What one file may cost to read; the defaults are those of the PLANQA_MAX_* settings."""

    file_bytes: int = 100 * MIB
    unpacked_bytes: int = 200 * MIB  # a DOCX is a zip: all its members together, once unpacked
    pdf_pages: int = 2000


DEFAULT_LIMITS = ReadLimits()


def megabytes(size: int) -> str:
    """A size in bytes as the MB (MiB) the settings use."""
    return f"{size / MIB:g} MB"
