"""Import jobs: what they store, duplicates, dry runs, resuming after a crash, cancelling, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage

from core.errors import AppError
from listening import import_jobs
from listening.importers import ListenRow
from listening.models import ImportJob, Listen
from listening.store import listens_store
from tests.imports.helpers import fixture, spotify_rows, spotify_zip, upload, zip_of

pytestmark = pytest.mark.django_db


def run(user, data: bytes, name: str = "my_spotify_data.zip", *, capture, dry_run: bool = False) -> ImportJob:
    with capture(execute=True):
        job = import_jobs.import_start(user=user, upload=upload(data, name), dry_run=dry_run)
    job.refresh_from_db()
    return job


def stored_files(user) -> list[str]:
    folder = f"imports/{user.pk}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_spotify_zip_is_imported_with_skips_counted(user, capture):
    job = run(user, spotify_zip(), capture=capture)
    assert job.status == "done"
    assert job.progress == 100
    assert job.format == "spotify_extended"
    assert (job.imported, job.duplicates, job.rows_read) == (8, 0, 10)
    assert job.skipped == {"skipped_short": 2}
    assert [member["format"] for member in job.members] == ["", "spotify_extended", "spotify_extended"]
    assert Listen.objects.filter(user=user, source="spotify_export").count() == 8
    monsters = Listen.objects.get(user=user, title__startswith="Monsters")
    assert monsters.played_at == datetime(2023, 3, 19, 18, 31, 37, tzinfo=UTC)
    assert monsters.duration_ms == 174424
    assert monsters.album
    assert not job.file
    assert stored_files(user) == []  # the upload is deleted once read


def test_reimporting_adds_nothing(user, capture):
    run(user, spotify_zip(), capture=capture)
    again = run(user, spotify_zip(), capture=capture)
    assert (again.imported, again.duplicates) == (0, 8)
    assert Listen.objects.filter(user=user).count() == 8


def test_export_over_api_plays_adds_no_duplicate(user, capture):
    ended = datetime(2023, 3, 19, 18, 31, 37, tzinfo=UTC)
    api = [
        # The same play from the API: milliseconds, other case and spaces.
        ListenRow(
            title="monsters  (feat. Demi Lovato and blackbear)",
            artist="ALL TIME LOW",
            album="",
            played_at=ended + timedelta(milliseconds=412),
            source="spotify",
        ),
        # Calm Down again 11 s away from the file's: another play.
        ListenRow(
            title="Calm Down",
            artist="Rema",
            album="",
            played_at=datetime(2023, 3, 19, 18, 21, 0, tzinfo=UTC),
            source="spotify",
        ),
    ]
    listens_store(user_id=user.pk, rows=api)
    job = run(
        user, fixture("spotify_streaming_2023.json"), "Streaming_History_Audio_2023.json", capture=capture
    )
    assert (job.imported, job.duplicates) == (3, 1)
    assert (
        Listen.objects.filter(user=user, title__iexact="monsters (feat. demi lovato and blackbear)").count()
        == 0
    )
    assert Listen.objects.filter(user=user, title__startswith="monsters").count() == 1
    assert Listen.objects.filter(user=user, title="Calm Down").count() == 2


def test_account_data_over_extended_history_adds_each_play_once(user, capture):
    extended = spotify_rows(
        {
            "ts": "2024-04-20T18:15:41Z",
            "master_metadata_track_name": "Headlights",
            "master_metadata_album_artist_name": "Nova Lane",
        },
    )
    run(user, extended, "Streaming_History_Audio_2024.json", capture=capture)
    job = run(
        user, fixture("StreamingHistory_music_0.json"), "StreamingHistory_music_0.json", capture=capture
    )
    # 18:15 (minute resolution) is the 18:15:41 play; Undertow is new; the 4 s play is skipped.
    assert (job.imported, job.duplicates, job.skipped) == (1, 1, {"skipped_short": 1})
    assert Listen.objects.filter(user=user, title="Headlights").count() == 1


def test_dry_run_reads_everything_and_stores_nothing(user, capture):
    run(user, fixture("spotify_streaming_2023.json"), "a.json", capture=capture)
    job = run(user, spotify_zip(), capture=capture, dry_run=True)
    assert job.status == "done"
    assert job.dry_run
    assert (job.imported, job.duplicates, job.skipped) == (4, 4, {"skipped_short": 2})
    assert Listen.objects.filter(user=user).count() == 4


def test_lastfm_and_listenbrainz_files(user, capture):
    job = run(user, fixture("recenttracks-wiz-1772388000.json"), "recenttracks.json", capture=capture)
    assert (job.format, job.imported, job.skipped) == ("lastfm_ghan_json", 3, {"no_time": 1})
    again = run(user, fixture("recenttracks-wiz-1772388000.csv"), "recenttracks.csv", capture=capture)
    assert (again.imported, again.duplicates) == (1, 2)  # "Undertow, Part 2" is another title
    lb = run(user, fixture("listenbrainz_listens.jsonl"), "2025.jsonl", capture=capture)
    assert lb.format == "listenbrainz_jsonl"
    assert lb.imported >= 1
    assert Listen.objects.filter(user=user, source="listenbrainz_export").exists()


def test_listenbrainz_zip_reads_listens_and_ignores_the_rest(user, capture):
    data = zip_of(
        {
            "user.json": b'{"user_id": 1, "username": "wiz"}',
            "feedback.jsonl": b"",
            "listens/2025/6.jsonl": fixture("listenbrainz_listens.jsonl"),
        }
    )
    job = run(user, data, "listenbrainz_wiz_1.zip", capture=capture)
    assert job.status == "done"
    assert job.format == "listenbrainz_jsonl"
    assert job.imported >= 1


def test_a_crashed_worker_is_resumed_where_it_stopped(user, capture, monkeypatch):
    monkeypatch.setattr(import_jobs, "PAGE_ROWS", 2)
    real_commit = import_jobs._commit
    calls = {"n": 0}

    def dies_on_the_third_page(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(import_jobs, "_commit", dies_on_the_third_page)
    with pytest.raises(SystemExit), capture(execute=True):
        import_jobs.import_start(user=user, upload=upload(spotify_zip()))
    job = ImportJob.objects.get(user=user)
    assert job.status == "running"
    assert job.cursor == {"member": 1, "item": 4}
    assert Listen.objects.filter(user=user).count() == 3  # two pages: 4 rows, one skipped
    assert 0 < job.progress < 100

    assert import_jobs.import_resume_dead(now=datetime.now(UTC)) == []  # still beating
    later = datetime.now(UTC) + timedelta(minutes=5)
    with capture(execute=True):
        assert import_jobs.import_resume_dead(now=later) == [job.pk]
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.imported, job.duplicates, job.rows_read, job.skipped) == (8, 0, 10, {"skipped_short": 2})


def test_malformed_json_halfway_keeps_rows_before_and_says_where(user, capture):
    data = fixture("spotify_streaming_2023.json")
    cut = data[: data.index(b'"Calm Down"')] + b"}}}garbage"
    job = run(user, cut, "Streaming_History_Audio_2023.json", capture=capture)
    assert job.status == "failed"
    assert job.error_code == "import_malformed"
    assert "Streaming_History_Audio_2023.json" in job.last_error
    assert "row 2" in job.last_error
    assert job.imported == 1
    assert job.skipped == {"skipped_short": 1}
    assert Listen.objects.filter(user=user).count() == 1


def test_bad_rows_are_counted_with_where_they_are(user, capture):
    data = spotify_rows({"ts": "yesterday"}, {}, {"ts": None})
    job = run(user, data, "Streaming_History_Audio_2023.json", capture=capture)
    assert job.status == "done"
    assert job.imported == 1
    assert job.bad_rows == 2
    assert [error["where"] for error in job.errors] == ["item 1", "item 3"]


def test_cancel_stops_a_queued_job(user, other_user, monkeypatch):
    monkeypatch.setattr(import_jobs, "enqueue_on_commit", lambda *args, **kwargs: None)
    job = import_jobs.import_start(user=user, upload=upload(spotify_zip()))
    with pytest.raises(AppError) as other:
        import_jobs.import_cancel(user=other_user, job_id=job.pk)
    assert other.value.status == 404
    cancelled = import_jobs.import_cancel(user=user, job_id=job.pk)
    assert cancelled.status == "cancelled"
    assert import_jobs.import_run(job.pk) == "gone"
    assert Listen.objects.count() == 0
    with pytest.raises(AppError) as again:
        import_jobs.import_cancel(user=user, job_id=job.pk)
    assert again.value.code == "import_finished"


def test_cancel_while_running_stops_at_the_next_page(user, capture, monkeypatch):
    monkeypatch.setattr(import_jobs, "PAGE_ROWS", 2)
    real_commit = import_jobs._commit

    def cancel_after_first_page(job, *args, **kwargs):
        real_commit(job, *args, **kwargs)
        ImportJob.objects.filter(pk=job.pk).update(status="cancelled")

    monkeypatch.setattr(import_jobs, "_commit", cancel_after_first_page)
    job = run(user, spotify_zip(), capture=capture)
    assert job.status == "cancelled"
    assert job.rows_read == 2


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"hello", "notes.txt", "import_unknown_format"),
        (b'{"user_id": 1}', "user.json", "import_unknown_format"),
        (zip_of({"a.pdf": b"%PDF"}), "x.zip", "import_unknown_format"),
        (zip_of({"../evil.json": fixture("spotify_streaming_2023.json")}), "x.zip", "import_unsafe_archive"),
        (
            zip_of({"/etc/evil.json": fixture("spotify_streaming_2023.json")}),
            "x.zip",
            "import_unsafe_archive",
        ),
        (zip_of({"bomb.json": b"[" + b" " * 2_000_000 + b"]"}), "x.zip", "import_unsafe_archive"),
        (b"PK\x03\x04 truncated", "x.zip", "import_unsafe_archive"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(user, data, name, code):
    with pytest.raises(AppError) as refused:
        import_jobs.import_start(user=user, upload=upload(data, name))
    assert refused.value.code == code
    assert refused.value.status == 400
    assert ImportJob.objects.count() == 0
    assert (
        not default_storage.exists(f"imports/{user.pk}")
        or not default_storage.listdir(f"imports/{user.pk}")[1]
    )


def test_zip_limits_on_entries_and_member_size(user, settings):
    settings.IMPORT_ZIP_MAX_ENTRIES = 2
    many = zip_of({f"listens/2025/{n}.jsonl": fixture("listenbrainz_listens.jsonl") for n in range(1, 4)})
    with pytest.raises(AppError, match="3 entries"):
        import_jobs.import_start(user=user, upload=upload(many))
    settings.IMPORT_ZIP_MAX_ENTRIES = 500
    settings.IMPORT_ZIP_MAX_MEMBER_BYTES = 1000
    with pytest.raises(AppError, match="uncompressed"):
        import_jobs.import_start(user=user, upload=upload(spotify_zip()))


def test_the_job_counts_are_json_serialisable(user, capture):
    job = run(user, spotify_zip(), capture=capture)
    json.dumps({"skipped": job.skipped, "errors": job.errors, "members": job.members})


def test_a_dry_run_keeps_its_file_to_be_imported_for_real(user, capture):
    dry = run(user, spotify_zip(), capture=capture, dry_run=True)
    assert len(stored_files(user)) == 1
    with capture(execute=True):
        real = import_jobs.import_confirm(user=user, job_id=dry.pk)
    real.refresh_from_db()
    assert real.status == "done"
    assert (real.dry_run, real.imported) == (False, 8)
    assert stored_files(user) == []
    with pytest.raises(AppError) as twice:
        import_jobs.import_confirm(user=user, job_id=dry.pk)
    assert twice.value.status == 409


def test_a_new_upload_forgets_older_dry_runs(user, other_user, capture):
    run(user, spotify_zip(), capture=capture, dry_run=True)
    run(other_user, spotify_zip(), capture=capture, dry_run=True)
    run(user, fixture("StreamingHistory_music_0.json"), "s.json", capture=capture, dry_run=True)
    assert len(stored_files(user)) == 1
    assert len(stored_files(other_user)) == 1
    with pytest.raises(AppError) as theirs:
        import_jobs.import_confirm(user=user, job_id=ImportJob.objects.get(user=other_user).pk)
    assert theirs.value.status == 404


def test_prefetched_hands_over_items_errors_and_stops_when_closed():
    import threading
    from contextlib import closing

    assert list(import_jobs.prefetched(iter(range(5)))) == [0, 1, 2, 3, 4]

    def breaks():
        yield 1
        raise ValueError("halfway")

    items = import_jobs.prefetched(breaks())
    assert next(items) == 1
    with pytest.raises(ValueError, match="halfway"):
        next(items)

    endless = (n for n in iter(int, 1))
    with closing(import_jobs.prefetched(endless)) as items:
        assert next(items) == 0
    assert not any(thread.name == "import-reader" for thread in threading.enumerate())


def test_a_zip_of_many_formats_is_read_whole(user, capture):
    data = zip_of(
        {
            "Streaming_History_Audio_2023.json": fixture("spotify_streaming_2023.json"),
            "StreamingHistory_music_0.json": fixture("StreamingHistory_music_0.json"),
            "StreamingHistory_podcast_0.json": fixture("StreamingHistory_podcast_0.json"),
            "recenttracks.csv": fixture("recenttracks-wiz-1772388000.csv"),
        }
    )
    job = run(user, data, "everything.zip", capture=capture)
    assert job.status == "done"
    assert job.format == "mixed"
    assert job.skipped == {"skipped_short": 2, "podcast": 2, "no_time": 1}
    assert job.imported == 4 + 2 + 3


def test_an_unexpected_error_ends_the_job_and_frees_its_file(user, capture, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(import_jobs, "listens_store_page", broken)
    job = run(user, spotify_zip(), capture=capture)
    assert job.status == "failed"
    assert job.error_code == "server_error"
    assert "boom" not in job.last_error  # the user sees what to do, the log has the traceback
    assert stored_files(user) == []
    assert import_jobs.import_resume_dead(now=datetime.now(UTC) + timedelta(hours=1)) == []


def test_a_job_whose_file_is_gone_fails_clearly(user, monkeypatch):
    monkeypatch.setattr(import_jobs, "enqueue_on_commit", lambda *a, **k: None)
    job = import_jobs.import_start(user=user, upload=upload(spotify_zip()))
    default_storage.delete(job.file.name)
    assert import_jobs.import_run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error_code == "import_file_missing"
