"""The browser's zone becomes a new user's profile zone on the first visit; the profile page changes it."""

from tests.e2e.conftest import sign_up


def test_a_new_user_gets_the_browsers_zone_then_chooses_another(new_page):
    page = new_page(timezone_id="Asia/Tokyo")
    sign_up(page, "zone@example.com", "Zoe Zone")  # app.js set the `tz` cookie on the sign-up page

    page.goto("/history")
    page.wait_for_selector("[data-drawn-tz]")
    assert page.get_attribute("[data-drawn-tz]", "data-drawn-tz") == "Asia/Tokyo"
    assert page.get_attribute("[data-drawn-tz]", "data-tz-unset") is None

    page.goto("/profile")
    assert page.input_value("select[name=time_zone]") == "Asia/Tokyo"
    page.select_option("select[name=time_zone]", "America/Sao_Paulo")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("text=Profile saved.")
    assert page.input_value("select[name=time_zone]") == "America/Sao_Paulo"

    page.goto("/history")  # the browser is still in Tokyo: the profile wins
    page.wait_for_selector("[data-drawn-tz]")
    assert page.get_attribute("[data-drawn-tz]", "data-drawn-tz") == "America/Sao_Paulo"


def test_a_history_drawn_before_the_cookie_reloads_once_in_the_browsers_zone(new_page, e2e_server):
    page = new_page(timezone_id="Pacific/Auckland")
    sign_up(page, "reload@example.com", "Rey Reload")
    # As if History were the first page this browser loads: no cookie yet, no zone stored.
    page.context.clear_cookies(name="tz")
    e2e_server.manage(
        "shell",
        "-c",
        "from users.models import User; User.objects.filter(email='reload@example.com').update(time_zone='')",
    )
    reloads = []
    page.on("load", lambda _: reloads.append(page.url))

    page.goto("/history")
    page.wait_for_function(
        "() => document.querySelector('[data-drawn-tz]')?.dataset.drawnTz === 'Pacific/Auckland'"
    )
    assert page.get_attribute("[data-drawn-tz]", "data-tz-unset") is None
    assert len(reloads) == 2  # the UTC page, then once more in the stored zone
