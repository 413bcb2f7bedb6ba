"""The year in review: the page (summary, top 5s, months, artist of each month) and its shareable
picture as SVG and PNG, of the signed-in user's own plays only."""

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.test import Client
from PIL import Image

from listening.importers import ListenRow
from listening.services import listens_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def play(user, at: datetime, *, title="Song", artist="Nova Lane", album="", source="lastfm") -> None:
    listens_add(
        user=user,
        rows=[
            ListenRow(
                title=title, artist=artist, album=album, played_at=at, source=source, duration_ms=200_000
            )
        ],
    )


@pytest.fixture
def year_2025(user) -> None:
    for day in (3, 4, 5):
        play(user, datetime(2025, 3, day, 20, 0, tzinfo=UTC), title="Glow", artist="Sigur Rós", album="Takk")
    play(user, datetime(2025, 3, 6, 20, 0, tzinfo=UTC), title="Hoppípolla", artist="Sigur Rós", album="Takk")
    play(user, datetime(2025, 7, 1, 9, 0, tzinfo=UTC), title="Summer", artist="AC/DC & <Friends>")
    play(user, datetime(2024, 12, 31, 9, 0, tzinfo=UTC), title="Last year", artist="Old Band")


def texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well-formed
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_the_svg_is_valid_xml_of_the_right_size_with_the_top_artist(browser, year_2025):
    response = browser.get("/stats/year/2025.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("1200", "630", "0 0 1200 630")
    words = texts(response.content)
    assert "2025" in words
    assert "Sigur Rós" in words  # the top artist
    assert "AC/DC & <Friends>" in words  # escaped in the file, whole once parsed
    assert "5" in words  # plays
    assert "Glow" in words  # the top track
    assert "Old Band" not in words  # 2024


def test_the_png_has_the_signature_and_the_size(browser, year_2025):
    response = browser.get("/stats/year/2025.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG"
    assert picture.size == (1200, 630)
    # Not a blank canvas: the accent stripe on the left and the text are drawn.
    assert picture.convert("RGB").getpixel((5, 300)) == (0x1D, 0xB9, 0x54)
    assert len(picture.convert("RGB").getcolors(maxcolors=100_000)) > 20


def test_the_users_name_is_on_the_picture_only_when_asked(browser, user, year_2025):
    user.full_name = "Hana History"
    user.save(update_fields=["full_name"])
    short = user.get_short_name()

    plain = texts(browser.get("/stats/year/2025.svg").content)
    named = texts(browser.get("/stats/year/2025.svg?name=true").content)

    assert not any(short in text for text in plain)
    assert f"♪ MusicHub · {short}'s year in music" in named


def test_another_users_plays_never_reach_the_picture_or_the_page(browser, year_2025):
    stranger = UserFactory()
    for day in range(1, 20):
        play(stranger, datetime(2025, 5, day, 12, 0, tzinfo=UTC), title="Secret", artist="Hidden Artist")

    svg = browser.get("/stats/year/2025.svg?user=" + str(stranger.pk)).content.decode()
    html = browser.get("/stats/year/2025").content.decode()

    assert "Hidden Artist" not in svg
    assert "Hidden Artist" not in html
    assert "Sigur Rós" in svg


def test_signed_out_gets_the_sign_in_page_not_a_picture(client, year_2025):
    for url in ("/stats/year/2025.svg", "/stats/year/2025.png", "/stats/year/2025"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/signin")


def test_an_empty_year_still_draws_a_picture(browser):
    svg = browser.get("/stats/year/2019.svg")
    png = browser.get("/stats/year/2019.png")

    assert "No plays in 2019 yet." in texts(svg.content)
    assert Image.open(io.BytesIO(png.content)).size == (1200, 630)


def test_control_characters_in_a_name_keep_the_svg_valid(browser, user):
    play(user, datetime(2025, 2, 1, 12, 0, tzinfo=UTC), title="Bad\x01tag", artist="Noise\x0bMaker")

    response = browser.get("/stats/year/2025.svg")

    assert "NoiseMaker" in texts(response.content)
    assert browser.get("/stats/year/2025.png").status_code == 200


def test_the_year_page_shows_the_summary_tops_months_and_the_artist_of_each_month(browser, year_2025):
    html = browser.get("/stats/year/2025").content.decode()

    assert "Your 2025 in review" in html
    assert 'data-stat="plays">5 plays<' in html
    assert 'data-stat="artists">2<' in html
    assert '<figure id="top-artists">' in html
    assert re.findall(r'<figure id="top-artists">.*?data-label="([^"]+)"', html, re.S)[0] == "Sigur Rós"
    assert html.count('data-key="2025-') == 12  # the month-by-month curve
    months = re.findall(
        r'<li data-month="(2025-\d\d)"><span class="month">(\w+)</span>(.*?)</li>', html, re.S
    )
    assert len(months) == 12
    assert months[2][1] == "March"
    assert "Sigur Rós" in months[2][2]
    assert "4 plays" in months[2][2]
    assert "AC/DC &amp; &lt;Friends&gt;" in months[6][2]
    assert "—" in months[0][2]
    assert 'src="/stats/year/2025.svg"' in html
    assert 'href="/stats/year/2025.png" download="musichub-2025.png"' in html
    assert 'href="/stats/year/2025.png?name=true"' in html
    assert 'href="/stats/year/2024" rel="prev"' in html
    assert 'href="/stats?from=2025-01-01&amp;to=2025-12-31"' in html


def test_the_year_keeps_sources_and_each_play_once(browser, user, year_2025):
    play(
        user,
        datetime(2025, 8, 1, 12, 0, tzinfo=UTC),
        title="Only Spotify",
        artist="Green Band",
        source="spotify",
    )

    html = browser.get("/stats/year/2025?source=spotify").content.decode()
    svg = browser.get("/stats/year/2025.svg?source=spotify").content

    assert 'data-stat="plays">1 play<' in html
    assert 'src="/stats/year/2025.svg?source=spotify"' in html
    assert "Green Band" in texts(svg)
    assert "Sigur Rós" not in texts(svg)


@pytest.mark.parametrize(
    "url", ["/stats/year/0999", "/stats/year/9999.svg", "/stats/year/2025.png?source=myspace"]
)
def test_a_bad_year_or_source_is_a_400_naming_it(browser, url):
    response = browser.get(url)

    assert response.status_code == 400
    body = response.content.decode()
    assert "from: " in body or "source: " in body


def test_a_year_that_is_not_four_digits_is_not_found(browser):
    assert browser.get("/stats/year/20255").status_code == 404
    assert browser.get("/stats/year/abcd.svg").status_code == 404


def test_chinese_japanese_and_korean_names_are_drawn(browser, user):
    play(user, datetime(2025, 2, 1, 12, 0, tzinfo=UTC), title="花束を君に", artist="宇多田ヒカル")
    play(user, datetime(2025, 2, 2, 12, 0, tzinfo=UTC), title="봄날", artist="방탄소년단 and friends")

    svg = browser.get("/stats/year/2025.svg")
    png = browser.get("/stats/year/2025.png")

    assert "宇多田ヒカル" in texts(svg.content)
    assert Image.open(io.BytesIO(png.content)).size == (1200, 630)
