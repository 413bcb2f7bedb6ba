"""A forged `cursor` on `/music/get-stored-songs/` is a 400 naming `cursor`, never a 500 (issue 12,
Medium 1); the cursors the list gives out keep working, forwards and backwards."""

from __future__ import annotations

from base64 import b64encode
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from listening.importers import ListenRow
from listening.store import listens_store

pytestmark = pytest.mark.django_db

URL = "/music/get-stored-songs/"
START = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)


def cursor(query: str) -> str:
    return b64encode(query.encode()).decode()


@pytest.fixture
def client(user) -> APIClient:
    with transaction.atomic():
        listens_store(
            user_id=user.pk,
            rows=[
                ListenRow(
                    title=f"Song {n}",
                    artist="Nova Lane",
                    album="Night Drive",
                    played_at=START + timedelta(minutes=n),
                    source="lastfm",
                )
                for n in range(7)
            ],
        )
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    "forged",
    [
        cursor("p=garbage"),  # not a date: today the database is asked, a 500
        cursor("p=2024-13-45T99:00:00Z"),
        cursor("p=0001-01-01T00:00:00%2B14:00"),  # a date before year 1 in UTC
        cursor("r=1&p=not-a-date"),
        cursor("o=" + "9" * 5000),
        cursor("o=-1"),
        cursor("r=x"),
        "!!!not base64!!!",
        cursor("\u00e9"),
    ],
    ids=[
        "garbage",
        "impossible-date",
        "before-year-1",
        "reverse",
        "huge-offset",
        "negative",
        "bad-r",
        "b64",
        "utf8",
    ],
)
def test_a_forged_cursor_is_a_400_naming_cursor(client, forged):
    response = client.get(URL, {"cursor": forged})

    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()


def test_a_hand_made_cursor_with_a_real_date_works(client):
    """A naive date is read as UTC (no RuntimeWarning, no 500)."""
    response = client.get(URL, {"cursor": cursor("p=2024-01-15 12:04:00")})

    assert response.status_code == 200
    assert [item["title"] for item in response.json()["results"]] == ["Song 3", "Song 2", "Song 1", "Song 0"]


def test_the_cursors_given_out_walk_forwards_and_back(client):
    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    assert [item["title"] for item in first["results"]] == ["Song 6", "Song 5", "Song 4"]
    assert [item["title"] for item in second["results"]] == ["Song 3", "Song 2", "Song 1"]
    assert back["results"] == first["results"]
