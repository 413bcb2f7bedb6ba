"""listening.services.listen_record: one play for several users, stored like every import's rows."""

from datetime import UTC, datetime

import pytest

from listening.models import Listen
from listening.services import listen_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEARD = datetime(2025, 6, 1, 20, 15, 7, 654321, tzinfo=UTC)


def record(users) -> int:
    return listen_record(
        user_ids=[user.pk for user in users],
        title="T" * 300,
        artist="Nova Lane",
        played_at=HEARD,
        source="room",
        duration_ms=201_000,
    )


def test_each_user_gets_the_play_once_with_text_cut_and_the_time_to_the_second():
    ann, bob = UserFactory(), UserFactory()

    assert record([ann, bob]) == 2
    assert record([ann, bob]) == 0  # recorded again: nothing new

    listens = Listen.objects.order_by("user_id")
    assert [listen.user_id for listen in listens] == [ann.pk, bob.pk]
    assert {len(listen.title) for listen in listens} == {255}
    assert {listen.played_at for listen in listens} == {HEARD.replace(microsecond=0)}
    assert {listen.source for listen in listens} == {"room"}


def test_no_users_no_listens():
    assert record([]) == 0
    assert not Listen.objects.exists()
