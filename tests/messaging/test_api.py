from __future__ import annotations

import pytest
from django.utils import timezone

from messaging.models import MAX_MESSAGE_LENGTH, Message
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.messaging.conftest import make_message

pytestmark = pytest.mark.django_db


def person(user) -> dict:
    return {"id": user.id, "full_name": user.full_name, "image": None}


# --- sending ------------------------------------------------------------------------------------


def test_send_answers_201_with_the_message_and_stores_it(auth_client, user, other_user):
    response = auth_client.post("/api/messages/", {"receiver": other_user.id, "content": "  Hi there!\n"})

    assert response.status_code == 201
    body = response.json()
    message = Message.objects.get()
    assert body == {
        "id": message.id,
        "sender": person(user),
        "receiver": person(other_user),
        "content": "Hi there!",
        "created_at": body["created_at"],
        "read_at": None,
    }
    assert (message.sender, message.receiver, message.content) == (user, other_user, "Hi there!")


def test_send_accepts_the_longest_message(auth_client, other_user):
    content = "x" * MAX_MESSAGE_LENGTH

    response = auth_client.post("/api/messages/", {"receiver": other_user.id, "content": content})

    assert response.status_code == 201
    assert Message.objects.get().content == content


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"content": ""}, "content", "empty"),
        ({"content": "  \n\t "}, "content", "empty"),
        ({"content": "x" * (MAX_MESSAGE_LENGTH + 1)}, "content", "too_long"),
        ({"receiver": 999_999}, "receiver", "unknown_user"),
        ({"receiver": "inactive"}, "receiver", "unknown_user"),
        ({"receiver": "me"}, "receiver", "self"),
        ({"receiver": "abc"}, "receiver", "invalid"),
        ({"receiver": None}, "receiver", "invalid"),
        ({"content": None}, "content", "invalid"),
    ],
)
def test_send_rejects_bad_input_naming_the_field_and_stores_nothing(
    auth_client, user, other_user, payload, field, code
):
    data = {"receiver": other_user.id, "content": "hello", **payload}
    if data["receiver"] == "inactive":
        data["receiver"] = UserFactory(is_active=False).id
    elif data["receiver"] == "me":
        data["receiver"] = user.id
    data = {key: value for key, value in data.items() if value is not None}

    response = auth_client.post("/api/messages/", data, format="json")

    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field, "code"]
    assert body["code"] == code
    assert isinstance(body[field][0], str)
    assert not Message.objects.exists()


def test_messages_need_authentication(api_client, user, other_user):
    message = make_message(user, other_user)

    assert api_client.get("/api/messages/").status_code == 401
    assert api_client.post("/api/messages/", {"receiver": other_user.id, "content": "hi"}).status_code == 401
    assert api_client.get(f"/api/messages/{message.id}/").status_code == 401
    assert api_client.post(f"/api/messages/{message.id}/read/").status_code == 401
    assert api_client.get("/api/messages/unread-count/").status_code == 401
    assert api_client.get(f"/api/users/{user.id}/messages/").status_code == 401
    assert api_client.post(f"/api/users/{user.id}/messages/read/").status_code == 401
    assert not Message.objects.exclude(pk=message.pk).exists()


# --- reading one --------------------------------------------------------------------------------


def test_sender_and_receiver_read_a_message_without_marking_it_read(auth_client, user, other_user):
    message = make_message(user, other_user, "Have you heard the new album?")
    receiver_client = client_for(other_user, "jwt")

    as_sender = auth_client.get(f"/api/messages/{message.id}/")
    as_receiver = receiver_client.get(f"/api/messages/{message.id}/")

    assert as_sender.status_code == as_receiver.status_code == 200
    assert as_sender.json() == as_receiver.json()
    assert as_receiver.json()["content"] == "Have you heard the new album?"
    assert as_receiver.json()["read_at"] is None
    message.refresh_from_db()
    assert message.read_at is None


def test_a_third_user_never_sees_someone_elses_message(user, other_user, third_user):
    message = make_message(user, other_user, "between us")
    outsider = client_for(third_user, "token")
    not_found = {"detail": "Not found.", "code": "not_found"}

    detail = outsider.get(f"/api/messages/{message.id}/")
    read = outsider.post(f"/api/messages/{message.id}/read/")

    assert (detail.status_code, detail.json()) == (404, not_found)
    assert (read.status_code, read.json()) == (404, not_found)
    assert outsider.get("/api/messages/").json()["count"] == 0
    assert outsider.get("/api/messages/?unread=true").json()["count"] == 0
    assert outsider.get(f"/api/messages/?with={user.id}").json()["count"] == 0
    assert outsider.get(f"/api/users/{user.id}/messages/").json()["results"] == []
    assert outsider.get(f"/api/users/{other_user.id}/messages/").json()["results"] == []
    assert outsider.post(f"/api/users/{user.id}/messages/read/").json()["marked_read"] == 0
    assert outsider.get("/api/messages/unread-count/").json() == {"unread": 0}
    message.refresh_from_db()
    assert message.read_at is None


def test_unknown_message_is_404(auth_client):
    assert auth_client.get("/api/messages/999999/").status_code == 404
    assert auth_client.post("/api/messages/999999/read/").status_code == 404


# --- marking read -------------------------------------------------------------------------------


def test_receiver_marks_a_message_read_once(auth_client, user, other_user):
    message = make_message(other_user, user)

    first = auth_client.post(f"/api/messages/{message.id}/read/")
    second = auth_client.post(f"/api/messages/{message.id}/read/")

    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == message.id
    assert first.json()["read_at"] is not None
    assert second.json()["read_at"] == first.json()["read_at"]
    message.refresh_from_db()
    assert message.read_at is not None


def test_sender_cannot_mark_their_own_message_read(auth_client, user, other_user):
    message = make_message(user, other_user)

    response = auth_client.post(f"/api/messages/{message.id}/read/")

    assert response.status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_unread_count_follows_reads(auth_client, user, other_user, third_user):
    first = make_message(other_user, user)
    make_message(other_user, user)
    make_message(third_user, user)
    make_message(user, other_user)  # sent by me: never unread for me

    assert auth_client.get("/api/messages/unread-count/").json() == {"unread": 3}
    auth_client.post(f"/api/messages/{first.id}/read/")
    assert auth_client.get("/api/messages/unread-count/").json() == {"unread": 2}


def test_marking_a_conversation_read_marks_only_that_users_messages_to_me(
    auth_client, user, other_user, third_user
):
    from_other = [make_message(other_user, user) for _ in range(3)]
    from_third = make_message(third_user, user)
    mine = make_message(user, other_user)
    already = make_message(other_user, user, read_at=timezone.now())

    response = auth_client.post(f"/api/users/{other_user.id}/messages/read/")

    assert response.status_code == 200
    assert response.json() == {"marked_read": 3, "unread": 1}
    assert all(Message.objects.get(pk=m.pk).read_at is not None for m in from_other)
    assert Message.objects.get(pk=from_third.pk).read_at is None
    assert Message.objects.get(pk=mine.pk).read_at is None
    assert Message.objects.get(pk=already.pk).read_at == already.read_at
    assert auth_client.post(f"/api/users/{other_user.id}/messages/read/").json() == {
        "marked_read": 0,
        "unread": 1,
    }


def test_marking_an_unknown_users_conversation_is_404(auth_client):
    response = auth_client.post("/api/users/999999/messages/read/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


# --- lists --------------------------------------------------------------------------------------


def test_my_messages_are_sent_and_received_newest_first(auth_client, user, other_user, third_user):
    oldest = make_message(user, other_user)
    middle = make_message(third_user, user)
    newest = make_message(other_user, user)
    make_message(other_user, third_user)  # not mine

    body = auth_client.get("/api/messages/").json()

    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [newest.id, middle.id, oldest.id]


def test_my_messages_filter_unread_and_with(auth_client, user, other_user, third_user):
    sent = make_message(user, other_user)
    unread = make_message(other_user, user)
    make_message(other_user, user, read_at=timezone.now())
    from_third = make_message(third_user, user)

    unread_ids = [row["id"] for row in auth_client.get("/api/messages/?unread=true").json()["results"]]
    with_other = auth_client.get(f"/api/messages/?with={other_user.id}").json()
    both = auth_client.get(f"/api/messages/?unread=1&with={third_user.id}").json()

    assert unread_ids == [from_third.id, unread.id]
    assert with_other["count"] == 3
    assert sent.id in [row["id"] for row in with_other["results"]]
    assert [row["id"] for row in both["results"]] == [from_third.id]
    assert auth_client.get("/api/messages/?unread=false").json()["count"] == 4


@pytest.mark.parametrize(("query", "field"), [("unread=maybe", "unread"), ("with=abc", "with")])
def test_my_messages_reject_bad_filters(auth_client, query, field):
    response = auth_client.get(f"/api/messages/?{query}")

    assert response.status_code == 400
    assert field in response.json()


def test_my_messages_are_paginated(auth_client, user, other_user):
    for _ in range(25):
        make_message(other_user, user)

    first = auth_client.get("/api/messages/").json()
    second = auth_client.get(first["next"]).json()

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert len(auth_client.get("/api/messages/?page_size=10").json()["results"]) == 10


def test_conversation_is_the_two_users_messages_oldest_first(auth_client, user, other_user, third_user):
    first = make_message(user, other_user, "one")
    make_message(third_user, user, "elsewhere")
    second = make_message(other_user, user, "two")
    make_message(other_user, third_user, "not with me")
    third = make_message(user, other_user, "three")

    response = auth_client.get(f"/api/users/{other_user.id}/messages/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [first.id, second.id, third.id]
    assert [row["content"] for row in rows] == ["one", "two", "three"]


def test_conversation_is_cursor_paginated(auth_client, user, other_user):
    sent = [make_message(user if i % 2 else other_user, other_user if i % 2 else user) for i in range(60)]

    first = auth_client.get(f"/api/users/{other_user.id}/messages/").json()
    second = auth_client.get(first["next"]).json()

    assert set(first) == {"next", "previous", "results"}
    assert len(first["results"]) == 50
    assert [row["id"] for row in first["results"] + second["results"]] == [m.id for m in sent]
    assert second["next"] is None
    assert len(auth_client.get(f"/api/users/{other_user.id}/messages/?page_size=5").json()["results"]) == 5


def test_conversation_with_an_unknown_user_is_404(auth_client):
    response = auth_client.get("/api/users/999999/messages/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_conversation_with_a_deactivated_user_stays_readable_to_those_who_wrote(auth_client, user):
    gone = UserFactory(is_active=False)
    stranger = UserFactory(is_active=False)
    message = make_message(gone, user)

    assert [row["id"] for row in auth_client.get(f"/api/users/{gone.id}/messages/").json()["results"]] == [
        message.id
    ]
    assert auth_client.get(f"/api/users/{stranger.id}/messages/").status_code == 404


# --- privacy and cost ---------------------------------------------------------------------------


def test_no_email_in_any_response(auth_client, user, other_user):
    received = make_message(other_user, user, "hello")
    bodies = [
        auth_client.post("/api/messages/", {"receiver": other_user.id, "content": "hi"}).content,
        auth_client.get("/api/messages/").content,
        auth_client.get(f"/api/messages/{received.id}/").content,
        auth_client.post(f"/api/messages/{received.id}/read/").content,
        auth_client.get(f"/api/users/{other_user.id}/messages/").content,
        auth_client.post(f"/api/users/{other_user.id}/messages/read/").content,
        auth_client.get("/api/messages/unread-count/").content,
    ]

    for body in bodies:
        text = body.decode()
        assert "@" not in text
        assert user.email not in text
        assert other_user.email not in text


@pytest.mark.parametrize("path", ["/api/messages/", "/api/messages/?unread=true", "conversation"])
def test_list_query_count_does_not_grow_with_messages(
    auth_client, user, other_user, third_user, path, django_assert_max_num_queries
):
    path = f"/api/users/{other_user.id}/messages/" if path == "conversation" else path

    def fill(count: int) -> None:
        for i in range(count):
            make_message(other_user if i % 2 else third_user, user)
            make_message(user, other_user)

    # Sign-in, then the count (or the other user) and one page with both people joined in.
    fill(2)
    with django_assert_max_num_queries(3):
        assert auth_client.get(path).status_code == 200
    fill(20)
    with django_assert_max_num_queries(3):
        assert auth_client.get(path).status_code == 200


def test_sending_is_rate_limited_but_reading_is_not(user, other_user, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    from tests.conftest import client_for

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "10/minute", "messages": "3/minute"})
    client = client_for(user, "token")
    statuses = [
        client.post(
            "/api/messages/", {"receiver": other_user.pk, "content": f"hi {n}"}, format="json"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
    assert all(client.get("/api/messages/").status_code == 200 for _ in range(5))
