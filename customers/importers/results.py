"""What an import reports back: counts, every bad row, or one file-level problem."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class RowError:
    """One bad cell: the row as the user sees it in Excel (header = row 1), the column header, the reason."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row:
            return f"行 {self.row}, 列 {self.column}: {self.message}"
        return f"列 {self.column}: {self.message}"


@dataclass
class ImportResult:
    """Outcome of one import. Nothing was written when ``errors`` or ``file_error`` is set."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str | None = None
    rows: int = 0
    accounts_created: int = 0
    handed_over: int = 0  # customers an import moved to another maintainer or org unit (recorded as handovers)
    dry_run: bool = False
    # Wall time of each step in milliseconds, in order (the benchmark prints the breakdown).
    step_ms: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.file_error is None


@contextmanager
def timed(step_ms: dict[str, int] | None, name: str) -> Iterator[None]:
    """Time the block into ``step_ms[name]`` (nothing when ``step_ms`` is None)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if step_ms is not None:
            step_ms[name] = round((time.perf_counter() - started) * 1000)


class FileError(Exception):
    """The file as a whole cannot be imported (wrong type, empty, too many rows, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
