from django.urls import path

from users.api import vault_views

urlpatterns = [
    path("", vault_views.ApiKeyListCreateView.as_view(), name="api-key-list"),
    path("verify/", vault_views.ApiKeyVerifyView.as_view(), name="api-key-verify"),
    path("services/", vault_views.ApiKeyServicesView.as_view(), name="api-key-services"),
    path("supported/", vault_views.SupportedServicesView.as_view(), name="api-key-supported"),
    path("<int:pk>/", vault_views.ApiKeyDetailView.as_view(), name="api-key-detail"),
]
