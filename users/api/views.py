from __future__ import annotations

from dj_rest_auth.registration.serializers import VerifyEmailSerializer
from dj_rest_auth.registration.views import RegisterView as BaseRegisterView
from dj_rest_auth.registration.views import ResendEmailVerificationView as BaseResendEmailVerificationView
from dj_rest_auth.registration.views import VerifyEmailView as BaseVerifyEmailView
from dj_rest_auth.views import LoginView as BaseLoginView
from dj_rest_auth.views import PasswordChangeView as BasePasswordChangeView
from dj_rest_auth.views import PasswordResetConfirmView as BasePasswordResetConfirmView
from dj_rest_auth.views import PasswordResetView as BasePasswordResetView
from django.contrib import messages
from django.contrib.auth import logout as django_logout
from django.db import IntegrityError, transaction
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, filters, generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from core.authenticated import AuthenticatedRequest
from core.error_codes import ErrorCode
from core.errors import InvalidInput
from core.parsers import JSONParser
from users import selectors, services
from users.api.serializers import (
    DUPLICATE_EMAIL,
    AdminCheckSerializer,
    AuthCredentialsSerializer,
    DetailSerializer,
    EmailSerializer,
    LogoutResponseSerializer,
    LogoutSerializer,
    MeSerializer,
    MeUpdateSerializer,
    PasswordChangeResponseSerializer,
    PublicUserSerializer,
)
from users.models import ApiToken

RESET_LINK_SENT = "If an account uses this address, a link to set a new password is on its way."
VERIFICATION_RESENT = "If an account uses this address and it is not confirmed yet, a new link is on its way."


class LoginView(BaseLoginView):
    """Email + password → a DRF token and a JWT pair, with the user."""

    authentication_classes: list = []

    @extend_schema(responses=AuthCredentialsSerializer)
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = services.auth_credentials_issue(user=serializer.validated_data["user"])
        return Response(AuthCredentialsSerializer(credentials, context=self.get_serializer_context()).data)


class RegisterView(BaseRegisterView):
    """Creates an account through allauth; answers 201 with the user and both credentials, or, when
    the address must be verified first, 201 saying that the confirmation link is mailed."""

    authentication_classes: list = []
    token_model = None  # no dj-rest-auth token: get_response_data issues the credentials

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                return super().perform_create(serializer)
        except IntegrityError as exc:  # the same email registered concurrently
            raise exceptions.ValidationError({"email": [DUPLICATE_EMAIL]}) from exc

    def get_response_data(self, user):
        data = super().get_response_data(user)
        if data and "key" not in data:  # mandatory email verification: nothing to sign in with yet
            return data
        credentials = services.auth_credentials_issue(user=user)
        return AuthCredentialsSerializer(credentials, context=self.get_serializer_context()).data

    @extend_schema(
        responses={
            201: PolymorphicProxySerializer(
                component_name="RegistrationResponse",
                serializers=[AuthCredentialsSerializer, DetailSerializer],
                resource_type_field_name=None,
                many=False,
            )
        },
        description="201 with the user and both credentials; with ACCOUNT_EMAIL_VERIFICATION=mandatory, "
        "201 with `detail` only: the confirmation link is mailed and nobody is signed in before it is used.",
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        response = super().post(request, *args, **kwargs)
        # allauth's signup also signs the browser in (a session) and queues a "signed in" flash: an API
        # client gets its credentials in the body and no cookie.
        list(messages.get_messages(request._request))
        if request._request.user.is_authenticated or request._request.session.session_key:
            request._request.session.flush()
        request._request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False  # the sign-in rotated it: no cookie
        return response


class LogoutView(APIView):
    """Ends the DRF token the request is signed with and blacklists the refresh JWT given in the body
    (this device only: the user's other sign-ins stay; a password change ends them all)."""

    permission_classes = [AllowAny]

    @extend_schema(request=LogoutSerializer, responses=LogoutResponseSerializer)
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refresh = serializer.validated_data.get("refresh")
        if not request.user.is_authenticated and not refresh:
            raise exceptions.NotAuthenticated()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        services.auth_logout(token=token, refresh=refresh)
        django_logout(request._request)
        return Response({"detail": "Successfully logged out."})


class MeView(APIView):
    """The signed-in user: read it, or change the name, picture and time zone (JSON or multipart)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=MeSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request: AuthenticatedRequest) -> Response:
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user, context={"request": request}).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def put(self, request: AuthenticatedRequest) -> Response:
        return self.patch(request)


class PasswordChangeView(BasePasswordChangeView):
    """Old password + new one twice (the sign-in budget counts each try: users/throttle.py).

    A new password ends every credential issued before it: tokens, JWTs, other sessions, stream
    links. The caller keeps working: a browser keeps its session; a client signed in with a token or
    a JWT receives fresh ones in the answer (what it sent stops working too)."""

    @extend_schema(responses=PasswordChangeResponseSerializer)
    def post(self, request: AuthenticatedRequest, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            serializer.save()  # also keeps this browser's session (update_session_auth_hash)
            credentials = None
            if request.auth is not None:  # signed with a token or a JWT, not a session
                credentials = services.auth_credentials_issue(user=request.user)
        data = {"detail": "New password has been saved."}
        if credentials is not None:
            data |= {"key": credentials.key, "access": credentials.access, "refresh": credentials.refresh}
        return Response(PasswordChangeResponseSerializer(data).data)


class PasswordResetView(BasePasswordResetView):
    """Mails a link to the web page that sets a new password. The same 200 whether or not an
    account uses the address, so the answer tells nobody who has an account."""

    authentication_classes: list = []
    serializer_class = EmailSerializer

    @extend_schema(request=EmailSerializer, responses=DetailSerializer)
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_send(request=request._request, email=serializer.validated_data["email"])
        return Response({"detail": RESET_LINK_SENT})


class PasswordResetConfirmView(BasePasswordResetConfirmView):
    """`uid` and `token` from the mailed link, and the new password twice: sets it."""

    authentication_classes: list = []

    @extend_schema(responses=DetailSerializer)
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


class VerifyEmailView(BaseVerifyEmailView):
    """The `key` of a mailed confirmation link (its last part) confirms the address."""

    authentication_classes: list = []

    @extend_schema(request=VerifyEmailSerializer, responses=DetailSerializer)
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = serializer.validated_data["key"]
        if services.email_verification_confirm(request=request._request, key=key) is None:
            raise InvalidInput(
                "This confirmation key has expired or was already used: ask for a new link.",
                field="key",
                code=ErrorCode.INVALID_KEY,
            )
        return Response({"detail": "ok"})


class ResendEmailVerificationView(BaseResendEmailVerificationView):
    """Mails a new confirmation link if an account's address is not confirmed yet; the same 200
    either way."""

    authentication_classes: list = []
    serializer_class = EmailSerializer

    @extend_schema(request=EmailSerializer, responses={200: DetailSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_verification_resend(request=request._request, email=serializer.validated_data["email"])
        return Response({"detail": VERIFICATION_RESENT})


class TokenRefreshView(jwt_views.TokenRefreshView):
    """A refresh JWT → a new pair (the sign-in budget counts each try: users/throttle.py)."""

    error_statuses = (401,)  # a refresh JWT that is invalid, expired or ended


class TokenVerifyView(jwt_views.TokenVerifyView):
    """Says whether a JWT is valid (the sign-in budget counts each try: users/throttle.py)."""

    error_statuses = (401,)  # not valid


class AdminCheckView(APIView):
    @extend_schema(responses=AdminCheckSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response({"admin": request.user.is_admin}, status=status.HTTP_200_OK)


class UserListView(generics.ListAPIView):
    """Everyone but me, by name; `?search=` matches names."""

    serializer_class = PublicUserSerializer
    filter_backends = [filters.SearchFilter]
    search_fields = ["full_name"]

    def get_queryset(self):
        return selectors.user_list_others(user=self.request.user)


class UserDetailView(generics.RetrieveAPIView):
    serializer_class = PublicUserSerializer

    def get_queryset(self):
        return selectors.user_list_active()
