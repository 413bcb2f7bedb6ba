import io

import pytest
from django.core.management import CommandError, call_command

from credentials import utils
from sandbox.services import youtube

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


def test_validate_youtube_active_only(sandbox):
    utils.create_platform_credential(platform_name="youtube_music", api_key=youtube.YOUTUBE_INVALID_KEY)
    good = utils.create_platform_credential(platform_name="youtube_music", api_key=youtube.YOUTUBE_VALID_KEY)

    output, status = run("validate_youtube_music_credentials", "--active-only")

    assert status == 0
    assert f"✅ {good} (id {good.pk}): valid" in output
    assert "❌" not in output


def test_validate_youtube_all_fails_when_any_is_invalid(sandbox):
    bad = utils.create_platform_credential(platform_name="youtube_music", api_key=youtube.YOUTUBE_INVALID_KEY)
    utils.create_platform_credential(platform_name="youtube_music", api_key=youtube.YOUTUBE_VALID_KEY)

    output, status = run("validate_youtube_music_credentials", "--all")

    bad.refresh_from_db()
    assert status == 1
    assert f"❌ {bad} (id {bad.pk}): Invalid credentials: API key not valid" in output
    assert "1 valid, 1 invalid." in output


def test_validate_youtube_by_id(sandbox):
    credential = utils.create_platform_credential(
        platform_name="youtube_music", api_key=youtube.YOUTUBE_VALID_KEY
    )

    output, status = run("validate_youtube_music_credentials", "--id", str(credential.pk))
    missing, missing_status = run("validate_youtube_music_credentials", "--id", "999")

    assert status == 0
    assert "✅" in output
    assert missing_status == 1
    assert "No YouTube Music credential with id 999." in missing


def test_validate_credentials_for_every_platform(sandbox):
    utils.create_platform_credential(platform_name="youtube_music", api_key=youtube.YOUTUBE_VALID_KEY)
    utils.create_platform_credential(platform_name="tidal", client_id="nobody", client_secret="x")

    output, status = run("validate_credentials")
    only_youtube, youtube_status = run("validate_credentials", "--platform", "youtube_music")

    assert status == 1
    assert "✅ YouTube Music" in output
    assert "❌ Tidal" in output
    assert youtube_status == 0
    assert "Tidal" not in only_youtube


def test_nothing_to_validate():
    output, status = run("validate_credentials")

    assert status == 0
    assert "No credentials to validate." in output


def test_a_platform_that_cannot_answer_is_not_counted_invalid(sandbox):
    """Issue 18 item 8: "could not check" (the platform down) is neither valid nor invalid."""
    credential = utils.create_platform_credential(
        platform_name="youtube_music", api_key=youtube.YOUTUBE_VALID_KEY
    )
    sandbox.fault("youtube", status=503, count=-1)

    output, status = run("validate_credentials", "--platform", "youtube_music")

    assert status == 0
    assert f"⚠️ {credential} (id {credential.pk}): Could not check" in output
    assert "0 valid, 0 invalid. 1 could not be checked: try again later." in output
