"""Format detection by content and the streaming parsers, on real export samples (tests/imports/fixtures)."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from listening.import_formats import Bad, Format, FormatError, Skip, detect, parse
from listening.importers import ListenRow

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str, format: Format | None = None) -> tuple[list[ListenRow], Counter, list[Bad]]:
    data = (FIXTURES / name).read_bytes()
    found = detect(data[:65536], name)
    assert found is not None, name
    if format is not None:
        assert found == format
    rows, skipped, bad = [], Counter(), []
    for item in parse(io.BytesIO(data), found):
        if isinstance(item, ListenRow):
            rows.append(item)
        elif isinstance(item, Skip):
            skipped[item.reason] += 1
        else:
            bad.append(item)
    return rows, skipped, bad


def test_extended_streaming_history():
    rows, skipped, bad = read("spotify_streaming_2023.json", Format.SPOTIFY_EXTENDED)
    # The 2.4 s play skipped with fwdbtn is left out; the four played to the end are kept.
    assert skipped == {"skipped_short": 1}
    assert not bad
    assert [row.title for row in rows][:2] == ["Monsters (feat. Demi Lovato and blackbear)", "Calm Down"]
    first = rows[0]
    assert first.artist == "All Time Low"
    assert first.played_at == datetime(2023, 3, 19, 18, 31, 37, tzinfo=UTC)  # ts: when the play ended
    assert first.duration_ms == 174424
    assert first.track_url == "https://open.spotify.com/track/50DMJJpAeQv4fIpxZvQz2e"
    assert first.source == "spotify_export"


def test_endsong():
    rows, skipped, bad = read("spotify_streaming_endsong_0.json", Format.SPOTIFY_EXTENDED)
    # 0 ms ended by logout: a skip; `skipped: null` and `incognito_mode: null` are read as false.
    assert skipped == {"skipped_short": 1}
    assert not bad
    assert {row.title for row in rows} == {
        "Got To Hurry",
        "To All The Girls",
        "I Turn My Camera On",
        "Fly Free",
    }


def test_extended_rules():
    base = json.loads((FIXTURES / "spotify_streaming_2023.json").read_text())[1]
    rows = [
        {**base, "incognito_mode": True},
        {
            **base,
            "master_metadata_track_name": None,
            "spotify_track_uri": None,
            "episode_name": "Ep",
            "spotify_episode_uri": "spotify:episode:1",
        },
        {**base, "master_metadata_track_name": None, "master_metadata_album_artist_name": None},
        {**base, "ms_played": 12000, "reason_end": "trackdone", "skipped": False},  # short, ended: kept
        {**base, "ms_played": 12000, "reason_end": "trackdone", "skipped": True},
        {**base, "ms_played": 12000, "reason_end": "backbtn", "skipped": None},
        {**base, "audiobook_uri": "spotify:audiobook:1", "master_metadata_track_name": None},
        {**base, "ts": "not a time"},
    ]
    items = list(parse(io.BytesIO(json.dumps(rows).encode()), Format.SPOTIFY_EXTENDED))
    kinds = [item.reason if isinstance(item, Skip) else type(item).__name__ for item in items]
    assert kinds == [
        "incognito",
        "podcast",
        "no_title_or_artist",
        "ListenRow",
        "skipped_short",
        "skipped_short",
        "audiobook",
        "Bad",
    ]
    assert items[-1].where == "item 8"


def test_video_file_counts_video():
    data = (FIXTURES / "spotify_streaming_2023.json").read_bytes()
    name = "Spotify Extended Streaming History/Streaming_History_Video_2023.json"
    assert detect(data, name) == Format.SPOTIFY_VIDEO
    assert {item.reason for item in parse(io.BytesIO(data), Format.SPOTIFY_VIDEO)} == {"video"}


def test_account_data_music_and_podcast():
    rows, skipped, _ = read("StreamingHistory_music_0.json", Format.SPOTIFY_ACCOUNT)
    assert [(row.title, row.played_at) for row in rows] == [
        ("Headlights", datetime(2024, 4, 20, 18, 15, tzinfo=UTC)),
        ("Undertow", datetime(2024, 4, 20, 18, 20, tzinfo=UTC)),
    ]
    assert skipped == {"skipped_short": 1}
    rows, skipped, _ = read("StreamingHistory_podcast_0.json", Format.SPOTIFY_ACCOUNT_PODCAST)
    assert rows == []
    assert skipped == {"podcast": 2}


def test_detection_ignores_the_name():
    data = (FIXTURES / "StreamingHistory_music_0.json").read_bytes()
    assert detect(data, "whatever.txt") == Format.SPOTIFY_ACCOUNT
    assert (
        detect((FIXTURES / "listenbrainz_listens.jsonl").read_bytes(), "x.json") == Format.LISTENBRAINZ_JSONL
    )


def test_ghan_json_pages_now_playing_and_single_object():
    rows, skipped, bad = read("recenttracks-wiz-1772388000.json", Format.LASTFM_GHAN_JSON)
    assert skipped == {"no_time": 1}
    assert not bad
    assert [row.title for row in rows] == ["Tail Lights", "Headlights", "Undertow"]
    assert rows[0].played_at == datetime.fromtimestamp(1772387920, UTC)
    assert rows[0].artist_mbid == "0b1c2d3e-0000-4000-8000-000000000001"
    assert rows[0].album == "Night Drive"
    assert rows[0].source == "lastfm_export"
    assert rows[2].artist == "Harbor Static"
    assert rows[2].loved


def test_ghan_json_single_page_object():
    page = json.loads((FIXTURES / "recenttracks-wiz-1772388000.json").read_text())[0]
    for document in (page, {"recenttracks": page}):
        data = json.dumps(document).encode()
        assert detect(data) == Format.LASTFM_GHAN_JSON
        titles = [
            item.title
            for item in parse(io.BytesIO(data), Format.LASTFM_GHAN_JSON)
            if isinstance(item, ListenRow)
        ]
        assert titles == ["Tail Lights", "Headlights"]


def test_ghan_csv():
    rows, skipped, bad = read("recenttracks-wiz-1772388000.csv", Format.LASTFM_GHAN_CSV)
    assert [row.title for row in rows] == ["Tail Lights", "Headlights", "Undertow, Part 2"]
    assert skipped == {"no_time": 1}
    assert not bad
    assert rows[0].artist_mbid == "0b1c2d3e-0000-4000-8000-000000000001"
    assert rows[0].track_mbid is None


def test_benjaminbenben_csv_without_and_with_header():
    rows, skipped, bad = read("lastfm-to-csv_wiz.csv", Format.LASTFM_BENJAMINBENBEN_CSV)
    assert [row.title for row in rows] == ["Tail Lights", "Headlights", "Undertow Part 2"]
    assert rows[0].played_at == datetime(2026, 3, 1, 17, 58, tzinfo=UTC)  # UTC, whatever TIME_ZONE says
    assert skipped == {"no_time": 1}
    assert not bad
    rows, _, _ = read("lastfm-to-csv_old_header.csv", Format.LASTFM_BENJAMINBENBEN_CSV)
    assert [row.title for row in rows] == ["Tail Lights"]


def test_listenbrainz_jsonl_and_legacy_json():
    rows, skipped, bad = read("listenbrainz_listens.jsonl", Format.LISTENBRAINZ_JSONL)
    assert not skipped
    assert not bad
    golden = rows[0]
    assert (golden.title, golden.artist, golden.album) == ("Golden Brown", "The Stranglers", "La Folie")
    assert golden.played_at == datetime.fromtimestamp(1748964167, UTC)
    assert golden.track_mbid == "c7d0bf6e-b2aa-4ffa-bded-2448415b39b0"
    assert golden.album_mbid == "c6911b3b-135f-4b7b-a2cc-b90ea1e11ac9"
    assert golden.artist_mbid == "a96d82a0-cdca-40bf-b4c8-3d7ec178d85b"
    assert golden.duration_ms == 206760
    assert golden.source == "listenbrainz_export"
    assert golden.additional_info["isrc"] == "GBAYE8100053"
    listens = [
        json.loads(line)
        for line in (FIXTURES / "listenbrainz_listens.jsonl").read_text().splitlines()
        if line
    ]
    data = json.dumps(listens).encode()
    assert detect(data, "wiz_lb-2026-03-01.json") == Format.LISTENBRAINZ_JSON
    again = list(parse(io.BytesIO(data), Format.LISTENBRAINZ_JSON))
    assert again == rows


def test_jsonl_bad_line_is_reported_with_its_line():
    data = (FIXTURES / "listenbrainz_listens.jsonl").read_bytes().rstrip(b"\n") + b"\n{not json\n"
    items = list(parse(io.BytesIO(data), Format.LISTENBRAINZ_JSONL))
    assert isinstance(items[-1], Bad)
    assert items[-1].where.startswith("line ")


def test_malformed_json_halfway_keeps_the_rows_before():
    data = (FIXTURES / "spotify_streaming_2023.json").read_bytes()
    cut = data[: data.index(b'"Calm Down"')] + b"}}}garbage"
    seen = []
    items = parse(io.BytesIO(cut), Format.SPOTIFY_EXTENDED)
    seen.append(next(items))
    seen.append(next(items))
    with pytest.raises(FormatError):
        next(items)
    assert len(seen) == 2  # the skip and "Monsters" were read before the break


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world\n", b"%PDF-1.4\n", b'{"user_id": 1, "username": "wiz"}', b"[1, 2, 3]", b"a,b\n1,2\n"],
)
def test_unknown_content_is_not_a_format(data):
    assert detect(data, "Streaming_History_Audio_2023.json") is None
