"""The user's time zone: the profile API, the service's checks, the change signal, user_zone's fallback."""

import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from core.errors import InvalidInput
from tests.factories import verified_admin
from users import services
from users.management.commands.create_demo_user import DEMO_EMAIL
from users.models import User
from users.selectors import user_zone
from users.signals import time_zone_changed
from users.time_zones import time_zone_groups

pytestmark = pytest.mark.django_db

ME = "/api/auth/user/"


@pytest.fixture
def received():
    """The users each time_zone_changed signal was sent for, in order."""
    users: list = []

    def receiver(sender, user, **kwargs):
        users.append((user.pk, user.time_zone))

    time_zone_changed.connect(receiver, dispatch_uid="test-time-zone")
    yield users
    time_zone_changed.disconnect(dispatch_uid="test-time-zone")


def test_a_new_user_has_no_zone_and_counts_in_utc(auth_client, user):
    assert user.time_zone == ""
    assert user_zone(user) == ZoneInfo("UTC")
    assert auth_client.get(ME).json()["time_zone"] == ""


def test_the_api_sets_and_returns_the_zone(auth_client, user, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(ME, {"time_zone": "America/New_York"}, format="json")

    assert response.status_code == 200
    assert response.json()["time_zone"] == "America/New_York"
    user.refresh_from_db()
    assert user.time_zone == "America/New_York"
    assert user_zone(user) == ZoneInfo("America/New_York")
    assert auth_client.get(ME).json()["time_zone"] == "America/New_York"
    assert received == [(user.pk, "America/New_York")]


def test_put_takes_the_zone_too(auth_client, user):
    response = auth_client.put(ME, {"time_zone": "UTC"}, format="json")

    assert response.status_code == 200
    assert response.json()["time_zone"] == "UTC"


def test_multipart_takes_the_zone(auth_client, user):
    response = auth_client.patch(ME, {"time_zone": "Asia/Tokyo", "full_name": "Kei"}, format="multipart")

    assert response.status_code == 200
    assert response.json()["time_zone"] == "Asia/Tokyo"
    assert response.json()["full_name"] == "Kei"


@pytest.mark.parametrize("value", ["Mars/Base", "europe/paris", "../../etc/passwd", "localtime", "Factory"])
def test_an_unknown_zone_is_a_400_naming_the_field(auth_client, user, value, received):
    response = auth_client.patch(ME, {"time_zone": value}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["time_zone"] == [f"Unknown time zone '{value}'. Use an IANA name such as Europe/Paris."]
    user.refresh_from_db()
    assert user.time_zone == ""
    assert received == []


def test_an_over_long_zone_is_a_400_naming_the_field(auth_client, user):
    response = auth_client.patch(ME, {"time_zone": "Europe/" + "x" * 100}, format="json")

    assert response.status_code == 400
    assert "64" in response.json()["time_zone"][0]
    user.refresh_from_db()
    assert user.time_zone == ""


@pytest.mark.parametrize("value", ["", None, 5, ["Europe/Paris"]])
def test_a_blank_or_non_text_zone_is_a_400(auth_client, user, value):
    response = auth_client.patch(ME, {"time_zone": value}, format="json")

    assert response.status_code == 400
    assert "time_zone" in response.json()


def test_the_signal_is_sent_once_on_a_change_and_not_for_an_unchanged_save(
    user, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update_profile(user=user, time_zone="Europe/Paris")
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update_profile(user=user, time_zone="Europe/Paris", full_name="Same Zone")
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update_profile(user=user, full_name="No Zone Given")

    assert received == [(user.pk, "Europe/Paris")]
    user.refresh_from_db()
    assert (user.time_zone, user.full_name) == ("Europe/Paris", "No Zone Given")


def test_the_signal_waits_for_the_commit(user, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.user_time_zone_set(user=user, time_zone="Asia/Kolkata")
        assert received == []  # nothing sent inside the transaction

    for callback in callbacks:
        callback()
    assert received == [(user.pk, "Asia/Kolkata")]


def test_unset_to_utc_is_no_change_of_days(user, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_time_zone_set(user=user, time_zone="UTC")

    user.refresh_from_db()
    assert user.time_zone == "UTC"
    assert received == []


def test_the_service_refuses_an_unknown_zone(user):
    with pytest.raises(InvalidInput) as caught:
        services.user_time_zone_set(user=user, time_zone="Mars/Base")

    assert caught.value.field == "time_zone"
    assert "Mars/Base" in caught.value.message


def test_the_browser_default_is_stored_once_and_never_over_a_choice(
    user, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_time_zone_default(user=user, time_zone="Mars/Base") is False
        assert services.user_time_zone_default(user=user, time_zone="Europe/Berlin") is True
        assert services.user_time_zone_default(user=user, time_zone="Asia/Tokyo") is False

    user.refresh_from_db()
    assert user.time_zone == "Europe/Berlin"
    assert received == [(user.pk, "Europe/Berlin")]


def test_a_default_stored_meanwhile_by_another_request_wins(user):
    stale = User.objects.get(pk=user.pk)
    services.user_time_zone_default(user=user, time_zone="Europe/Berlin")

    assert services.user_time_zone_default(user=stale, time_zone="Asia/Tokyo") is False
    assert stale.time_zone == "Europe/Berlin"


@pytest.mark.parametrize("stored", ["", "Mars/Base", "Europe/" + "x" * 57])
def test_user_zone_falls_back_to_utc(stored):
    assert user_zone(User(email="x@example.com", time_zone=stored)) == ZoneInfo("UTC")


def test_user_zone_reads_the_choice():
    assert user_zone(User(email="x@example.com", time_zone="Pacific/Auckland")) == ZoneInfo(
        "Pacific/Auckland"
    )


def test_the_select_groups_zones_by_region_and_keeps_a_zone_outside_them():
    choices = dict(time_zone_groups())
    assert choices["UTC"] == "UTC"
    assert ("Europe/Paris", "Paris") in choices["Europe"]
    assert ("America/Argentina/Salta", "Argentina / Salta") in choices["America"]
    assert "Other" not in choices

    assert dict(time_zone_groups(current="US/Eastern"))["Other"] == [("US/Eastern", "US/Eastern")]


def test_the_demo_user_counts_days_in_paris(settings):
    settings.DEBUG = True

    call_command("create_demo_user", stdout=io.StringIO())

    assert User.objects.get(email=DEMO_EMAIL).time_zone == "Europe/Paris"


def test_the_demo_user_refuses_an_unknown_zone(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="Mars/Base"):
        call_command("create_demo_user", "--time-zone", "Mars/Base", stdout=io.StringIO())
    assert not User.objects.exists()


def test_the_schema_documents_the_field(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    assert "time_zone" in components["Me"]["properties"]
    assert components["Me"]["properties"]["time_zone"]["readOnly"] is True
    for request in ("PatchedMeUpdateRequest", "MeUpdateRequest"):  # PATCH and PUT
        assert components[request]["properties"]["time_zone"]["maxLength"] == 64


def admin_client(settings) -> Client:
    client = Client()
    client.force_login(verified_admin(settings))
    return client


def admin_form(user: User, **changes) -> dict:
    form = {
        "email": user.email,
        "full_name": user.full_name,
        "time_zone": user.time_zone,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    return {**form, **changes}


def test_an_admin_sets_a_zone_and_the_stats_are_recounted(
    settings, user, received, django_capture_on_commit_callbacks
):
    client = admin_client(settings)
    page = client.get(f"/admin/users/user/{user.pk}/change/")
    assert b'<option value="Asia/Kolkata">Kolkata</option>' in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/users/user/{user.pk}/change/", admin_form(user, time_zone="Asia/Kolkata")
        )

    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert user.time_zone == "Asia/Kolkata"
    assert received == [(user.pk, "Asia/Kolkata")]


def test_an_admin_save_without_a_new_zone_recounts_nothing(
    settings, user, received, django_capture_on_commit_callbacks
):
    client = admin_client(settings)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/users/user/{user.pk}/change/", admin_form(user, full_name="Renamed"))

    assert response.status_code == 302, response.content[:2000]
    assert received == []


def test_the_admin_refuses_an_unknown_zone(settings, user, received):
    client = admin_client(settings)

    response = client.post(f"/admin/users/user/{user.pk}/change/", admin_form(user, time_zone="Mars/Base"))

    assert response.status_code == 200
    assert b"Select a valid choice. Mars/Base is not one of the available choices." in response.content
    user.refresh_from_db()
    assert user.time_zone == ""
    assert received == []
