import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_list_is_everyone_but_me_and_leaks_no_email(auth_client, user):
    others = UserFactory.create_batch(3)
    UserFactory(is_active=False)

    response = auth_client.get("/api/users/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {row["id"] for row in body["results"]} == {other.id for other in others}
    assert all(set(row) == {"id", "full_name", "image"} for row in body["results"])
    assert "@" not in response.content.decode()


def test_user_list_is_paginated(auth_client):
    UserFactory.create_batch(25)

    first = auth_client.get("/api/users/").json()
    second = auth_client.get(first["next"]).json()

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert len(second["results"]) == 5
    assert auth_client.get("/api/users/?page_size=500").json()["results"].__len__() == 25


def test_user_list_search_matches_names(auth_client):
    wanted = UserFactory(full_name="Nina Simone")
    UserFactory(full_name="Miles Davis")

    body = auth_client.get("/api/users/?search=simone").json()

    assert [row["id"] for row in body["results"]] == [wanted.id]


def test_user_detail_shows_the_public_profile(auth_client, other_user):
    response = auth_client.get(f"/api/users/{other_user.id}/")

    assert response.status_code == 200
    assert response.json() == {"id": other_user.id, "full_name": other_user.full_name, "image": None}


def test_unknown_user_is_404(auth_client):
    response = auth_client.get("/api/users/999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_user_list_needs_authentication(api_client):
    assert api_client.get("/api/users/").status_code == 401
    assert api_client.get("/api/users/1/").status_code == 401


def test_user_list_query_count_does_not_grow_with_users(auth_client, django_assert_max_num_queries):
    UserFactory.create_batch(30)

    with django_assert_max_num_queries(4):
        auth_client.get("/api/users/")
