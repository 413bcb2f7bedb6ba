"""listening.selectors.top_artists: a user's most played artists, names lower-cased, whole history."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from listening.importers import ListenRow
from listening.selectors import top_artists
from listening.store import listens_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def plays(user, artists: list[str]) -> None:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [
        ListenRow(title=f"T{n}", artist=a, album="", played_at=start + timedelta(minutes=n), source="lastfm")
        for n, a in enumerate(artists)
    ]
    with transaction.atomic():
        listens_store(user_id=user.pk, rows=rows)


def test_spellings_of_one_artist_count_together_and_the_most_played_come_first():
    user, other = UserFactory(), UserFactory()
    plays(user, ["Björk", "BJÖRK", "björk", "Sigur Rós", "Sigur Rós", "Low"])
    plays(other, ["Low"] * 10)

    assert top_artists(user=user, limit=2) == [("björk", 3), ("sigur rós", 2)]
    assert top_artists(user=user, limit=10)[-1] == ("low", 1)  # the other user's plays are not counted


def test_no_history_no_artists():
    assert top_artists(user=UserFactory(), limit=5) == []
