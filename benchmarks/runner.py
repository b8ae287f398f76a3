"""Timing registered cases and printing the result table."""

from __future__ import annotations

import importlib
import importlib.util
import math
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.benchmarking.registry import REGISTRY, BenchCase, CaseFailed, CaseUnavailable, Registry
from crm.models import User


@dataclass
class BenchContext:
    """What cases share: the data size, the data month, a scratch folder, users and logged-in clients."""

    customers: int
    accounts: int
    month: date
    workdir: Path
    log: Callable[[str], None] = print
    _resources: dict[str, object] = field(default_factory=dict)
    _clients: dict[str, Client] = field(default_factory=dict)

    def resource(self, name: str) -> object:
        if name not in self._resources:
            if name not in REGISTRY.resources:
                raise CaseUnavailable(f"未注册的资源 {name}")
            self._resources[name] = REGISTRY.resources[name](self)
        return self._resources[name]

    def user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CaseUnavailable(f"没有用户 {username}") from exc

    def client(self, username: str) -> Client:
        """A test client logged in as ``username`` (session in the benchmark database)."""
        if username not in self._clients:
            client = Client()
            client.force_login(self.user(username))
            self._clients[username] = client
        return self._clients[username]


@dataclass
class CaseResult:
    case: BenchCase
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    status: str = "pass"  # pass | FAIL | n/a | error
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None

    @property
    def p95(self) -> float | None:
        if not self.times_ms:
            return None
        ordered = sorted(self.times_ms)
        return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def run_case(case: BenchCase, ctx: BenchContext, *, repeat: int | None = None) -> CaseResult:
    """Warm up, count the queries of one run, then time ``repeat`` runs (setup untimed)."""
    result = CaseResult(case=case)
    try:
        kwargs = {name: ctx.resource(name) for name in case.needs}

        def once() -> float:
            if case.setup:
                case.setup(ctx, **kwargs)
            started = time.perf_counter()
            outcome = case.func(ctx, **kwargs)
            elapsed = (time.perf_counter() - started) * 1000
            if isinstance(outcome, dict):
                result.extra.update(outcome)
            return elapsed

        for _ in range(case.warmup):
            once()
        if case.count_queries:
            connection.queries_log.clear()  # a bounded log: once full, a capture would see nothing
            with CaptureQueriesContext(connection) as captured:
                once()
            result.queries = len(captured)
        # --repeat overrides the repeated cases; one-shot cases (an import) stay one-shot.
        for _ in range(repeat if repeat and case.repeat > 1 else case.repeat):
            result.times_ms.append(once())
    except CaseUnavailable as exc:
        result.status, result.note = "n/a", f"不可用：{exc}"
        return result
    except CaseFailed as exc:
        result.status, result.note = "FAIL", str(exc)
        return result
    except Exception as exc:  # noqa: BLE001 — one broken case must not stop the others
        result.status = "error"
        result.note = f"{type(exc).__name__}: {exc}"[:300]
        result.extra["traceback"] = traceback.format_exc()
        return result
    result.status = "pass" if result.median is not None and result.median < case.target_ms else "FAIL"
    return result


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}"


def _target(ms: float) -> str:
    return f"< {ms / 1000:g} s" if ms >= 10_000 else f"< {ms:g} ms"


def results_table(results: list[CaseResult]) -> str:
    """A plain-text table: case, runs, median ms, p95 ms, target, queries, result, note."""
    header = ("case", "runs", "median ms", "p95 ms", "target", "queries", "result")
    rows = [header]
    for r in results:
        rows.append((
            r.case.name, str(len(r.times_ms)), _ms(r.median), _ms(r.p95), _target(r.case.target_ms),
            "-" if r.queries is None else str(r.queries), r.status,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for k, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row) if i]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for r in results:
        notes = [r.note] if r.note else []
        notes += [f"{k}={v}" for k, v in r.extra.items() if k != "traceback"]
        if notes:
            lines.append(f"  {r.case.name}: {'; '.join(str(n) for n in notes)}")
    return "\n".join(lines)


def discover() -> Registry:
    """Import the built-in cases and every installed app's ``benchmarks`` module."""
    importlib.import_module("benchmarks.cases")
    importlib.import_module("benchmarks.engine_cases")
    importlib.import_module("benchmarks.job_cases")
    importlib.import_module("benchmarks.task_cases")
    importlib.import_module("benchmarks.my_day_cases")
    importlib.import_module("benchmarks.customer_import_cases")
    for app_config in apps.get_app_configs():
        module = f"{app_config.name}.benchmarks"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    return REGISTRY
