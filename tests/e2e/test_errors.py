"""Issue 18 item 1: every htmx form and button shows what went wrong (htmx itself drops 4xx/5xx
answers and network failures): the page the server drew for the error, an API's `detail`, a field's
message beside the field, or a sentence for a network failure."""

import json

from tests.e2e.conftest import shot


def _join_with(page, code: str) -> None:
    page.goto("/join")
    page.fill("input[name=code]", code)
    page.click("form.stack button[type=submit]")


def test_a_wrong_room_code_says_room_not_found_beside_the_field(new_page):
    page = new_page(width=390, height=844)
    _join_with(page, "ZZZZZZZZ")
    error = page.locator("form.stack .errorlist")
    error.wait_for()
    assert "Room not found" in error.inner_text()
    assert page.input_value("input[name=code]") == "ZZZZZZZZ"
    shot(page, "join-wrong-code-phone")


def test_an_api_detail_a_field_error_a_server_error_and_a_network_failure_are_shown(new_page):
    page = new_page()
    answers = iter(
        [
            {
                "status": 409,
                "content_type": "application/json",
                "body": json.dumps({"detail": "The room is full.", "code": "conflict"}),
            },
            {
                "status": 400,
                "content_type": "application/json",
                "body": json.dumps({"code": ["Codes have 8 letters."], "code_": "invalid"}),
            },
            {
                "status": 500,
                "content_type": "text/html",
                "body": "<!doctype html><h1>Server Error (500)</h1>",
            },
            None,  # the network fails
        ]
    )

    def answer(route):
        if route.request.method != "POST":
            return route.continue_()
        reply = next(answers)
        return route.abort("internetdisconnected") if reply is None else route.fulfill(**reply)

    page.route("**/join", answer)
    _join_with(page, "ABCDEFGH")
    page.wait_for_selector(".request-error:has-text('The room is full.')")

    page.click("form.stack button[type=submit]")
    field_error = page.locator("input[name=code] + .field-error")
    field_error.wait_for()
    assert field_error.inner_text() == "Codes have 8 letters."
    assert page.locator(".request-error:has-text('The room is full.')").count() == 0  # shown once

    page.click("form.stack button[type=submit]")
    page.wait_for_selector(".request-error:has-text('Something went wrong on our side (500)')")
    assert page.locator(".field-error").count() == 0

    page.click("form.stack button[type=submit]")
    page.wait_for_selector(".request-error:has-text('could not be reached')")
    assert page.locator(".request-error:not(:empty)").count() == 1
