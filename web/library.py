"""Home (discovery), the library (songs, albums, search, admin upload) and album pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from core.authenticated import AuthenticatedHttpRequest
from core.errors import AppError
from musics import selectors, services
from web.forms import SongUploadForm

LIBRARY_SIZE = 60


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "section": "home",
        "featured": selectors.featured_songs(),
        "made_for_you": selectors.made_for_you_songs(user=request.user),
        "trending": selectors.trending_songs(),
    }
    return render(request, "web/home.html", context)


@login_required
def library(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    upload_form = SongUploadForm()
    if request.method == "POST" and request.user.is_admin:
        upload_form = SongUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            data = upload_form.cleaned_data
            try:
                song = services.song_create(
                    audio=data["audio_file"],
                    title=data["title"] or None,
                    artist=data["artist"] or None,
                    image=data.get("image"),
                )
            except AppError as exc:
                upload_form.add_error(exc.field if exc.field in upload_form.fields else None, exc.message)
            else:
                messages.success(request, f"“{song.title}” by {song.artist} is in the library.")
                return redirect("web:library")
    songs = selectors.song_list()
    albums = selectors.album_list()
    if q:
        songs = songs.filter(Q(title__icontains=q) | Q(artist__icontains=q) | Q(album__title__icontains=q))
        albums = albums.filter(Q(title__icontains=q) | Q(artist__icontains=q))
    context = {
        "section": "library",
        "q": q,
        "songs": songs[:LIBRARY_SIZE],
        "albums": albums[:24],
        "upload_form": upload_form,
    }
    return render(request, "web/library.html", context)


@login_required
def album(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "web/album.html",
        {"album": get_object_or_404(selectors.album_with_songs(), pk=pk), "section": "library"},
    )


urlpatterns = [
    path("", home, name="home"),
    path("library", library, name="library"),
    path("library/albums/<int:pk>", album, name="album"),
]
