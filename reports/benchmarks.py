"""Benchmark cases of the reports app (discovered by crm.benchmarking)."""

from . import package_benchmarks  # noqa: F401  (the report package's cases)
