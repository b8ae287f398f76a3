"""Registering benchmark cases and the (untimed) resources they need.

A case is a function ``case(ctx, **resources)`` timed as a whole on every run. It may return a
``dict`` of extra figures to print (e.g. ``{"rows": 1_000_000}``) and raises ``CaseUnavailable``
when the thing it measures does not exist yet, ``CaseFailed`` when it answers wrongly.
Resources (``@bench_resource("name")``) are built once, before timing, from the context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class CaseUnavailable(Exception):
    """The code under test is not there (yet): reported as "not available", not as a failure."""


class CaseFailed(Exception):
    """The code under test answered wrongly (error page, wrong rows)."""


@dataclass
class BenchCase:
    name: str
    func: Callable[..., object]
    target_ms: float
    repeat: int = 20
    warmup: int = 2
    needs: tuple[str, ...] = ()
    setup: Callable[..., object] | None = None  # untimed, before each run, same arguments as func
    description: str = ""
    count_queries: bool = True
    order: int = 0


@dataclass
class Registry:
    cases: dict[str, BenchCase] = field(default_factory=dict)
    resources: dict[str, Callable[..., object]] = field(default_factory=dict)
    reports: list[Callable[..., object]] = field(default_factory=list)


REGISTRY = Registry()


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def benchmark_case(
    name: str,
    *,
    target_ms: float,
    repeat: int = 20,
    warmup: int = 2,
    needs: tuple[str, ...] | list[str] = (),
    setup: Callable[..., object] | None = None,
    description: str = "",
    count_queries: bool = True,
):
    """Register ``func(ctx, **needs)`` as the case ``name`` with its median target in milliseconds."""

    def decorate(func):
        REGISTRY.cases[name] = BenchCase(
            name=name, func=func, target_ms=target_ms, repeat=repeat, warmup=warmup, needs=tuple(needs),
            setup=setup, description=description or _first_line(func.__doc__), count_queries=count_queries,
            order=len(REGISTRY.cases),
        )
        return func

    return decorate


def bench_resource(name: str):
    """Register ``provider(ctx) -> value``: built once per benchmark run, before any timing."""

    def decorate(func):
        REGISTRY.resources[name] = func
        return func

    return decorate


def bench_report(func):
    """Register ``func(ctx, write)``: printed after the table (e.g. EXPLAIN plans)."""
    REGISTRY.reports.append(func)
    return func
