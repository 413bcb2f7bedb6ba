"""core.serializers.ReadRowsSerializer answers exactly what DRF's ModelSerializer answers, from model
instances and from `.values()` rows; core.filtering.FilterBackend skips django-filter only when the
query names no filter."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from listening.api.serializers import StoredListenSerializer
from listening.importers import ListenRow
from listening.models import Listen
from listening.store import listens_store
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = StoredListenSerializer.Meta.fields


class DrfListenSerializer(serializers.ModelSerializer):
    class Meta:
        model = Listen
        fields = FIELDS


class WithMethodField(StoredListenSerializer):
    shout = serializers.SerializerMethodField()
    heard = serializers.DateTimeField(source="played_at")

    class Meta(StoredListenSerializer.Meta):
        fields = (*FIELDS, "shout", "heard")

    def get_shout(self, row) -> str:
        title = row["title"] if isinstance(row, dict) else row.title
        return f"{title.upper()} for {self.context['who']}"


@pytest.fixture
def listens():
    user = UserFactory()
    rows = [
        ListenRow(
            title="Jóga",
            artist="Björk",
            album="Homogenic",
            played_at=datetime(2024, 3, 31, 1, 30, 15, 123456, tzinfo=UTC) + timedelta(minutes=n),
            source="lastfm",
            loved=n == 0,
            duration_ms=305_000,
            track_mbid=None if n else "0b1a7c3e-8f4b-4a7e-9c79-3d5b4d2f6a10",
        )
        for n in range(3)
    ]
    with transaction.atomic():
        listens_store(user_id=user.pk, rows=rows)
    return Listen.objects.filter(user=user).order_by("-played_at")


def test_instances_and_rows_give_drf_s_own_output(listens):
    expected = DrfListenSerializer(listens, many=True).data

    assert StoredListenSerializer(listens, many=True).data == expected
    assert StoredListenSerializer(listens.values(*FIELDS), many=True).data == expected
    assert any(item["track_mbid"] is None for item in expected)  # nulls are copied as nulls
    assert expected[0]["played_at"].endswith("Z")


def test_dates_follow_the_current_time_zone_as_drf_s_do(listens, settings):
    with timezone.override("Europe/Paris"):
        expected = DrfListenSerializer(listens, many=True).data
        rows = StoredListenSerializer(listens.values(*FIELDS), many=True).data

    assert rows == expected
    assert expected[0]["played_at"].endswith("+02:00")


def test_method_fields_and_renamed_sources_go_through_drf(listens):
    data = WithMethodField(listens.values(*FIELDS), many=True, context={"who": "Ann"}).data

    assert data[0]["shout"] == "JÓGA for Ann"
    assert data[0]["heard"] == data[0]["played_at"]


def test_a_filter_in_the_query_still_filters(auth_client, user):
    rows = [
        ListenRow(
            title=f"Song {n}",
            artist="A" if n else "B",
            album="",
            played_at=datetime(2024, 1, 1, n, tzinfo=UTC),
            source="lastfm",
        )
        for n in range(3)
    ]
    with transaction.atomic():
        listens_store(user_id=user.pk, rows=rows)

    assert len(auth_client.get("/music/get-stored-songs/").json()["results"]) == 3
    assert [r["title"] for r in auth_client.get("/music/get-stored-songs/?artist=b").json()["results"]] == [
        "Song 0"
    ]
    assert auth_client.get("/music/get-stored-songs/?source=nope").status_code == 400
