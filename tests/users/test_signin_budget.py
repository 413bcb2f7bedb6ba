"""The sign-in budget (users/throttle.py): one count per trusted client address across every way in,
and one per account counting failed sign-ins, so neither X-Forwarded-For nor many addresses help."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from users.throttle import SIGN_IN_VIEWS

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
WRONG = "wrong-password-1"

# Every way in, with what its URL needs to reverse.
URL_ARGS = {
    "web:password-reset-confirm": ["MQ", "set-password"],
    "web:verify-email": ["some-key"],
}


def api_login(email: str, password: str = PASSWORD, **meta: str):
    return APIClient(**meta).post(LOGIN, {"email": email, "password": password}, format="json")


def page_sign_in(path: str, email: str, password: str = PASSWORD, **meta: str):
    return Client(**meta).post(path, {"username": email, "password": password})


def assert_throttled(response, *, json: bool) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600 + 5
    if json:
        assert response.json()["code"] == "throttled"
        assert "Try again in" in response.json()["detail"]
    else:
        assert "Too many sign-in attempts" in response.content.decode()


def test_rotating_x_forwarded_for_does_not_escape_the_budget(user):
    """40 guesses from one peer, each claiming another address: the header is not believed."""
    statuses = [
        api_login(
            user.email, WRONG, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(40)
    ]

    assert statuses == [400] * 10 + [429] * 30


def test_behind_one_proxy_the_last_hop_is_the_client(settings, user):
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    statuses = [
        api_login(user.email, WRONG, **proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.5").status_code
        for n in range(12)
    ]
    someone_else = api_login(user.email, **proxy, HTTP_X_FORWARDED_FOR="203.0.113.5, 203.0.113.6")

    assert statuses == [400] * 10 + [429] * 2
    assert someone_else.status_code == 200


@pytest.mark.parametrize("path", ["/signin", "/signup", "/admin/login/"])
def test_the_html_forms_are_limited(user, path):
    fields = {"username": user.email, "password": WRONG}
    if path == "/signup":
        fields = {"email": "new@example.com", "password1": "short", "password2": "other"}
    client = Client()

    statuses = [client.post(path, fields).status_code for _ in range(10)]
    refused = client.post(path, fields)

    assert 429 not in statuses
    assert_throttled(refused, json=False)
    assert client.get(path).status_code in {200, 302}  # opening the form spends nothing


def test_the_budget_is_shared_across_every_way_in(user):
    for _ in range(5):
        assert api_login(user.email, WRONG).status_code == 400
        assert page_sign_in("/signin", user.email, WRONG).status_code == 200  # the form, with its error

    assert_throttled(api_login(user.email), json=True)
    assert_throttled(page_sign_in("/admin/login/", user.email), json=False)


@pytest.mark.parametrize("name", sorted(SIGN_IN_VIEWS))
def test_each_way_in_spends_from_the_same_budget(user, name):
    """Every listed URL name exists, and a spent budget refuses it (API: JSON, pages: HTML)."""
    path = reverse(name, args=URL_ARGS.get(name, []))
    for _ in range(10):
        api_login(user.email, WRONG)

    response = Client().post(path, {"email": user.email}, content_type="application/json")

    assert_throttled(response, json=path.startswith("/api/"))


def test_the_address_budget_is_django_setting_driven(settings, user):
    settings.AUTH_THROTTLE_RATE = "3/minute"

    statuses = [api_login(user.email, WRONG).status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 429]


def test_guessing_one_account_from_many_addresses_is_slowed(settings, user):
    settings.AUTH_ACCOUNT_THROTTLE_RATE = "5/hour"
    bystander = UserFactory()
    # Five failures from five addresses, through three different doors, in any letter case.
    assert api_login(user.email, WRONG, REMOTE_ADDR="203.0.113.1").status_code == 400
    assert api_login(user.email.upper(), WRONG, REMOTE_ADDR="203.0.113.2").status_code == 400
    assert page_sign_in("/signin", user.email, WRONG, REMOTE_ADDR="203.0.113.3").status_code == 200
    assert page_sign_in("/signin", f" {user.email} ", WRONG, REMOTE_ADDR="203.0.113.4").status_code == 200
    assert page_sign_in("/admin/login/", user.email, WRONG, REMOTE_ADDR="203.0.113.5").status_code == 200

    # The right password, from a fresh address, is refused too: that is what slows a guesser.
    refused_api = api_login(user.email, REMOTE_ADDR="203.0.113.6")
    browser = Client(REMOTE_ADDR="203.0.113.7")
    refused_page = browser.post("/signin", {"username": user.email, "password": PASSWORD})

    assert_throttled(refused_api, json=True)
    assert "key" not in refused_api.json()
    assert int(refused_api["Retry-After"]) > 60  # the account's window, not the address's
    assert_throttled(refused_page, json=False)
    assert "_auth_user_id" not in browser.session  # the browser was not signed in
    assert api_login(bystander.email, REMOTE_ADDR="203.0.113.6").status_code == 200


def test_only_failed_sign_ins_spend_an_account(settings, user):
    """Signing in as oneself, registering or asking for resets never locks the owner out."""
    settings.AUTH_ACCOUNT_THROTTLE_RATE = "3/hour"
    for n in range(6):
        address = {"REMOTE_ADDR": f"203.0.113.{n}"}
        assert api_login(user.email, **address).status_code == 200
        APIClient(**address).post("/api/auth/password/reset/", {"email": user.email}, format="json")
        APIClient(**address).post("/api/auth/registration/", {"email": user.email}, format="json")

    assert api_login(user.email, REMOTE_ADDR="203.0.113.99").status_code == 200


def test_the_account_budget_refuses_before_the_password_is_checked(settings, user, django_assert_num_queries):
    settings.AUTH_ACCOUNT_THROTTLE_RATE = "1/hour"
    assert api_login(user.email, WRONG, REMOTE_ADDR="203.0.113.1").status_code == 400

    with django_assert_num_queries(0):  # no user lookup, no password hash: refused from the cache
        refused = api_login(user.email, REMOTE_ADDR="203.0.113.2")

    assert_throttled(refused, json=True)


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="REDIS_URL unset: the budget is in local memory")
def test_the_budget_is_counted_in_redis(user):
    """With REDIS_URL every process shares the counts: they are in Redis, not in this process."""
    import redis

    for _ in range(3):
        api_login(user.email, WRONG)
    server = redis.Redis.from_url(django_settings.REDIS_URL)

    counts = sorted(int(server.get(key)) for key in server.keys("*signin:*"))

    assert counts == [3, 3]  # this address's submissions, and this account's failures


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AUTH_THROTTLE_RATE", "lots", "AUTH_THROTTLE_RATE must look like 10/minute"),
        ("AUTH_ACCOUNT_THROTTLE_RATE", "5/0m", "AUTH_ACCOUNT_THROTTLE_RATE must look like 10/minute"),
        ("NUM_PROXIES", "-1", "NUM_PROXIES must be 0 or more"),
    ],
)
def test_a_wrong_setting_stops_the_start_with_its_name(variable, value, message):
    from tests.core.test_settings import run_manage

    result = run_manage("check", DEBUG="true", **{variable: value})

    assert result.returncode != 0
    assert message in result.stderr
