"""Reads of the crm app: background jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.models import Job
from crm.roles import SYSTEM_ADMIN, role_names


def jobs_see_all(*, user) -> bool:
    """System admins (superusers or the 系统管理员 role) see everyone's jobs; others only their own."""
    return user.is_superuser or SYSTEM_ADMIN in role_names(user)


def visible_jobs(*, user) -> QuerySet[Job]:
    """The background jobs a user may see: their own, or all of them for a system admin."""
    jobs = Job.objects.select_related("started_by", "org_unit")
    if not user.is_authenticated:
        return jobs.none()
    return jobs if jobs_see_all(user=user) else jobs.filter(started_by=user)


def job_visible_get(*, user, pk: int) -> Job | None:
    """One job if the user may see it (same rule as ``visible_jobs``); the starter's own poll costs one query."""
    job = Job.objects.select_related("started_by", "org_unit").filter(pk=pk).first()
    if job is None or not user.is_authenticated:
        return None
    if job.started_by_id == user.pk or jobs_see_all(user=user):
        return job
    return None
