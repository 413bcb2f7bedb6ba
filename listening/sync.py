"""Background sync: jobs that import a user's plays page by page, resumable, within rate limits.

- Spotify keeps only the last ~50 plays, so new plays are fetched often with `after=<newest ms>`.
- Last.fm: a backfill walks the whole history from the oldest page to the newest, 200 a page, with
  `to` fixed at the start so pages do not shift while it runs; a sync does the same from the newest
  stored play (`from`). Last.fm asks for at most 5 requests a second per key (a shared limiter).

Each page's listens and the job's cursor are saved in one transaction: a crash loses at most the
page in flight, which the next run fetches again. A rate limit or a provider that is down puts the
job in `waiting` until `retry_at`; the work done stays done.

Liveness: every step writes the job's `heartbeat_at`. A worker that dies (killed, out of memory)
leaves its job active and silent, and its unacknowledged Celery message stuck in Redis until the
visibility timeout (an hour). The scheduler's watchdog (`sync_resume_dead`, every
SYNC_WATCHDOG_SECONDS) resumes every job silent for SYNC_JOB_DEAD_SECONDS, and `POST /music/sync/`
resumes a dead job at once instead of answering 409. Resuming is a conditional UPDATE, so two
schedulers never both resume a job; two runs of one job are harmless anyway: a page is stored only
by the run whose cursor still matches, and the other run stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core import clock
from core.error_codes import ErrorCode
from core.errors import AppError, Conflict, InvalidInput, NotFound
from core.tasks import enqueue_on_commit
from listening import sources
from listening.models import Listen, Source, SyncJob
from listening.selectors import spotify_poll_interval
from listening.store import listens_store
from listening.twins import spotify_twins
from providers import base as provider_errors
from users import vault
from users.models import User, UserApiKey

logger = logging.getLogger(__name__)

SYNC_SOURCES = (Source.SPOTIFY, Source.LASTFM)
LASTFM_PAGE_SIZE = 200
SPOTIFY_PAGE_SIZE = 50
MAX_ATTEMPTS = 6  # provider failures in a row before a job gives up (it can be started again)
INLINE_WAIT_SECONDS = 5  # shorter waits are slept through; longer ones reschedule the task
TIME_BUDGET_SECONDS = 25  # one task run works this long, then hands over to a fresh run


@dataclass(frozen=True)
class Step:
    """What the runner does next: `more` pages, `wait` seconds, or stop (`done`)."""

    more: bool = False
    wait: float | None = None
    done: bool = False


# --- starting ----------------------------------------------------------------------------------------


def _initial_cursor(user: User, source: str, kind: str) -> dict:
    newest = Listen.objects.filter(user=user, source=source).aggregate(newest=Max("played_at"))["newest"]
    now = sources.epoch_seconds(timezone.now())
    if source == Source.SPOTIFY:
        return {"after": round(newest.timestamp() * 1000) if newest else None}
    if kind == SyncJob.Kind.BACKFILL or newest is None:
        return {"from": None, "to": now, "page": None}
    return {"from": sources.epoch_seconds(newest) + 1, "to": now, "page": None}


def _check_source_ready(user: User, source: str) -> None:
    """Fails early, with the seed's messages, when the user has not set the source up."""
    if source == Source.LASTFM:
        sources.lastfm_account(user=user)
    elif not UserApiKey.objects.filter(user=user, service_name="spotify").exists():
        from users.vault import ApiKeyMissing

        raise ApiKeyMissing("No Spotify API key found")


def sync_start(*, user: User, source: str, kind: str = SyncJob.Kind.SYNC) -> SyncJob:
    """Starts (or resumes) the user's job for a source; one at a time per user and source."""
    if source not in SYNC_SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SYNC_SOURCES)}.", field="source")
    if kind not in SyncJob.Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(SyncJob.Kind.values)}.", field="kind")
    if source == Source.SPOTIFY and kind == SyncJob.Kind.BACKFILL:
        raise InvalidInput(
            "Spotify keeps only your last 50 plays, so there is no history to backfill: use kind=sync "
            "(MusicHub syncs it in the background to keep every play).",
            field="kind",
        )
    _check_source_ready(user, source)
    with transaction.atomic():
        active = SyncJob.objects.select_for_update().filter(
            user=user, source=source, status__in=SyncJob.ACTIVE
        )
        job = active.first()
        if job is not None:
            dead = job.is_dead()
            if not (dead or job.status == SyncJob.Status.WAITING):
                raise Conflict(
                    f"A {job.kind} of your {source} history is already running (job {job.pk}).",
                    code=ErrorCode.SYNC_IN_PROGRESS,
                )
            if dead:
                logger.info("Sync job %s was silent since %s: resumed on request", job.pk, job.heartbeat_at)
            job.status = SyncJob.Status.QUEUED  # resume where it stopped
            job.retry_at = None
            job.heartbeat_at = timezone.now()
            job.save()
        else:
            try:
                with transaction.atomic():
                    job = SyncJob.objects.create(
                        user=user,
                        source=source,
                        kind=kind,
                        cursor=_initial_cursor(user, source, kind),
                        heartbeat_at=timezone.now(),
                    )
            except IntegrityError as exc:  # started concurrently
                raise Conflict(
                    f"A sync of your {source} history is already running.", code=ErrorCode.SYNC_IN_PROGRESS
                ) from exc
        from listening.tasks import run_sync_job

        enqueue_on_commit(run_sync_job, job.pk)
    logger.info("User %s: %s of %s queued (job %s)", user.pk, kind, source, job.pk)
    return job


def sync_enqueue_due() -> int:
    """Starts a sync for every user with a connected source and no job running (the periodic task)."""
    started = 0
    keys = UserApiKey.objects.filter(service_name__in=["spotify", "lastfm"]).select_related("user")
    for key in keys.iterator():
        if key.service_name == "lastfm" and not key.service_user_id:
            continue
        if key.service_name == "spotify" and vault.api_key_grant(key).needs_reconnect:
            continue
        if SyncJob.objects.filter(user=key.user, source=key.service_name, status__in=SyncJob.ACTIVE).exists():
            continue
        if key.service_name == "spotify" and not _spotify_due(key.user):
            continue
        try:
            sync_start(user=key.user, source=key.service_name)
            started += 1
        except AppError as exc:
            logger.info("Not syncing %s for user %s: %s", key.service_name, key.user_id, exc.message)
    return started


def _spotify_due(user: User) -> bool:
    """Whether this user's Spotify is due: read as often as their listening needs, not on every sweep
    (listening.selectors.spotify_poll_interval), so the app's quota goes to people who are listening."""
    last = (
        SyncJob.objects.filter(user=user, source="spotify", status=SyncJob.Status.DONE)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last is None:
        return True
    interval = spotify_poll_interval(
        user=user,
        shortest=timedelta(minutes=settings.LISTENING_SYNC_MINUTES),
        longest=timedelta(minutes=max(settings.SPOTIFY_POLL_MAX_MINUTES, settings.LISTENING_SYNC_MINUTES)),
    )
    # A sweep comes every LISTENING_SYNC_MINUTES: a user due before the next one is read now.
    return last + interval <= timezone.now() + timedelta(minutes=settings.LISTENING_SYNC_MINUTES) / 2


def sync_resume_dead(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Resumes every active job silent for SYNC_JOB_DEAD_SECONDS (the watchdog's periodic task).

    Each job is claimed by a conditional UPDATE that matches only while it is still dead, so when
    two schedulers (or a scheduler and `POST /music/sync/`) race, exactly one resumes it.
    """
    now = now or timezone.now()
    cutoff = now - SyncJob.dead_after()
    dead = SyncJob.objects.filter(SyncJob.dead_q(cutoff=cutoff)).order_by("heartbeat_at")
    resumed = []
    for job_id in dead.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            claimed = SyncJob.objects.filter(SyncJob.dead_q(cutoff=cutoff), pk=job_id).update(
                status=SyncJob.Status.QUEUED, retry_at=None, heartbeat_at=now, updated_at=now
            )
            if claimed:
                from listening.tasks import run_sync_job

                enqueue_on_commit(run_sync_job, job_id)
                resumed.append(job_id)
    if resumed:
        logger.warning("Resumed %s sync job(s) whose worker stopped: %s", len(resumed), resumed)
    return resumed


def sync_job_get(*, user: User, job_id: int) -> SyncJob:
    job = SyncJob.objects.filter(user=user, pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


# --- running -----------------------------------------------------------------------------------------


def sync_run(
    job_id: int, *, budget_seconds: float = TIME_BUDGET_SECONDS, sleep: Callable[[float], None] = clock.sleep
) -> Step:
    """Runs pages until the job is done, must wait long, or the time budget is spent.

    Returns the last step: `more` (hand over to a fresh run), `wait` (reschedule), or `done`.
    """
    deadline = clock.monotonic() + budget_seconds
    while True:
        step = sync_step(job_id)
        if step.done:
            return step
        if step.wait is not None:
            if step.wait > INLINE_WAIT_SECONDS or clock.monotonic() + step.wait > deadline:
                return step
            sleep(step.wait)
            continue
        if clock.monotonic() > deadline:
            return step


def _fail(job: SyncJob, message: str, code: str) -> Step:
    job.mark_failed(message, code)
    job.save()
    logger.info("Sync job %s failed: %s", job.pk, code)
    return Step(done=True)


def _wait(job: SyncJob, seconds: float, message: str, code: str) -> Step:
    job.status = SyncJob.Status.WAITING
    job.retry_at = timezone.now() + timedelta(seconds=seconds)
    job.last_error = message[:2000]
    job.error_code = code
    job.save()
    return Step(wait=seconds)


@dataclass(frozen=True)
class Fetched:
    rows: list
    cursor: dict  # where the next page starts
    finished: bool
    pages_total: int | None = None
    is_page: bool = True  # False for Last.fm's first call, which only learns the page count


def _fetch(job: SyncJob) -> Fetched:
    cursor = dict(job.cursor)
    if job.source == Source.SPOTIFY:
        rows, recent = sources.spotify_recent(
            user=job.user, after_ms=cursor.get("after"), limit=SPOTIFY_PAGE_SIZE
        )
        newest = max((row.played_at for row in rows), default=None)
        if newest is not None:
            cursor["after"] = max(cursor.get("after") or 0, round(newest.timestamp() * 1000))
        return Fetched(rows, cursor, finished=len(recent.items) < SPOTIFY_PAGE_SIZE)

    account = sources.lastfm_account(user=job.user)
    page = cursor.get("page")
    rows, answer = sources.lastfm_page(
        account, page=page or 1, limit=LASTFM_PAGE_SIZE, from_ts=cursor.get("from"), to_ts=cursor.get("to")
    )
    if page is None:  # the first call learns how many pages there are; the walk starts at the oldest
        if answer.total_pages > 1:
            cursor["page"] = answer.total_pages
            return Fetched([], cursor, finished=False, pages_total=answer.total_pages, is_page=False)
        return Fetched(rows, cursor, finished=True, pages_total=answer.total_pages)
    cursor["page"] = page - 1
    return Fetched(rows, cursor, finished=page <= 1)


def sync_step(job_id: int) -> Step:
    """Fetches and stores one page; the cursor moves only with the page's commit."""
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().select_related("user").filter(pk=job_id).first()
        if job is None or not job.is_active:
            return Step(done=True)
        job.status = SyncJob.Status.RUNNING
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "heartbeat_at", "updated_at"])
    cursor_used = dict(job.cursor)

    try:
        fetched = _fetch(job)
    except provider_errors.ProviderRateLimited as exc:
        return _wait(
            job, exc.retry_after or 30, f"Rate limited by {exc.provider}: {exc.message}", exc.code_name
        )
    except (provider_errors.ProviderUnavailable, provider_errors.ProviderBadResponse) as exc:
        job.attempts += 1
        if job.attempts >= MAX_ATTEMPTS:
            return _fail(job, f"{exc.provider} kept failing: {exc.message}", exc.code_name)
        return _wait(job, min(2**job.attempts, 300), f"{exc.provider} failed: {exc.message}", exc.code_name)
    except provider_errors.ProviderError as exc:
        return _fail(job, f"{exc.provider}: {exc.message}", exc.code_name)
    except AppError as exc:  # no key, no username, a Spotify connection to renew, a local rate-limit wait
        if exc.status == 429:
            return _wait(job, getattr(exc, "retry_after", None) or 1, exc.message, exc.code)
        return _fail(job, exc.message, exc.code)

    with transaction.atomic():
        locked = SyncJob.objects.select_for_update().get(pk=job_id)
        if not locked.is_active or locked.cursor != cursor_used:
            return Step(done=True)  # cancelled, or another run already took this page
        rows = fetched.rows
        if locked.source == "spotify":  # plays an imported export already holds are not stored again
            twins = spotify_twins(locked.user_id, rows)
            rows = [row for number, row in enumerate(rows) if number not in twins]
        new = listens_store(user_id=locked.user_id, rows=rows)
        locked.cursor = fetched.cursor
        locked.pages_done += 1 if fetched.is_page else 0
        if fetched.pages_total is not None:
            locked.pages_total = fetched.pages_total
        locked.imported += new
        locked.attempts = 0
        locked.heartbeat_at = timezone.now()
        if fetched.finished:
            locked.mark_done()
        else:
            locked.status = SyncJob.Status.RUNNING
            locked.last_error = ""
            locked.error_code = ""
        locked.save()
    return Step(done=fetched.finished, more=not fetched.finished)
