"""The performance benchmark: a registry of cases, a dedicated database filled by COPY, and a timing runner.

Apps add cases in ``<app>/benchmarks.py`` with ``@benchmark_case`` (see registry.py); the
issue-2 cases live in cases.py. Run with ``python manage.py benchmark``.
"""
