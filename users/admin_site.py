from django.contrib import admin
from django.http import HttpRequest


class MusicHubAdminSite(admin.AdminSite):
    site_header = "MusicHub administration"
    site_title = "MusicHub admin"
    index_title = "MusicHub"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff or getattr(user, "is_admin", False)))
