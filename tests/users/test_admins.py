import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tests.conftest import client_for
from tests.factories import ADMIN_EMAIL, UserFactory, verified_admin
from users.models import User
from users.permissions import IsAdmin, IsAdminOrReadOnly

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_emails(settings):
    settings.ADMIN_EMAILS = frozenset({ADMIN_EMAIL})


@pytest.mark.parametrize("scheme", ["token", "jwt"])
def test_admin_check_is_true_for_a_verified_admin_email_whatever_its_case(scheme):
    admin = UserFactory(email="BOSS@example.com", verified=True)

    response = client_for(admin, scheme).get("/api/admin/check/")

    assert response.status_code == 200
    assert response.json() == {"admin": True}


def test_an_unverified_admin_email_is_not_an_admin():
    """Anyone may sign up with the ADMIN_EMAIL address: until it is verified it proves nothing."""
    claimant = UserFactory(email=ADMIN_EMAIL)
    client = Client()
    client.force_login(claimant)

    assert client_for(claimant, "token").get("/api/admin/check/").json() == {"admin": False}
    assert not claimant.has_perm("users.change_user")
    assert not claimant.has_module_perms("users")
    refused = client.get("/admin/")
    assert refused.status_code == 302
    assert "/admin/login/" in refused["Location"]
    assert client.get("/admin/users/user/").status_code == 302


def test_a_verified_address_that_is_not_the_accounts_own_makes_no_admin():
    """The verified row must be the account's current address (an admin may edit emails)."""
    user = UserFactory(email="someone@example.com", verified=True)
    user.email = ADMIN_EMAIL
    user.save()

    assert User.objects.get(pk=user.pk).is_admin is False


def test_admin_check_is_false_for_a_normal_user(auth_client):
    assert auth_client.get("/api/admin/check/").json() == {"admin": False}


def test_superusers_are_admins():
    superuser = UserFactory(is_superuser=True, is_staff=True)

    assert client_for(superuser, "token").get("/api/admin/check/").json() == {"admin": True}


def test_createsuperuser_records_a_verified_address(settings, api_client):
    """So that a superuser signs in even when verification is mandatory."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    User.objects.create_superuser(email="Root@Example.com", password="correct-Horse-battery-9")

    response = api_client.post(
        "/api/auth/login/", {"email": "root@example.com", "password": "correct-Horse-battery-9"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["user"]["is_admin"] is True


def test_is_admin_costs_no_query_for_most_users_and_one_per_instance_for_admin_emails():
    member = User.objects.get(pk=UserFactory().pk)
    admin = User.objects.get(pk=UserFactory(email=ADMIN_EMAIL, verified=True).pk)

    with CaptureQueriesContext(connection) as member_queries:
        assert [member.is_admin for _ in range(3)] == [False] * 3
    with CaptureQueriesContext(connection) as admin_queries:
        assert [admin.is_admin for _ in range(3)] == [True] * 3
        assert admin.has_perm("users.change_user")

    assert len(member_queries) == 0
    assert len(admin_queries) == 1


def test_admin_check_needs_authentication(api_client):
    response = api_client.get("/api/admin/check/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


def _allowed(permission, user, method="GET") -> bool:
    request = APIRequestFactory().generic(method, "/")
    request.user = user
    return permission().has_permission(request, APIView())


def test_admin_permissions(settings):
    admin = verified_admin(settings)
    member = UserFactory()
    claimant = UserFactory(email="second.boss@example.com")
    settings.ADMIN_EMAILS |= {"second.boss@example.com"}

    assert _allowed(IsAdmin, admin, "POST")
    assert not _allowed(IsAdmin, member, "GET")
    assert not _allowed(IsAdmin, claimant, "POST")
    assert _allowed(IsAdminOrReadOnly, member, "GET")
    assert not _allowed(IsAdminOrReadOnly, member, "DELETE")
    assert not _allowed(IsAdminOrReadOnly, claimant, "DELETE")
    assert _allowed(IsAdminOrReadOnly, admin, "DELETE")


def test_a_verified_admin_by_email_can_use_the_admin_site(settings):
    admin = verified_admin(settings)
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
