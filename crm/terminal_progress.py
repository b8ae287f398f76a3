"""Progress of long commands on the terminal: a tqdm bar when stdout is a terminal, plain step lines otherwise.

The same callable shape as a job's progress (``done=, total=, step=``), so a service reports once and the
command line and the browser both show it.
"""

from __future__ import annotations

from typing import TextIO

from tqdm import tqdm


class TerminalProgress:
    """``progress(done=, total=, step=)`` or ``progress("message")`` (the importers' step messages)."""

    def __init__(self, stream: TextIO, *, description: str = "") -> None:
        self.stream = stream
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())
        self.bar: tqdm | None = None
        self.description = description
        self.last_step = ""

    def __call__(self, message: str | None = None, *, done: int | None = None, total: int | None = None,
                 step: str | None = None, **_ignored) -> None:
        step = step if step is not None else message
        if not self.interactive:
            if step and step != self.last_step:
                self.stream.write(f"{step}\n")
            self.last_step = step or self.last_step
            return
        if self.bar is None:
            self.bar = tqdm(total=total or None, desc=self.description, file=self.stream, unit="", leave=True,
                            dynamic_ncols=True)
        if total is not None and total != self.bar.total:
            self.bar.total = total
        if done is not None:
            self.bar.n = done
        elif total is None:
            self.bar.n += 1
        if step:
            self.bar.set_postfix_str(step, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
