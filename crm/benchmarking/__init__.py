"""The benchmark's case registry: the decorators an app uses to add a timed case.

The framework that runs the cases (dedicated database, data generation, runner, the ``benchmark``
command) is the ``benchmarks`` package beside the apps; its cases live there too (cases.py for pages
and imports, engine_cases.py for the month close, …). Run with ``python manage.py benchmark``.
"""
