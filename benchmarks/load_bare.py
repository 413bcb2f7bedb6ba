"""The bare baseline of `load.py`: the project's settings with one URL, `/bare/?user=<id>`, a plain
Django view returning the user's 50 newest listens through `.values()` + `JsonResponse` (no DRF,
no authentication, no serializer). `load.py` serves it with the same gunicorn + uvicorn workers as
`make serve`, `DJANGO_SETTINGS_MODULE=load_bare` (benchmarks/ on PYTHONPATH); the app is untouched.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.settings import *  # noqa: F403 - the same settings, middleware and pool as `make serve`

ROOT_URLCONF = "load_bare"


def bare_listens(request: HttpRequest) -> JsonResponse:
    from listening.api.serializers import StoredListenSerializer  # the same fields the API answers
    from listening.models import Listen

    rows = Listen.objects.filter(user_id=int(request.GET["user"])).order_by("-played_at", "-id")
    fields = StoredListenSerializer.Meta.fields
    return JsonResponse({"results": list(rows.values(*fields)[:50])})


urlpatterns = [path("bare/", bare_listens)]
