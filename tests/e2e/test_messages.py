"""A message sent in one browser appears in the other without a reload."""

from tests.e2e.conftest import shot, sign_up


def test_a_message_arrives_live(new_page):
    alice, bob = new_page(), new_page(width=390, height=844)
    sign_up(alice, "alice@example.com", "Alice Sender")
    sign_up(bob, "bob@example.com", "Bob Receiver")

    bob.goto("/messages")
    bob.fill("#people-search", "Alice")
    bob.click("#people a:has-text('Alice Sender')")
    bob.wait_for_selector("#message-form")
    alice.goto("/messages")
    alice.fill("#people-search", "Bob")
    alice.click("#people a:has-text('Bob Receiver')")
    alice.wait_for_selector("#message-form")
    bob.wait_for_timeout(500)  # the socket opens

    alice.fill("#message-content", "Hi Bob, listen to City Rain!")
    alice.click("#message-form button[type=submit]")
    alice.wait_for_selector("#message-list >> text=Hi Bob, listen to City Rain!")

    bob.wait_for_selector("#message-list >> text=Hi Bob, listen to City Rain!", timeout=10000)
    shot(bob, "messages-phone")
