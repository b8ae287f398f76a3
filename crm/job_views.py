"""Pages of background jobs: my jobs, one job's progress (polled by htmx), cancel and retry."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.selectors import job_visible_get, jobs_see_all, visible_jobs
from crm.services.jobs import JobActionError, JobConflict, JobStartError, job_cancel, job_may_manage, job_retry

# The browser asks again this often while a job is queued or running (htmx; a meta refresh without JS).
POLL_SECONDS = 2


@require_GET
def job_list(request):
    jobs = visible_jobs(user=request.user)
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    active = any(job.is_active for job in page)
    template = "crm/jobs/list.html#rows" if request.htmx else "crm/jobs/list.html"
    return render(request, template, {"page": page, "active": active, "see_all": jobs_see_all(user=request.user),
                                      "poll_seconds": POLL_SECONDS})


@require_GET
def job_detail(request, pk: int):
    job = get_object_or_404(visible_jobs(user=request.user), pk=pk)
    return render(request, "crm/jobs/detail.html", {
        "job": job, "poll_seconds": POLL_SECONDS, "may_manage": job_may_manage(job=job, user=request.user)})


@require_GET
def job_progress_fragment(request, pk: int):
    """The progress block alone: what the page polls every 2 s (one query for the job besides the session)."""
    job = job_visible_get(user=request.user, pk=pk)
    if job is None:
        raise Http404
    return render(request, "crm/jobs/detail.html#progress", {
        "job": job, "poll_seconds": POLL_SECONDS, "may_manage": job_may_manage(job=job, user=request.user)})


@require_POST
def job_cancel_view(request, pk: int):
    job = get_object_or_404(visible_jobs(user=request.user), pk=pk)
    try:
        job = job_cancel(job=job, by=request.user)
    except JobActionError as exc:
        messages.error(request, str(exc))
    else:
        if job.state == job.State.CANCELLED:
            messages.success(request, job.error)
        else:
            messages.info(request, _("已请求取消：作业将在当前步骤结束时停止，并回滚已做的修改。"))
    return redirect(job)


@require_POST
def job_retry_view(request, pk: int):
    job = get_object_or_404(visible_jobs(user=request.user), pk=pk)
    try:
        new = job_retry(job=job, by=request.user)
    except (JobActionError, JobConflict, JobStartError) as exc:
        messages.error(request, str(exc))
        return redirect(job)
    return redirect(new)
