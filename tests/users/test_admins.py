import pytest
from django.test import Client
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tests.conftest import client_for
from tests.factories import UserFactory
from users.permissions import IsAdmin, IsAdminOrReadOnly

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_emails(settings):
    settings.ADMIN_EMAILS = frozenset({"boss@example.com"})


@pytest.mark.parametrize("scheme", ["token", "jwt"])
def test_admin_check_is_true_for_an_admin_email_whatever_its_case(scheme):
    admin = UserFactory(email="BOSS@example.com")

    response = client_for(admin, scheme).get("/api/admin/check/")

    assert response.status_code == 200
    assert response.json() == {"admin": True}


def test_admin_check_is_false_for_a_normal_user(auth_client):
    assert auth_client.get("/api/admin/check/").json() == {"admin": False}


def test_superusers_are_admins():
    superuser = UserFactory(is_superuser=True, is_staff=True)

    assert client_for(superuser, "token").get("/api/admin/check/").json() == {"admin": True}


def test_admin_check_needs_authentication(api_client):
    response = api_client.get("/api/admin/check/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


def _allowed(permission, user, method="GET") -> bool:
    request = APIRequestFactory().generic(method, "/")
    request.user = user
    return permission().has_permission(request, APIView())


def test_admin_permissions():
    admin = UserFactory(email="boss@example.com")
    member = UserFactory()

    assert _allowed(IsAdmin, admin, "POST")
    assert not _allowed(IsAdmin, member, "GET")
    assert _allowed(IsAdminOrReadOnly, member, "GET")
    assert not _allowed(IsAdminOrReadOnly, member, "DELETE")
    assert _allowed(IsAdminOrReadOnly, admin, "DELETE")


def test_an_admin_by_email_can_use_the_admin_site():
    admin = UserFactory(email="boss@example.com")
    client = Client()
    client.force_login(admin)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/users/user/").status_code == 200


def test_a_normal_user_is_sent_to_the_admin_login():
    client = Client()
    client.force_login(UserFactory())

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
