"""Each refusal of a submission, with ListenBrainz's message, in ListenBrainz's order (no HTTP here)."""

from __future__ import annotations

import json

import pytest

from scrobbling.validation import (
    LISTEN_MINIMUM_TS,
    MAX_DEPTH,
    ListenBrainzError,
    parse_submission,
)

NOW = 1_780_000_000


def body(listen_type="single", payload=None, **top) -> bytes:
    document = {"listen_type": listen_type, "payload": payload if payload is not None else [good()]}
    document.update(top)
    return json.dumps(document).encode()


def good(ts: int = NOW - 60, **metadata) -> dict:
    track = {"artist_name": "Nova Lane", "track_name": "Tail Lights"}
    track.update(metadata)
    return {"listened_at": ts, "track_metadata": track}


def refusal(raw: bytes) -> ListenBrainzError:
    with pytest.raises(ListenBrainzError) as caught:
        parse_submission(raw, now=lambda: NOW)
    assert caught.value.status == 400
    return caught.value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "Cannot parse JSON document: "),
        (b"\xff\xfe", "Cannot parse JSON document: "),
        (b'{"listen_type": "single", "payload": [NaN]}', "Cannot parse JSON document: "),
        (b"[" * 100_000 + b"]" * 100_000, "Cannot parse JSON document: "),
        (b"[]", "Invalid JSON document submitted. Top level of JSON document should be a json object."),
        (b'"single"', "Invalid JSON document submitted. Top level of JSON document should be a json object."),
        (b'{"listen_type": "single"}', "The payload in the JSON document should be a list of listens."),
        (
            b'{"listen_type": "single", "payload": {}}',
            "The payload in the JSON document should be a list of listens.",
        ),
        (body(payload=[]), "JSON document does not contain any listens"),
        (
            body("import", [good()] * 1001),
            "Too many listens. You may not submit more than 1000 listens at once.",
        ),
        (
            body("import", [good(track_name="x" * 11_000)]),
            "JSON document is too large. Each listens may not be larger than 10240 bytes.",
        ),
        (body("scrobble"), "JSON document requires a valid listen_type key."),
        (body(None), "JSON document requires a valid listen_type key."),
        (
            body("single", [good(), good()]),
            "JSON document contains more than listen for a single/playing_now. It should contain only one.",
        ),
        (
            body("playing_now", [{"track_metadata": {"artist_name": "a", "track_name": "b"}}] * 2),
            "JSON document contains more than listen for a single/playing_now. It should contain only one.",
        ),
    ],
)
def test_document_refusals(raw, message):
    assert refusal(raw).message.startswith(message)


def test_a_body_over_the_payload_limit_is_refused_with_its_message():
    padding = "p" * 10_300
    listens = [good(track_name=f"t{i}", release_name=padding) for i in range(1000)]
    raw = body("import", listens)
    assert len(raw) > 10_240_000

    assert refusal(raw).message == "Payload too large. Payload cannot exceed 10240000 bytes"


def test_1000_listens_just_under_the_limits_pass():
    listens = [good(track_name=f"t{i}") for i in range(1000)]

    submission = parse_submission(body("import", listens), now=lambda: NOW)

    assert len(submission.listens) == 1000


@pytest.mark.parametrize(
    ("listen", "message"),
    [
        (None, "Listen is empty and cannot be validated."),
        ("a string", "Each listen in the payload should be a JSON object."),
        ({"track_metadata": {}}, "JSON document must contain the key listened_at at the top level."),
        (
            {"listened_at": "yesterday", "track_metadata": {}},
            "JSON document must contain an int value for listened_at.",
        ),
        (
            {"listened_at": None, "track_metadata": {}},
            "JSON document must contain an int value for listened_at.",
        ),
        (
            {"listened_at": True, "track_metadata": {}},
            "JSON document must contain an int value for listened_at.",
        ),
        ({"listened_at": 1e300, "track_metadata": {}}, "Value for key listened_at is too high."),
        ({"listened_at": NOW * 1000, "track_metadata": {}}, "Value for key listened_at is too high."),  # ms
        ({"listened_at": NOW * 10**9, "track_metadata": {}}, "Value for key listened_at is too high."),  # ns
        ({"listened_at": NOW + 3600, "track_metadata": {}}, "Value for key listened_at is too high."),
        (
            {"listened_at": LISTEN_MINIMUM_TS - 1, "track_metadata": {}},
            "Value for key listened_at is too low. listened_at timestamp should be greater than 1033410600 "
            "(2002-10-01 00:00:00 UTC).",
        ),
        ({"listened_at": NOW}, "JSON document must contain the key track_metadata at the top level."),
        (
            {"listened_at": NOW, "track_metadata": {}, "user_name": "x"},
            "JSON document may only contain listened_at and track_metadata top level keys",
        ),
        (
            {"listened_at": NOW, "track_metadata": None},
            "JSON document may not have track_metadata with null value.",
        ),
        ({"listened_at": NOW, "track_metadata": []}, "track_metadata should be a JSON object."),
        (
            {"listened_at": NOW, "track_metadata": {"artist_name": "a"}},
            "JSON document does not contain required field track_metadata.track_name.",
        ),
        (
            {"listened_at": NOW, "track_metadata": {"track_name": "t"}},
            "JSON document does not contain required field track_metadata.artist_name.",
        ),
        (
            {"listened_at": NOW, "track_metadata": {"track_name": " ", "artist_name": "a"}},
            "field track_metadata.track_name is empty.",
        ),
        (
            {"listened_at": NOW, "track_metadata": {"track_name": "t", "artist_name": "\t"}},
            "field track_metadata.artist_name is empty.",
        ),
        (
            {"listened_at": NOW, "track_metadata": {"track_name": "t", "artist_name": ["a", "b"]}},
            "track_metadata.artist_name must be a single string.",
        ),
        (
            {
                "listened_at": NOW,
                "track_metadata": {"track_name": "t", "artist_name": "a", "release_name": 3},
            },
            "track_metadata.release_name must be a single string.",
        ),
    ],
)
def test_listen_refusals(listen, message):
    assert refusal(body("import", [good(), listen])).message == message


def test_a_refused_listen_is_echoed_beside_code_and_error():
    bad = {"listened_at": NOW * 1000, "track_metadata": {"artist_name": "a", "track_name": "b"}}

    error = refusal(body("single", [bad]))

    assert error.as_body() == {**bad, "code": 400, "error": "Value for key listened_at is too high."}


def additional(**info) -> bytes:
    return body("single", [good(additional_info=info)])


@pytest.mark.parametrize(
    ("info", "message"),
    [
        (
            {"duration": 200, "duration_ms": 200_000},
            "JSON document should not contain both duration and duration_ms.",
        ),
        ({"duration": 0}, "Value for duration is invalid, should be a positive integer."),
        ({"duration": -5}, "Value for duration is invalid, should be a positive integer."),
        ({"duration": "long"}, "Value for duration is invalid, should be a positive integer."),
        ({"duration_ms": None}, "Value for duration_ms is invalid, should be a positive integer."),
        ({"duration": 24 * 24 * 3600 + 1}, "Value for duration is too large, max permitted value is 2073600"),
        (
            {"duration_ms": 24 * 24 * 3600 * 1000 + 1},
            "Value for duration_ms is too large, max permitted value is 2073600000",
        ),
        ({"recording_mbid": "not-a-uuid"}, "recording_mbid MBID format invalid."),
        ({"release_mbid": 12}, "release_mbid MBID format invalid."),
        ({"release_group_mbid": "x"}, "release_group_mbid MBID format invalid."),
        ({"track_mbid": "x"}, "track_mbid MBID format invalid."),
        (
            {"artist_mbids": ["a96d82a0-cdca-40bf-b4c8-3d7ec178d85b", "nope"]},
            "artist_mbids MBID format invalid.",
        ),
        ({"artist_mbids": "a96d82a0-cdca-40bf-b4c8-3d7ec178d85b"}, "artist_mbids MBID format invalid."),
        ({"work_mbids": ["nope"]}, "work_mbids MBID format invalid."),
        (
            {"tags": ["t"] * 51},
            "JSON document may not contain more than 50 items in track_metadata.additional_info.tags.",
        ),
        (
            {"tags": ["t" * 65]},
            "JSON document may not contain track_metadata.additional_info.tags longer than 64 characters.",
        ),
        ({"tags": "rock"}, "track_metadata.additional_info.tags should be a list of strings."),
        ({"comment": "a\x00b"}, "a\x00b contains a unicode null"),
        ({"nested": {"deeper": ["ok", "x\x00"]}}, "x\x00 contains a unicode null"),
        ({"bad\x00key": 1}, "bad\x00key contains a unicode null"),
    ],
)
def test_additional_info_refusals(info, message):
    assert refusal(additional(**info)).message == message


def test_a_unicode_null_in_a_name_is_refused():
    assert (
        refusal(body("single", [good(track_name="Tail\x00Lights")])).message
        == "Tail\x00Lights contains a unicode null"
    )


@pytest.mark.parametrize("where", ["track_name", "additional_info"])
def test_a_lone_surrogate_anywhere_is_refused_not_a_500(where):
    """JSON may spell `\\ud800`; Python decodes it to a string no database can store."""
    listen = good(track_name="Tail\ud800Lights") if where == "track_name" else additional(note="\udfff")
    document = body("single", [listen]) if where == "track_name" else listen

    message = "JSON document contains text that is not valid Unicode (a lone surrogate)."
    assert refusal(document).message == message


def test_nesting_past_the_limit_is_refused_without_echoing_it():
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    error = refusal(additional(deep=deep))

    assert error.message == f"JSON document may not be nested more than {MAX_DEPTH} levels deep."
    assert set(error.as_body()) == {"code", "error"}


def test_accepted_listens_are_normalised_as_listenbrainz_does():
    info = {
        "duration": "215",
        "recording_mbid": "",
        "release_mbid": None,
        "artist_mbids": ["A96D82A0-CDCA-40BF-B4C8-3D7EC178D85B", "", None],
        "work_mbids": [],
        "submission_client": "Navidrome",
        "anything": {"kept": [1, 2, {"whole": True}]},
    }
    raw = body(
        "single",
        [
            good(
                NOW + 3599,
                track_name="  Tail Lights ",
                artist_name=" Nova Lane",
                release_name=" ",
                additional_info=info,
            )
        ],
    )

    listen = parse_submission(raw, now=lambda: NOW).listens[0]

    assert listen["listened_at"] == NOW + 3599
    metadata = listen["track_metadata"]
    assert metadata["track_name"] == "Tail Lights"
    assert metadata["artist_name"] == "Nova Lane"
    assert "release_name" not in metadata  # an empty album is no album
    assert metadata["additional_info"] == {
        "duration": 215,
        "artist_mbids": ["A96D82A0-CDCA-40BF-B4C8-3D7EC178D85B"],
        "submission_client": "Navidrome",
        "anything": {"kept": [1, 2, {"whole": True}]},
    }


def test_listened_at_as_a_numeric_string_or_float_is_taken_as_listenbrainz_does():
    listens = parse_submission(
        body("import", [good("1700000000"), good(1700000001.7)]), now=lambda: NOW
    ).listens

    assert [item["listened_at"] for item in listens] == [1700000000, 1700000001]


@pytest.mark.parametrize(
    ("listen", "message"),
    [
        (
            {"listened_at": NOW, "track_metadata": {"artist_name": "a", "track_name": "b"}},
            "JSON document must not contain listened_at while submitting playing_now.",
        ),
        ({}, "JSON document must contain the key track_metadata at the top level."),
        (
            {"track_metadata": {"artist_name": "a", "track_name": "b"}, "extra": 1},
            "JSON document may only contain track_metadata as top level key when submitting playing_now.",
        ),
    ],
)
def test_playing_now_refusals(listen, message):
    assert refusal(body("playing_now", [listen])).message == message


def test_playing_now_needs_no_time():
    submission = parse_submission(
        body("playing_now", [{"track_metadata": {"artist_name": "a", "track_name": "b"}}]), now=lambda: NOW
    )

    assert submission.listen_type == "playing_now"
