"""The Import panel on the Connections page: upload an export file (a dry run first if wanted), start it,
watch its progress, see what was left out and why. The work is listening.import_jobs'.

The panel is an htmx target like the sync panel: a form posted from it gets the panel back, and a running
job asks for itself again every second. Without htmx the forms redirect back to the page with a flash.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from core.authenticated import AuthenticatedHttpRequest
from core.errors import AppError
from listening import import_jobs
from listening.import_formats import FORMAT_NAMES, Format, Reason
from listening.models import ImportJob
from listening.selectors import import_job_list
from users.models import User
from web.time_zone import user_timezone

IMPORT_JOBS_SHOWN = 5
KNOWN_FORMATS = frozenset(format.value for format in Format)
REASONS = {
    Reason.PODCAST: "podcasts",
    Reason.AUDIOBOOK: "audiobooks",
    Reason.VIDEO: "videos",
    Reason.INCOGNITO: "incognito plays",
    Reason.NO_TITLE_OR_ARTIST: "no title or artist",
    Reason.SKIPPED_SHORT: "skipped in under 30 s",
    Reason.NO_TIME: "no time (now playing, or no date)",
}
_LEVELS = {"success": messages.SUCCESS, "error": messages.ERROR}


def job_view(job: ImportJob) -> dict:
    """What the template shows of a job: its counts with readable names."""
    formats = [
        FORMAT_NAMES.get(Format(name), name) for name in job.format.split(",") if name in KNOWN_FORMATS
    ]
    return {
        "job": job,
        "formats": formats,
        "skipped": [(REASONS.get(reason, reason), count) for reason, count in sorted(job.skipped.items())],
        "skipped_total": sum(job.skipped.values()),
        "can_confirm": job.dry_run and job.status == ImportJob.Status.DONE and bool(job.file),
    }


def import_panel(user: User, notice: tuple[str, str] | None = None) -> dict:
    return {
        "import_jobs": [job_view(job) for job in import_job_list(user=user, limit=IMPORT_JOBS_SHOWN)],
        "import_notice": notice,
        "formats": list(FORMAT_NAMES.values()),
    }


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    with timezone.override(user_timezone(request)):
        return render(request, template, context)


def _answer(request: AuthenticatedHttpRequest, notice: tuple[str, str]) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        return _render(request, "web/partials/connections_import.html", import_panel(request.user, notice))
    messages.add_message(request, _LEVELS[notice[0]], notice[1])
    return redirect("web:connections")


@login_required
@require_POST
@csrf_protect
def _import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _answer(request, ("error", "Choose an export file (a ZIP, JSON, JSONL or CSV) first."))
    dry_run = request.POST.get("dry_run") in ("on", "true", "1")
    try:
        import_jobs.import_start(user=request.user, upload=upload, dry_run=dry_run)
    except AppError as exc:
        return _answer(request, ("error", exc.message))
    if dry_run:
        return _answer(request, ("success", "Dry run started: nothing is stored. Its counts appear below."))
    return _answer(request, ("success", "Import started. The bar below moves as pages are stored."))


@csrf_exempt  # checked by _import_start, after the upload handlers are set (the check reads the body)
def import_start_view(request: HttpRequest) -> HttpResponse:
    request.upload_handlers = [TemporaryFileUploadHandler(request)]  # to disk whatever its size
    return _import_start(cast(AuthenticatedHttpRequest, request))  # login_required checks it


@login_required
@require_POST
def import_confirm_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    try:
        import_jobs.import_confirm(user=request.user, job_id=job_id)
    except AppError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return _answer(request, ("error", exc.message))
    return _answer(request, ("success", "Import started from the dry run's file."))


@login_required
@require_POST
def import_cancel_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    try:
        import_jobs.import_cancel(user=request.user, job_id=job_id)
    except AppError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return _answer(request, ("error", exc.message))
    return _answer(request, ("success", "Import cancelled. The listens it stored stay."))


@login_required
def import_job_view(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """One job (polled every second while it runs; the finished partial stops the polling)."""
    try:
        job = import_jobs.import_job_get(user=request.user, job_id=job_id)
    except AppError as exc:
        raise Http404(exc.message) from None
    return _render(request, "web/partials/connections_import_job.html", {"item": job_view(job)})


urlpatterns = [
    path("connections/imports", import_start_view, name="import_start"),
    path("connections/imports/<int:job_id>", import_job_view, name="import_job"),
    path("connections/imports/<int:job_id>/confirm", import_confirm_view, name="import_confirm"),
    path("connections/imports/<int:job_id>/cancel", import_cancel_view, name="import_cancel"),
]
