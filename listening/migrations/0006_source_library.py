# The "library" source: songs of the catalog played far enough (musics.listen_reports).

from django.db import migrations, models

SOURCES = [
    ("spotify", "Spotify"),
    ("lastfm", "Last.fm"),
    ("room", "A listening room"),
    ("listenbrainz", "Scrobbled (ListenBrainz API)"),
    ("spotify_export", "Spotify export file"),
    ("lastfm_export", "Last.fm export file"),
    ("listenbrainz_export", "ListenBrainz export file"),
    ("library", "MusicHub library"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("listening", "0005_import_job"),
    ]

    operations = [
        migrations.AlterField(
            model_name="listen",
            name="source",
            field=models.CharField(choices=SOURCES, max_length=20),
        ),
        migrations.AlterField(
            model_name="syncjob",
            name="source",
            field=models.CharField(choices=SOURCES, max_length=20),
        ),
    ]
