from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models.signals import pre_save
from django.utils import translation

from crm import roles
from crm.partitions import MonthPartitioned, month_partition_ensure
from tests.factories import OrgUnitFactory, UserFactory


def _partition_for_row(sender, instance, **kwargs):
    month_partition_ensure(sender, instance.month)


@pytest.fixture(autouse=True, scope="session")
def month_partitions_for_single_rows():
    """Tests save facts, assignments and tier changes one by one; the close writes them set-based. Before each
    such save, its month's partition is created (crm.partitions.month_partition_ensure)."""
    models = [m for m in apps.get_models() if issubclass(m, MonthPartitioned)]
    for model in models:
        pre_save.connect(_partition_for_row, sender=model, dispatch_uid=f"partition-{model._meta.label}")
    yield
    for model in models:
        pre_save.disconnect(_partition_for_row, sender=model, dispatch_uid=f"partition-{model._meta.label}")


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Each test starts in the default language, whatever a previous request in this thread activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def org_tree(db):
    """The demo tree of interfaces.md: HQ → BR1 (OUT-A, OUT-C), BR2 (OUT-B, OUT-D)."""
    hq = OrgUnitFactory(code="HQ", name="总行", level="hq")
    br1 = OrgUnitFactory(code="BR1", name="第一分行", level="branch", parent=hq)
    br2 = OrgUnitFactory(code="BR2", name="第二分行", level="branch", parent=hq)
    units = {"HQ": hq, "BR1": br1, "BR2": br2}
    for code, parent in [("OUT-A", br1), ("OUT-C", br1), ("OUT-B", br2), ("OUT-D", br2)]:
        units[code] = OrgUnitFactory(code=code, name=f"网点{code[-1]}", level="outlet", parent=parent)
    return units


@pytest.fixture
def rm_a1(org_tree):
    return UserFactory(username="rm_a1", org_unit=org_tree["OUT-A"], roles=[roles.RELATIONSHIP_MANAGER])


@pytest.fixture
def rm_b1(org_tree):
    return UserFactory(username="rm_b1", org_unit=org_tree["OUT-B"], roles=[roles.RELATIONSHIP_MANAGER])


@pytest.fixture
def head_a(org_tree):
    return UserFactory(username="head_a", org_unit=org_tree["OUT-A"], roles=[roles.BRANCH_HEAD])


@pytest.fixture
def hq_user(org_tree):
    return UserFactory(username="hq", org_unit=org_tree["HQ"], roles=[roles.HQ_MANAGEMENT])


@pytest.fixture
def run_jobs(db):
    """Run the queued background jobs in this process, in submission order; returns them refreshed.

    The worker's own code path (the task function → crm.job_runner.job_run) without the queue, for tests
    inside a transaction; tests/crm/test_job_worker.py runs real worker processes.
    """
    from procrastinate.contrib.django import app

    from crm.models import Job

    def run() -> list[Job]:
        ran = []
        for job in Job.objects.filter(state=Job.State.QUEUED).order_by("pk"):
            app.tasks[job.task_name](job_id=job.pk)
            ran.append(job.pk)
        return list(Job.objects.filter(pk__in=ran).order_by("pk"))

    return run


@pytest.fixture
def job_worker(transactional_db, settings, tmp_path):
    """Start real worker processes (``manage.py procrastinate worker``) on the test database.

    Returns ``start(queues="")`` → the Popen; every worker is stopped (SIGTERM, then SIGKILL) after the test.
    The test must use ``transactional_db``: rows written inside a test transaction are invisible to them.
    """
    import os
    import subprocess
    import sys

    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    processes: list[subprocess.Popen] = []
    logs = []
    with connection.cursor() as cursor:  # procrastinate's tables are not emptied between tests
        cursor.execute("DELETE FROM procrastinate_jobs")

    def start(queues: str = "", heartbeat: float = 0.2, extra_env: dict | None = None) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "crm.settings.test",
               "JOB_HEARTBEAT_SECONDS": str(heartbeat), "MEDIA_ROOT": str(settings.MEDIA_ROOT), **(extra_env or {})}
        log_path = tmp_path / f"worker{len(processes)}.log"
        log = open(log_path, "wb")  # noqa: SIM115 — closed after the process ends
        logs.append(log)
        process = subprocess.Popen(  # noqa: S603 — our own manage.py
            [sys.executable, "manage.py", "procrastinate", "worker", "--queues", queues,
             "--fetch-job-polling-interval", "0.2"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        process.log_path = log_path
        processes.append(process)
        return process

    start.database_url = url
    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for log in logs:
        log.close()


@pytest.fixture
def job_wait():
    """Poll a Job until ``until(job)`` holds (default: finished); returns the job and every (state, done) seen."""
    import time

    from crm.models import Job

    def wait(job, *, until=None, timeout: float = 90.0, every: float = 0.05):
        until = until or (lambda j: not j.is_active)
        seen: list[tuple[str, int]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = Job.objects.get(pk=job.pk)
            if not seen or seen[-1] != (job.state, job.progress_done):
                seen.append((job.state, job.progress_done))
            if until(job):
                return job, seen
            time.sleep(every)
        raise AssertionError(f"job #{job.pk} still {job.state} after {timeout} s; seen {seen}")

    return wait
