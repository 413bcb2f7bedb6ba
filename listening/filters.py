import django_filters
from django.db.models import Q, QuerySet

from listening.models import Listen, Source


class ListenFilter(django_filters.FilterSet):
    """`?source=&artist=&album=&q=&since=&until=&loved=` for the stored listens."""

    source = django_filters.ChoiceFilter(choices=Source.choices)
    artist = django_filters.CharFilter(field_name="artist", lookup_expr="iexact")
    album = django_filters.CharFilter(field_name="album", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="Text in the title, artist or album")
    since = django_filters.IsoDateTimeFilter(field_name="played_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="played_at", lookup_expr="lte")
    loved = django_filters.BooleanFilter()

    class Meta:
        model = Listen
        fields = ["source", "artist", "album", "q", "since", "until", "loved"]

    def search(self, queryset: QuerySet[Listen], name: str, value: str) -> QuerySet[Listen]:
        return queryset.filter(
            Q(title__icontains=value) | Q(artist__icontains=value) | Q(album__icontains=value)
        )
