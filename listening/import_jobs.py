"""Export files imported as background jobs: start, run page by page, resume after a crash, cancel.

`import_start` stores the upload (MEDIA_ROOT/imports/, streamed: Django's temporary file is moved,
never read into memory), checks what it holds (`import_archive.members_of`: formats, ZIP safety)
and queues the job. `import_run` (the Celery task, or a thread without Redis) reads each member as
a stream and stores PAGE_ROWS rows at a time; the page's listens, the counts and the cursor commit
together, so a crash loses at most the page in flight. A run whose cursor no longer matches the
row (cancelled, or another run took over) stops. The watchdog (`import_resume_dead`, beside the sync
watchdog) re-queues a job whose worker stopped beating for SYNC_JOB_DEAD_SECONDS; the resumed run
re-reads the current member up to the saved row.

A dry run reads everything and stores nothing; its file is kept so that `import_confirm` can import
it for real without a second upload (one per user: a new upload deletes older dry runs' files).

Duplicates: the store's unique key (user, title, artist, played_at) makes a re-import add nothing.
Spotify's API and its exports both give a play's end, but the API to the millisecond and the
exports to the second (extended history) or the minute (account data), so a Spotify export row is
also the same play as a stored Spotify row (API or export) with the same case- and space-folded
title and artist ending within 10 s of it (within the minute plus 10 s for minute-resolution rows).
"""

from __future__ import annotations

import logging
import threading
import uuid
import zipfile
from collections import Counter
from collections.abc import Generator, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from queue import Full, Queue
from typing import IO, TypeVar

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.error_codes import ErrorCode
from core.errors import Conflict, NotFound
from core.tasks import enqueue_on_commit
from listening.import_archive import CountingReader, Member, member_stream, members_load, members_of
from listening.import_formats import Bad, Format, FormatError, Skip, parse
from listening.importers import ListenRow
from listening.models import ImportJob, Listen, SyncJob
from listening.store import listens_store_page
from listening.twins import spotify_twins
from users.models import User

logger = logging.getLogger(__name__)

T = TypeVar("T")
PAGE_ROWS = 5000  # rows read (listens, skips, bad rows) between two commits of the job's place
MINUTE_FORMATS = frozenset({Format.SPOTIFY_ACCOUNT})  # end times truncated to the minute


# --- starting, reading, cancelling ------------------------------------------------------------------


def import_start(*, user: User, upload: File, dry_run: bool = False) -> ImportJob:
    """Stores the upload, checks what it holds (refusing it with a clear error) and queues the job."""
    original = PurePath(upload.name or "upload").name[:255]
    try:
        stored = default_storage.save(
            f"imports/{user.pk}/{uuid.uuid4().hex}{PurePath(original).suffix[:10]}", upload
        )
    finally:
        # A temporary upload was moved into storage: closing it now keeps its finaliser from
        # trying to delete a file that is no longer there.
        with suppress(OSError):
            upload.close()
    try:
        with default_storage.open(stored, "rb") as file:
            members = members_of(file, name=original)
    except Exception:
        default_storage.delete(stored)
        raise
    readable = [member for member in members if member.format]
    _forget_dry_runs(user)
    with transaction.atomic():
        job = ImportJob.objects.create(
            user=user,
            file=stored,
            file_name=original,
            dry_run=dry_run,
            format=_formats_label(readable),
            members=[member.as_dict() for member in members],
            cursor={"member": 0, "item": 0},
            bytes_total=sum(member.size for member in readable),
            heartbeat_at=timezone.now(),
        )
        from listening.tasks import run_import_job

        enqueue_on_commit(run_import_job, job.pk)
    logger.info("User %s: import %s queued (%s, %s bytes)", user.pk, job.pk, job.format, job.bytes_total)
    return job


def import_confirm(*, user: User, job_id: int) -> ImportJob:
    """Imports for real the file a finished dry run read (its upload was kept for this)."""
    with transaction.atomic():
        dry = ImportJob.objects.select_for_update().filter(user=user, pk=job_id).first()
        if dry is None:
            raise NotFound()
        if not (dry.dry_run and dry.status == ImportJob.Status.DONE and dry.file):
            raise Conflict(
                "Only a finished dry run whose file was not imported yet can be imported: "
                "upload the file again.",
                code=ErrorCode.IMPORT_FINISHED,
            )
        job = ImportJob.objects.create(
            user=user,
            file=dry.file.name,
            file_name=dry.file_name,
            format=dry.format,
            members=dry.members,
            cursor={"member": 0, "item": 0},
            bytes_total=dry.bytes_total,
            heartbeat_at=timezone.now(),
        )
        dry.file = ""  # the file now belongs to the real run (deleted when it ends)
        dry.save(update_fields=["file", "updated_at"])
        from listening.tasks import run_import_job

        enqueue_on_commit(run_import_job, job.pk)
    return job


def _forget_dry_runs(user: User) -> None:
    """A user keeps one dry run's file for `import_confirm`: older ones are deleted at a new upload."""
    kept = ImportJob.objects.filter(user=user, dry_run=True, status=ImportJob.Status.DONE).exclude(file="")
    for job in kept:
        _delete_file(job.file.name or "")
    kept.update(file="")


def _formats_label(members: list[Member]) -> str:
    """The formats of the files read, or "mixed" when they do not fit the column (`members` has each)."""
    label = ",".join(sorted({member.format for member in members}))
    return label if len(label) <= (ImportJob._meta.get_field("format").max_length or 0) else "mixed"


def import_job_get(*, user: User, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(user=user, pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def import_cancel(*, user: User, job_id: int) -> ImportJob:
    """Stops a queued or running job; the pages it stored stay (their listens are real plays)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(user=user, pk=job_id).first()
        if job is None:
            raise NotFound()
        if not job.is_active:
            raise Conflict(f"Import {job.pk} already ended ({job.status}).", code=ErrorCode.IMPORT_FINISHED)
        job.status = ImportJob.Status.CANCELLED
        job.finished_at = timezone.now()
        name = job.file.name or ""
        job.file = ""
        job.save()
        transaction.on_commit(lambda: _delete_file(name))
    return job


def import_resume_dead(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Re-queues every active job silent for SYNC_JOB_DEAD_SECONDS (the watchdog's periodic task).

    A conditional UPDATE claims each one, so two schedulers never both resume it."""
    now = now or timezone.now()
    cutoff = now - SyncJob.dead_after()
    resumed = []
    dead = ImportJob.objects.filter(ImportJob.dead_q(cutoff=cutoff)).order_by("heartbeat_at")
    for job_id in dead.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            claimed = ImportJob.objects.filter(ImportJob.dead_q(cutoff=cutoff), pk=job_id).update(
                status=ImportJob.Status.QUEUED, heartbeat_at=now, updated_at=now
            )
            if claimed:
                from listening.tasks import run_import_job

                enqueue_on_commit(run_import_job, job_id)
                resumed.append(job_id)
    if resumed:
        logger.warning("Resumed %s import job(s) whose worker stopped: %s", len(resumed), resumed)
    return resumed


def _delete_file(name: str) -> None:
    if name:
        try:
            default_storage.delete(name)
        except OSError:  # already gone: nothing to free
            logger.info("Import file %s was already gone", name)


# --- running -----------------------------------------------------------------------------------------


@dataclass
class Page:
    """What was read since the last commit."""

    rows: list[ListenRow] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    bad: list[dict] = field(default_factory=list)
    items: int = 0

    def add(self, item: ListenRow | Skip | Bad, member: Member) -> None:
        self.items += 1
        if isinstance(item, ListenRow):
            self.rows.append(item)
        elif isinstance(item, Skip):
            self.skipped[item.reason] += 1
        else:
            self.bad.append({"file": member.name, "where": item.where, "message": item.message})


class _Stop(Exception):
    """The job was cancelled, or another run holds it: this run stops quietly."""


def import_run(job_id: int) -> str:
    """Reads the job's file from its saved place to the end (or until it is cancelled)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_active:
            return "gone"
        job.status = ImportJob.Status.RUNNING
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "heartbeat_at", "updated_at"])
    missing = ("The uploaded file is gone: upload it again.", ErrorCode.IMPORT_FILE_MISSING)
    if not job.file:
        _finish(job_id, failed=missing)
        return "failed"
    try:
        with default_storage.open(job.file.name or "", "rb") as file:
            _read_all(job, file)
    except _Stop:
        return "stopped"
    except FileNotFoundError:
        _finish(job_id, failed=missing)
        return "failed"
    except _Failed as failure:
        _finish(job_id, failed=(failure.message, ErrorCode.IMPORT_MALFORMED))
        return "failed"
    except Exception:
        # A bug or a database that went away: the job ends rather than being resumed forever by the
        # watchdog. What it stored stays; uploading the file again adds only what is missing.
        logger.exception("Import %s stopped on an unexpected error", job_id)
        _finish(
            job_id,
            failed=(
                "The import stopped on an unexpected error. What it stored stays: upload the file again "
                "to add the rest (nothing is added twice).",
                ErrorCode.SERVER_ERROR,
            ),
        )
        return "failed"
    _finish(job_id)
    return "done"


class _Failed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read_all(job: ImportJob, file: IO[bytes]) -> None:
    members = members_load(job.members)
    cursor = dict(job.cursor)
    done_bytes = sum(member.size for member in members[: cursor["member"]] if member.format)
    for index in range(cursor["member"], len(members)):
        member = members[index]
        if not member.format:
            continue
        start = cursor["item"] if index == cursor["member"] else 0
        cursor = _read_member(job, file, members, index, start, cursor, done_bytes)
        done_bytes += member.size


@dataclass(frozen=True)
class ReadPage:
    """A page read from a member, handed from the reading thread to the storing one."""

    page: Page
    position: int  # rows of the member read so far
    bytes_read: int  # of the member
    last: bool = False
    error: str = ""  # the member stopped being its format here


def _read_pages(stream: CountingReader, member: Member, start: int) -> Iterator[ReadPage]:
    page = Page()
    position = 0
    try:
        for item in parse(stream, Format(member.format)):
            position += 1
            if position <= start:
                continue  # stored by an earlier run
            page.add(item, member)
            if page.items >= PAGE_ROWS:
                yield ReadPage(page, position, stream.count)
                page = Page()
    except (FormatError, EOFError, OSError, ValueError, zipfile.BadZipFile) as exc:
        # The rows before the break are kept; the error says where it is.
        yield ReadPage(page, position, stream.count, error=f"unreadable after row {position}: {exc}")
        return
    yield ReadPage(page, position, member.size, last=True)


def _read_member(
    job: ImportJob,
    file: IO[bytes],
    members: list[Member],
    index: int,
    start: int,
    cursor: dict,
    done_bytes: int,
) -> dict:
    """Stores the member page by page; the next page is read (in a thread) while one is stored."""
    member = members[index]
    with (
        member_stream(file, member) as stream,
        closing(prefetched(_read_pages(stream, member, start))) as pages,
    ):
        for read in pages:
            if read.last:
                after = {"member": index + 1, "item": 0}
            else:
                after = {"member": index, "item": read.position}
            _commit(job, read.page, cursor, after, done_bytes + read.bytes_read, member)
            cursor = after
            if read.error:
                raise _Failed(f"{member.name or job.file_name}: {read.error}"[:2000])
    return cursor


def prefetched(items: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """The items, made ahead in a thread (at most `depth` waiting): parsing runs while the database
    stores the previous page. The thread stops when the consumer closes this generator."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((end, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((end, exc))

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = queue.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=10)


def _commit(job: ImportJob, page: Page, before: dict, after: dict, bytes_read: int, member: Member) -> None:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not locked.is_active or locked.cursor != before:
            raise _Stop()
        rows = page.rows
        twins = spotify_twins(locked.user_id, rows, minute=member.format in MINUTE_FORMATS)
        fresh = [row for number, row in enumerate(rows) if number not in twins]
        if locked.dry_run:
            new = _count_new(locked.user_id, fresh)
        else:
            new = listens_store_page(user_id=locked.user_id, rows=fresh)
        locked.imported += new
        locked.duplicates += len(rows) - new
        locked.rows_read += page.items
        skipped = Counter(locked.skipped)
        skipped.update(page.skipped)
        locked.skipped = dict(skipped)
        locked.bad_rows += len(page.bad)
        room = ImportJob.MAX_ERRORS - len(locked.errors)
        if room > 0 and page.bad:
            locked.errors = [*locked.errors, *page.bad[:room]]
        locked.cursor = after
        locked.bytes_read = min(bytes_read, locked.bytes_total)
        locked.heartbeat_at = timezone.now()
        locked.save()


def _finish(job_id: int, *, failed: tuple[str, str] | None = None) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_active:
            return
        if failed:
            job.mark_failed(*failed)
        else:
            job.mark_done()
        keep = job.dry_run and not failed  # for import_confirm
        if not keep:
            name = job.file.name or ""
            job.file = ""
            transaction.on_commit(lambda: _delete_file(name))
        job.save()
    logger.info("Import %s %s: %s new, %s duplicates", job_id, job.status, job.imported, job.duplicates)


# --- duplicates -------------------------------------------------------------------------------------------


def _count_new(user_id: int, rows: list[ListenRow]) -> int:
    """How many rows a real run would add (a dry run stores nothing)."""
    unique = {row.key: row for row in rows}
    if not unique:
        return 0
    times = {row.played_at for row in unique.values()}
    stored = set(
        Listen.objects.filter(user_id=user_id, played_at__in=times).values_list(
            "title", "artist", "played_at"
        )
    )
    return sum(1 for key in unique if key not in stored)
