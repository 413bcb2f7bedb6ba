"""No input makes the ListenBrainz API fail: any JSON is either accepted (and stored) or refused with a
400 in ListenBrainz's shape (property-based)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrobbling.services import listen_row
from scrobbling.validation import IMPORT, ListenBrainzError, parse_submission

NOW = 1_780_000_000

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
anything = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
names = st.one_of(st.text(max_size=30), scalars)
mbid_like = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: u.hex.upper()), names)
info = st.fixed_dictionaries(
    {},
    optional={
        "duration": anything,
        "duration_ms": st.one_of(st.integers(min_value=-5, max_value=3 * 10**9), names),
        "recording_mbid": mbid_like,
        "release_mbid": mbid_like,
        "artist_mbids": st.one_of(st.lists(mbid_like, max_size=3), names),
        "origin_url": st.one_of(st.just("https://example.org/" + "x" * 600), names),
        "tags": st.one_of(st.lists(st.text(max_size=70), max_size=3), anything),
        "submission_client": names,
        "anything": anything,
    },
)
metadata = st.fixed_dictionaries(
    {},
    optional={
        "artist_name": names,
        "track_name": names,
        "release_name": names,
        "additional_info": st.one_of(info, anything),
    },
)
listens = st.fixed_dictionaries(
    {},
    optional={
        "listened_at": st.one_of(st.integers(min_value=0, max_value=NOW * 10**6), names),
        "track_metadata": st.one_of(metadata, anything),
        "extra": anything,
    },
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "listen_type": st.one_of(st.sampled_from(["single", "import", "playing_now"]), names),
        "payload": st.one_of(st.lists(st.one_of(listens, anything), max_size=3), anything),
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_is_accepted_or_refused_with_a_listenbrainz_400(document):
    raw = json.dumps(document).encode()
    error: ListenBrainzError | None = None
    try:
        submission = parse_submission(raw, now=lambda: NOW)
    except ListenBrainzError as exc:
        error = exc
    if error is not None:
        body = error.as_body()
        assert body["code"] == error.status == 400
        assert isinstance(body["error"], str)
        json.dumps(body)  # it can be written back
        return
    for listen in submission.listens:
        if submission.listen_type == IMPORT or "listened_at" in listen:
            row = listen_row(listen)
            assert row.title
            assert row.artist
            assert len(row.title) <= 255
            assert len(row.track_url) <= 500
            assert row.track_mbid is None or len(row.track_mbid) == 36
            assert 0 <= row.duration_ms <= 2**31 - 1


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(documents)
def test_over_http_any_document_answers_200_or_400(scrobbler, document):
    response = scrobbler.submit(document)

    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"
