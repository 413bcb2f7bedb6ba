from datetime import timedelta

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from listening.models import Listen, Source

# Spotify's played_at is when a play ended, Last.fm's when it started: the same play seen by both
# has the Spotify time up to one track length after the Last.fm time.
SAME_PLAY_WINDOW = timedelta(minutes=20)


def listens_collapsed(listens: QuerySet[Listen]) -> QuerySet[Listen]:
    """Hides a Last.fm scrobble when a Spotify play of the same track ended within the window after it:
    the same play seen by both sources, counted once (the list, the charts and the stats)."""
    spotify_twin = Listen.objects.filter(
        user=OuterRef("user"),
        source=Source.SPOTIFY,
        title__iexact=OuterRef("title"),
        artist__iexact=OuterRef("artist"),
        played_at__gte=OuterRef("played_at"),
        played_at__lte=OuterRef("played_at") + SAME_PLAY_WINDOW,
    )
    return listens.exclude(Q(source=Source.LASTFM) & Exists(spotify_twin))


class ListenFilter(django_filters.FilterSet):
    """`?source=&artist=&album=&q=&since=&until=&loved=` for the stored listens."""

    source = django_filters.ChoiceFilter(choices=Source.choices)
    artist = django_filters.CharFilter(field_name="artist", lookup_expr="iexact")
    album = django_filters.CharFilter(field_name="album", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="Text in the title, artist or album")
    since = django_filters.IsoDateTimeFilter(field_name="played_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="played_at", lookup_expr="lte")
    loved = django_filters.BooleanFilter()
    collapse = django_filters.BooleanFilter(
        method="collapse_duplicates", label="Show a play that Spotify and Last.fm both saw once"
    )

    class Meta:
        model = Listen
        fields = ["source", "artist", "album", "q", "since", "until", "loved", "collapse"]

    def collapse_duplicates(self, queryset: QuerySet[Listen], name: str, value: bool) -> QuerySet[Listen]:
        return listens_collapsed(queryset) if value else queryset

    def search(self, queryset: QuerySet[Listen], name: str, value: str) -> QuerySet[Listen]:
        return queryset.filter(
            Q(title__icontains=value) | Q(artist__icontains=value) | Q(album__icontains=value)
        )
