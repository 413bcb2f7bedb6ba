"""/api/schema/ documents the errors each operation really answers (core/schema.py), from the view:
credentials (401), permissions (403), path parameters and pages (404), bodies (400, 413), throttles
(429), and what the view declares (409, a provider's errors)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/?format=json").json()


def statuses(schema: dict, method: str, path: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def test_every_error_is_the_one_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code"]
    assert set(error["properties"]) == {"detail", "code"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and "content" in response:
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/Error"}, (method, path, status)


@pytest.mark.parametrize(
    ("method", "path", "expected", "absent"),
    [
        ("post", "/api/auth/login/", {"200", "400", "413", "415", "429"}, {"401", "404"}),
        ("post", "/api/auth/token/refresh/", {"401", "429"}, set()),
        ("get", "/api/auth/user/", {"401"}, {"400", "403", "404", "413"}),
        ("get", "/api/songs/", {"400", "401", "404"}, {"403"}),  # ?page= past the end is a 404
        ("post", "/api/songs/", {"400", "401", "403", "413"}, {"404"}),
        ("delete", "/api/songs/{id}/", {"401", "403", "404"}, {"413"}),
        ("get", "/api/songs/{id}/", {"401", "404"}, {"403"}),  # anyone signed in reads
        ("get", "/api/stats/", {"401", "403"}, set()),
        ("post", "/api/messages/", {"400", "401", "413", "429"}, set()),
        ("get", "/api/messages/", {"401"}, {"429"}),  # only sending is throttled
        ("post", "/music/sync/", {"400", "401", "404", "409", "413"}, set()),
        ("get", "/music/fetch-recently-played/", {"400", "409", "429", "502", "503"}, set()),
        ("get", "/music/get-stored-songs/", {"400", "401"}, set()),  # a forged cursor
    ],
)
def test_the_error_statuses_of_an_operation(schema, method, path, expected, absent):
    documented = statuses(schema, method, path)

    assert expected <= documented
    assert not (absent & documented)


def test_cursor_pages_and_numbered_pages_have_their_own_schemas(schema):
    """The same serializer paginated both ways (messages): two shapes, two names."""
    conversation = schema["paths"]["/api/users/{id}/messages/"]["get"]["responses"]["200"]
    inbox = schema["paths"]["/api/messages/"]["get"]["responses"]["200"]

    conversation_ref = conversation["content"]["application/json"]["schema"]["$ref"]
    inbox_ref = inbox["content"]["application/json"]["schema"]["$ref"]
    assert conversation_ref != inbox_ref
    cursor_page = schema["components"]["schemas"][conversation_ref.rsplit("/", 1)[1]]
    assert "count" not in cursor_page["properties"]
