"""The time zone on the pages: the profile's select, the browser's zone stored on the first visit,
and the pages drawn in the profile's zone whatever the cookie says afterwards."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from listening.models import Listen
from users.signals import time_zone_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def received():
    users: list = []

    def receiver(sender, user, **kwargs):
        users.append((user.pk, user.time_zone))

    time_zone_changed.connect(receiver, dispatch_uid="test-time-zone-pages")
    yield users
    time_zone_changed.disconnect(dispatch_uid="test-time-zone-pages")


def listen(user, played_at: datetime) -> Listen:
    return Listen.objects.create(
        user=user, source="lastfm", title="Midnight City", artist="M83", played_at=played_at
    )


def test_the_profile_page_has_the_select_with_the_current_zone_and_the_hint(browser, user):
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])

    html = browser.get("/profile").content.decode()

    assert '<label for="id_time_zone">Time zone</label>' in html
    assert '<optgroup label="Europe">' in html
    assert '<option value="Asia/Tokyo" selected>Tokyo</option>' in html
    assert html.count(" selected>") == 1
    assert (
        '<small id="id_time_zone_helptext" class="muted">Your stats and History&#x27;s charts count days '
        "and hours in this zone.</small>"
    ) in html


def test_without_a_zone_the_select_shows_utc(browser, user):
    html = browser.get("/profile").content.decode()

    assert '<option value="UTC" selected>UTC</option>' in html


def test_the_profile_page_saves_the_zone_and_signals_once(
    browser, user, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/profile", {"full_name": "Nova", "time_zone": "America/Sao_Paulo"})
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/profile", {"full_name": "Nova Again", "time_zone": "America/Sao_Paulo"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.time_zone, user.full_name) == ("America/Sao_Paulo", "Nova Again")
    assert received == [(user.pk, "America/Sao_Paulo")]
    assert '<option value="America/Sao_Paulo" selected>' in browser.get("/profile").content.decode()


def test_the_profile_page_refuses_an_unknown_zone(browser, user):
    response = browser.post("/profile", {"full_name": "Nova", "time_zone": "Mars/Base"})

    assert response.status_code == 200
    assert (
        "Select a valid choice. Mars/Base is not one of the available choices." in response.content.decode()
    )
    user.refresh_from_db()
    assert (user.time_zone, user.full_name) == ("", user.full_name)
    assert user.full_name != "Nova"  # nothing of the refused form is saved


def test_a_profile_form_without_the_zone_keeps_it(browser, user):
    user.time_zone = "Europe/Paris"
    user.save(update_fields=["time_zone"])

    browser.post("/profile", {"full_name": "Only The Name"})

    user.refresh_from_db()
    assert (user.time_zone, user.full_name) == ("Europe/Paris", "Only The Name")


def test_the_first_visit_stores_the_browsers_zone_once(
    browser, user, received, django_capture_on_commit_callbacks
):
    browser.cookies["tz"] = "Asia/Tokyo"
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.get("/").status_code == 200  # any page, not only History
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"

    browser.cookies["tz"] = "Europe/Paris"  # the laptop travels: the profile stays the truth
    with django_capture_on_commit_callbacks(execute=True):
        browser.get("/library")
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"
    assert received == [(user.pk, "Asia/Tokyo")]


def test_an_encoded_cookie_is_read(browser, user):
    browser.cookies["tz"] = "America%2FArgentina%2FBuenos_Aires"

    browser.get("/profile")

    user.refresh_from_db()
    assert user.time_zone == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize("cookie", ["Mars/Olympus", "../../etc/passwd", "", "localtime", "x" * 300])
def test_a_bad_cookie_is_ignored(browser, user, cookie):
    browser.cookies["tz"] = cookie

    assert browser.get("/").status_code == 200

    user.refresh_from_db()
    assert user.time_zone == ""


def test_the_cookie_is_not_stored_by_an_api_request(browser, user):
    browser.cookies["tz"] = "Asia/Tokyo"

    assert browser.get("/api/auth/user/").status_code == 200

    user.refresh_from_db()
    assert user.time_zone == ""


def test_a_signed_out_visit_stores_nothing(client, user):
    client.cookies["tz"] = "Asia/Tokyo"

    client.get("/signin")

    user.refresh_from_db()
    assert user.time_zone == ""


def test_history_is_drawn_in_the_profiles_zone_not_the_cookies(browser, user):
    listen(user, datetime(2024, 3, 10, 23, 30, tzinfo=UTC))
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])
    browser.cookies["tz"] = "America/New_York"

    html = browser.get("/history").content.decode()

    assert "Mon 11 Mar 2024, 08:30" in html
    assert "Times in Asia/Tokyo" in html
    assert 'data-drawn-tz="Asia/Tokyo">' in html  # chosen: no data-tz-unset, app.js never reloads it


def test_history_drawn_before_a_zone_is_set_says_so(browser, user):
    listen(user, datetime(2024, 3, 10, 23, 30, tzinfo=UTC))

    html = browser.get("/history").content.decode()

    assert 'data-drawn-tz="UTC" data-tz-unset>' in html
    assert "Times in UTC" in html


def test_the_script_reloads_only_a_page_drawn_before_the_zone_was_set(browser):
    script = b"".join(browser.get("/static/web/app.js").streaming_content).decode()

    assert 'drawn.hasAttribute("data-tz-unset")' in script
    assert "document.cookie = `tz=${tz}" in script


def test_connections_times_follow_the_profile(browser, user):
    user.time_zone = "Asia/Tokyo"
    user.save(update_fields=["time_zone"])
    browser.cookies["tz"] = "UTC"

    response = browser.get("/connections")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"
