import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db

ME = "/api/auth/user/"


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "purple").save(buffer, format="PNG")
    return buffer.getvalue()


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_me_shows_my_account(auth_client, user):
    response = auth_client.get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["full_name"] == user.full_name


def test_patch_changes_the_name(auth_client, user):
    response = auth_client.patch(ME, {"full_name": "  Renamed Person "}, format="json")

    assert response.status_code == 200
    assert response.json()["full_name"] == "Renamed Person"
    user.refresh_from_db()
    assert user.full_name == "Renamed Person"


def test_email_cannot_be_changed_through_patch(auth_client, user):
    auth_client.patch(ME, {"email": "other@example.com"}, format="json")

    user.refresh_from_db()
    assert user.email != "other@example.com"


def test_picture_upload_is_stored_under_user_images_with_a_generated_name(auth_client, user, settings):
    upload = SimpleUploadedFile(
        "../../etc/evil name.exe", png_bytes(), content_type="application/x-msdownload"
    )

    response = auth_client.patch(ME, {"image": upload}, format="multipart")

    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.image.name.startswith("user_images/")
    assert user.image.name.endswith(".png")
    assert "evil" not in user.image.name
    assert [path.name for path in stored_files(settings)] == [Path(user.image.name).name]


def test_replacing_the_picture_deletes_the_old_file(
    auth_client, user, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(ME, {"image": SimpleUploadedFile("a.png", png_bytes())}, format="multipart")
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(ME, {"image": SimpleUploadedFile("b.png", png_bytes())}, format="multipart")

    user.refresh_from_db()
    assert [path.name for path in stored_files(settings)] == [Path(user.image.name).name]


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(auth_client, user, settings):
    upload = SimpleUploadedFile("photo.png", b"MZ\x90\x00 definitely not a picture", content_type="image/png")

    response = auth_client.patch(ME, {"image": upload, "full_name": "Kept Out"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["image"] == ["The file is not an image."]
    user.refresh_from_db()
    assert not user.image
    assert user.full_name != "Kept Out"
    assert stored_files(settings) == []


def test_a_picture_over_the_size_limit_is_refused(auth_client, user, settings):
    settings.MAX_USER_IMAGE_BYTES = 100

    response = auth_client.patch(
        ME, {"image": SimpleUploadedFile("big.png", png_bytes((64, 64)))}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert "image" in response.json()
    assert stored_files(settings) == []


def test_remove_image(auth_client, user, settings, django_capture_on_commit_callbacks):
    auth_client.patch(ME, {"image": SimpleUploadedFile("a.png", png_bytes())}, format="multipart")
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(ME, {"remove_image": True}, format="json")

    assert response.json()["image"] is None
    assert stored_files(settings) == []
