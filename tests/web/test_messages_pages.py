"""The messages pages, and the live feed of new messages at /ws/messages/."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from messaging.models import Message
from tests.factories import UserFactory
from tests.messaging.conftest import make_message


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def nina(db):
    return UserFactory(full_name="Nina Lane", email="nina@example.com")


@pytest.fixture
def omar(db):
    return UserFactory(full_name="Omar Vale", email="omar@example.com")


@pytest.fixture
def browser(nina) -> Client:
    return signed_in(nina)


@pytest.mark.django_db
def test_messages_need_a_signed_in_user(client, omar):
    for url in ("/messages", f"/messages/{omar.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/signin")


@pytest.mark.django_db
def test_the_inbox_lists_conversations_by_name_never_email(browser, nina, omar):
    pia = UserFactory(full_name="Pia Stone", email="pia@example.com")
    make_message(omar, nina, "first")
    make_message(nina, omar, "my reply")
    make_message(pia, nina, "hi from pia")
    make_message(pia, nina, "are you there?")

    html = browser.get("/messages").content.decode()

    assert "Omar Vale" in html
    assert "Pia Stone" in html
    assert "You: my reply" in html
    assert "are you there?" in html
    assert "2 new" in html  # Pia's unread messages
    assert html.index("Pia Stone") < html.index("Omar Vale")  # the latest conversation first
    assert "@example.com" not in html
    assert f'href="/messages/{omar.id}"' in html


@pytest.mark.django_db
def test_the_inbox_finds_people_by_name(browser, omar):
    UserFactory(full_name="Pia Stone")

    found = browser.get("/messages", {"q": "oma"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people")
    empty = browser.get("/messages").content.decode()

    assert "Omar Vale" in found.content.decode()
    assert "Pia Stone" not in found.content.decode()
    assert "<html" not in found.content.decode()
    assert "No conversations yet" in empty
    assert browser.get("/messages", {"to": omar.id})["Location"] == f"/messages/{omar.id}"


@pytest.mark.django_db
def test_opening_a_conversation_shows_it_oldest_first_and_marks_it_read(browser, nina, omar):
    make_message(omar, nina, "one")
    make_message(nina, omar, "two")
    make_message(omar, nina, "three")

    html = browser.get(f"/messages/{omar.id}").content.decode()

    assert html.index("one") < html.index("two") < html.index("three")
    assert "@example.com" not in html
    assert not Message.objects.filter(receiver=nina, read_at__isnull=True).exists()
    assert Message.objects.filter(receiver=omar, read_at__isnull=True).count() == 1  # not mine to mark


@pytest.mark.django_db
def test_an_unknown_person_is_404(browser, nina):
    assert browser.get("/messages/999999").status_code == 404
    assert browser.get(f"/messages/{nina.id}").status_code == 404


@pytest.mark.django_db
def test_sending_with_htmx_stores_the_message_and_returns_its_partial(browser, nina, omar):
    response = browser.post(f"/messages/{omar.id}", {"content": "  hello Omar  "}, HTTP_HX_REQUEST="true")

    message = Message.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert (message.sender, message.receiver, message.content) == (nina, omar, "hello Omar")
    assert f'data-message-id="{message.id}"' in html
    assert 'class="message mine"' in html
    assert "<html" not in html


@pytest.mark.django_db
def test_sending_without_javascript_redirects_back(browser, omar):
    response = browser.post(f"/messages/{omar.id}", {"content": "hello"})

    assert response.status_code == 302
    assert response["Location"] == f"/messages/{omar.id}"
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_an_empty_message_says_what_to_do(browser, omar):
    with_htmx = browser.post(f"/messages/{omar.id}", {"content": "  "}, HTTP_HX_REQUEST="true")
    without = browser.post(f"/messages/{omar.id}", {"content": ""})

    assert with_htmx["HX-Retarget"] == "#message-error"
    assert "Write something" in with_htmx.content.decode()
    assert without.status_code == 400
    assert "Write something" in without.content.decode()
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_the_send_form_is_csrf_protected(nina, omar):
    client = Client(enforce_csrf_checks=True)
    client.force_login(nina)

    response = client.post(f"/messages/{omar.id}", {"content": "hello"})

    assert response.status_code == 403
    assert Message.objects.count() == 0


# --- the live feed ---------------------------------------------------------------------------------


def socket_for(client: Client | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, "/ws/messages/", headers=headers)


@pytest.mark.django_db(transaction=True)
def test_a_new_message_reaches_the_receivers_socket(nina, omar):
    omars_browser = signed_in(omar)

    async def scenario():
        socket = socket_for(omars_browser)
        connected, _ = await socket.connect()
        assert connected
        try:
            await database_sync(lambda: signed_in(nina).post(f"/messages/{omar.id}", {"content": "live!"}))
            event = await socket.receive_json_from(timeout=5)
        finally:
            await socket.disconnect()
        return event

    event = async_to_sync(scenario)()

    message = Message.objects.get()
    assert event["event"] == "message.new"
    assert event["data"]["id"] == message.id
    assert event["data"]["content"] == "live!"
    assert event["data"]["sender"]["id"] == nina.id
    assert "email" not in str(event)


@pytest.mark.django_db(transaction=True)
def test_the_sender_does_not_get_the_notice(nina, omar):
    ninas_browser = signed_in(nina)

    async def scenario():
        socket = socket_for(ninas_browser)
        connected, _ = await socket.connect()
        assert connected
        await database_sync(lambda: ninas_browser.post(f"/messages/{omar.id}", {"content": "to Omar"}))
        nothing = await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return nothing

    assert async_to_sync(scenario)() is True


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_socket_is_closed():
    async def scenario():
        socket = socket_for(None)
        connected, _ = await socket.connect()
        closing = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return connected, closing

    connected, closing = async_to_sync(scenario)()

    assert connected  # accepted, so the browser sees why it is closed
    assert closing == {"type": "websocket.close", "code": 4401}


async def database_sync(call):
    from channels.db import database_sync_to_async

    return await database_sync_to_async(call)()
