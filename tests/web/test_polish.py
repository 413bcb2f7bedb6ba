"""Issue 18 item 10: the small things a newcomer notices."""

from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from web.templatetags.web_time import ago

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_names_its_favicon(client):
    html = client.get("/signin").content.decode()

    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in html
    assert finders.find("web/favicon.svg")


def test_remove_the_picture_is_offered_only_with_a_picture(browser, user):
    assert "Remove the picture" not in browser.get("/profile").content.decode()

    user.image = SimpleUploadedFile("me.png", PNG, content_type="image/png")
    user.save()

    assert "Remove the picture" in browser.get("/profile").content.decode()


def test_a_moment_ago_is_just_now():
    now = timezone.now()

    assert ago(now) == "just now"
    assert ago(now - timedelta(seconds=59)) == "just now"
    assert ago(now - timedelta(minutes=5)) == "5\xa0minutes ago"
    assert ago(None) == ""
