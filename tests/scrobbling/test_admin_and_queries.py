"""The admin pages of scrobbling (never a secret on them) and the query count of the hot reads."""

from __future__ import annotations

import pytest
from django.test import Client

from scrobbling.models import ListenBrainzToken
from scrobbling.services import playing_now_set, scrobble_settings_update
from tests.factories import verified_admin
from tests.scrobbling.conftest import listen, now

pytestmark = pytest.mark.django_db


def test_the_admin_lists_tokens_without_their_secret(scrobbler, settings):
    admin = Client()
    admin.force_login(verified_admin(settings))
    playing_now_set(
        user=scrobbler.user, track_metadata={"artist_name": "Nova Lane", "track_name": "Tail Lights"}
    )
    scrobble_settings_update(user=scrobbler.user, public_listens=True)
    row = ListenBrainzToken.objects.get(user=scrobbler.user)

    pages = [
        "/admin/scrobbling/listenbrainztoken/",
        f"/admin/scrobbling/listenbrainztoken/{row.pk}/change/",
        "/admin/scrobbling/playingnow/",
        "/admin/scrobbling/scrobblesettings/",
    ]
    for page in pages:
        response = admin.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert scrobbler.token not in html
        assert row.digest not in html
    assert row.prefix in admin.get(pages[0]).content.decode()
    assert "Tail Lights" in admin.get(pages[2]).content.decode()
    assert admin.get("/admin/scrobbling/listenbrainztoken/add/").status_code == 403


def test_a_page_of_listens_takes_the_same_queries_whatever_its_size(scrobbler, django_assert_max_num_queries):
    base = now() - 5000
    scrobbler.submit(
        {"listen_type": "import", "payload": [listen(base + i, track=f"T{i}") for i in range(1000)]}
    )
    scrobbler.get("user/nova/listens")  # the token's last use is written once, not on every request

    # token, user by name, public?, the page, the newest and oldest
    with django_assert_max_num_queries(5):
        small = scrobbler.get("user/nova/listens", count=5)
    with django_assert_max_num_queries(5):
        large = scrobbler.get("user/nova/listens", count=1000)

    assert len(small.json()["payload"]["listens"]) == 5
    assert len(large.json()["payload"]["listens"]) == 1000


def test_a_submission_takes_a_fixed_number_of_queries(scrobbler, django_assert_max_num_queries):
    scrobbler.get("user/nova/listen-count")

    # the token, then the page's one statement in its savepoint (SQLite: plus the SELECT of known keys),
    # then the stats: the user's StatsZone row locked and one upsert per summary table (three)
    with django_assert_max_num_queries(9):
        response = scrobbler.submit({"listen_type": "single", "payload": [listen(now() - 30)]})

    assert response.status_code == 200
