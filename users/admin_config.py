from django.contrib.admin.apps import AdminConfig


class MusicHubAdminConfig(AdminConfig):
    """The admin site, opened to every MusicHub admin (ADMIN_EMAIL users and superusers)."""

    default_site = "users.admin_site.MusicHubAdminSite"
