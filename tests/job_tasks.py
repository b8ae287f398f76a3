"""A controllable job for the tests with real worker processes: counts slowly, reporting progress; can fail."""

from __future__ import annotations

import time

from procrastinate.contrib.django import app

from crm.job_runner import JobFailed, job_progress, job_run
from crm.models import Job

COUNT_TASK = "tests.count_slowly"


def count_work(job: Job) -> dict:
    steps, pause = int(job.parameters["steps"]), float(job.parameters.get("pause", 0.3))
    for step in range(steps):
        time.sleep(pause)
        if job.parameters.get("fail_at") == step:
            raise JobFailed(f"第 {step + 1} 步出错（测试）")
        if job.parameters.get("crash_at") == step:
            raise ZeroDivisionError("division by zero")
        job_progress(job, done=step + 1, total=steps, step=f"第 {step + 1} 步")
    return {"counted": steps}


@app.task(name=COUNT_TASK, queue="tasks")
def count_slowly(job_id: int) -> None:
    job_run(job_id, count_work)
