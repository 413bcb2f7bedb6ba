import io

import pytest
from django.core.management import CommandError, call_command

from users.management.commands.create_demo_user import DEMO_EMAIL, DEMO_PASSWORD
from users.models import User

pytestmark = pytest.mark.django_db


def test_demo_user_is_created_then_reset_and_can_sign_in(settings, api_client):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("create_demo_user", stdout=out)
    call_command("create_demo_user", stdout=out)

    assert User.objects.filter(email=DEMO_EMAIL).count() == 1
    assert DEMO_PASSWORD in out.getvalue()
    response = api_client.post("/api/auth/login/", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.json()["user"]["is_admin"] is True


def test_demo_user_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("create_demo_user")
    assert not User.objects.exists()


def test_demo_user_gets_the_sandbox_lastfm_key(settings):
    settings.DEBUG = True

    call_command(
        "create_demo_user", "--lastfm-key", "demo-key-123", "--lastfm-user", "wiz", stdout=io.StringIO()
    )
    call_command(
        "create_demo_user", "--lastfm-key", "demo-key-123", "--lastfm-user", "wiz", stdout=io.StringIO()
    )

    from users.vault import api_key_get

    stored = api_key_get(user=User.objects.get(email=DEMO_EMAIL), service="lastfm")
    assert stored.key == "demo-key-123"
    assert stored.service_user_id == "wiz"
