"""`manage.py seed_albums` (after `seed_songs`): groups the demo songs into albums with covers.

Albums that already exist (same title and artist) are reused and songs already in their album are
left alone, so running it twice changes nothing.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand

from musics.management.commands.seed_songs import ALBUMS, SONGS, cover_png
from musics.models import Album, Song
from musics.services import album_create, song_update


class Command(BaseCommand):
    help = "Groups the songs made by seed_songs into albums with generated covers (idempotent)."

    def handle(self, *args, **options) -> None:
        created = placed = 0
        missing: list[str] = []
        for seed in ALBUMS:
            album = Album.objects.filter(title=seed.title, artist=seed.artist).order_by("id").first()
            if album is None:
                cover = ContentFile(cover_png(seed.title, seed.colour, size=400), name="cover.png")
                album = album_create(
                    title=seed.title, artist=seed.artist, release_year=seed.release_year, image=cover
                )
                created += 1
            for song_seed in (song for song in SONGS if song.album == seed.title):
                song = Song.objects.filter(title=song_seed.title, artist=song_seed.artist).first()
                if song is None:
                    missing.append(song_seed.title)
                elif song.album_id != album.pk:
                    song_update(song=song, album=album)
                    placed += 1
        self.stdout.write(self.style.SUCCESS(f"Created {created} albums; put {placed} songs in their album."))
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(missing)} songs are missing (run seed_songs first): {', '.join(missing)}"
                )
            )
