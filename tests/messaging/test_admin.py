from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Message
from tests.factories import UserFactory
from tests.messaging.conftest import make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_searches_and_filters_messages(admin_client, user, other_user):
    make_message(user, other_user, "a rather long message about jazz " * 10)
    make_message(other_user, user, "reply about blues", read_at=timezone.now())
    url = reverse("admin:messaging_message_changelist")

    page = admin_client.get(url)
    found = admin_client.get(url, {"q": "blues"})
    unread = admin_client.get(url, {"status": "unread"})

    assert page.status_code == 200
    assert "a rather long message about jazz" in page.content.decode()
    assert "reply about blues" in found.content.decode()
    assert "jazz" not in found.content.decode()
    assert "jazz" in unread.content.decode()
    assert "reply about blues" not in unread.content.decode()


def test_admin_views_and_deletes_but_never_writes_messages(admin_client, user, other_user):
    message = make_message(user, other_user, "spam spam spam")

    view = admin_client.get(reverse("admin:messaging_message_change", args=[message.pk]))
    add = admin_client.get(reverse("admin:messaging_message_add"))
    change = admin_client.post(
        reverse("admin:messaging_message_change", args=[message.pk]), {"content": "edited by staff"}
    )
    delete = admin_client.post(reverse("admin:messaging_message_delete", args=[message.pk]), {"post": "yes"})

    assert view.status_code == 200
    assert "spam spam spam" in view.content.decode()
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 302
    assert not Message.objects.exists()
