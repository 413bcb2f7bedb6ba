"""One registry of platforms: the credential models and the catalog's Platform read the same list."""

from core.platforms import PLATFORM_CHOICES, MusicPlatform
from credentials.models import AbstractMusicPlatform, SpotifyCredential
from credentials.utils import PLATFORM_CREDENTIAL_MODELS
from musics.models import Platform


def test_the_seed_choices_keep_their_order_and_labels():
    assert PLATFORM_CHOICES == [
        ("spotify", "Spotify"),
        ("youtube_music", "YouTube Music"),
        ("amazon_music", "Amazon Music"),
        ("apple_music", "Apple Music"),
        ("deezer", "Deezer"),
        ("tidal", "Tidal"),
    ]


def test_both_apps_take_their_choices_from_the_registry():
    assert AbstractMusicPlatform.PLATFORM_CHOICES is PLATFORM_CHOICES
    assert Platform.PLATFORM_CHOICES is PLATFORM_CHOICES
    assert Platform._meta.get_field("name").choices == PLATFORM_CHOICES
    assert SpotifyCredential._meta.get_field("name").choices == PLATFORM_CHOICES


def test_every_platform_has_a_credential_model():
    assert set(PLATFORM_CREDENTIAL_MODELS) == set(MusicPlatform.values)
