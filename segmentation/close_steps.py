"""Steps that apps above segmentation add to the month close, without segmentation importing them.

An app registers its step in its ``AppConfig.ready()``::

    close_steps.register("tasks", month_tasks_generate)                 # inside the close transaction
    close_steps.register("report_aggregates", aggregates_build)         # same
    close_steps.register("report_packages", packages_archive, after_commit=True)

Each step is called as ``step(month=<first day of the month>, version=<RuleVersion>)`` in registration
order (apps' order in INSTALLED_APPS). Steps inside the transaction see the month's facts, assignments,
tier changes and standing, and a failure rolls the whole close back. After-commit steps run once the
month is closed; a failure there is logged and leaves the close standing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CloseStep:
    name: str
    run: Callable[..., object]
    after_commit: bool = False


_steps: dict[str, CloseStep] = {}


def register(name: str, run: Callable[..., object], *, after_commit: bool = False) -> None:
    """Add (or replace, so a re-run ``ready()`` is harmless) the close step called ``name``."""
    _steps[name] = CloseStep(name=name, run=run, after_commit=after_commit)


def registered(*, after_commit: bool) -> list[CloseStep]:
    return [step for step in _steps.values() if step.after_commit == after_commit]
