"""Sign-in under /api/auth/, users under /api/users/, and /api/admin/check/ (seeds 003 + 004)."""

from django.urls import path

from users.api import views

auth_urlpatterns = [
    path("registration/", views.RegisterView.as_view(), name="rest_register"),
    path("registration/verify-email/", views.VerifyEmailView.as_view(), name="rest_verify_email"),
    path("registration/resend-email/", views.ResendEmailVerificationView.as_view(), name="rest_resend_email"),
    path("password/reset/", views.PasswordResetView.as_view(), name="rest_password_reset"),
    path(
        "password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="rest_password_reset_confirm",
    ),
    path("login/", views.LoginView.as_view(), name="rest_login"),
    path("logout/", views.LogoutView.as_view(), name="rest_logout"),
    path("user/", views.MeView.as_view(), name="rest_user_details"),
    path("password/change/", views.PasswordChangeView.as_view(), name="rest_password_change"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("token/verify/", views.TokenVerifyView.as_view(), name="token_verify"),
]

urlpatterns = [
    path("admin/check/", views.AdminCheckView.as_view(), name="admin-check"),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user-detail"),
]
