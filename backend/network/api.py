"""REST API of the network app: the caller, organisations, conventions, device tokens."""

from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from network.access import Perm, has_perm_anywhere, refusal_reason, scope_q
from network.api_policy import api_user
from network.audit import audit_record
from network.models import Convention, Organisation
from network.selectors import network_current, network_settings_get
from network.serializers import (
    ConventionSerializer,
    MeSerializer,
    NetworkSettingsSerializer,
    OrganisationSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from network.services import network_settings_update


class UserLanguageApiView(APIView):
    """An API view answering in the caller's own language, errors with a code.

    The language middleware only sees session users; a device authenticated by
    token gets its user's language here, once DRF has authenticated it.
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer, summary="The current user and their roles")
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(api_user(request)).data)


class OrganisationListApi(generics.ListAPIView[Organisation]):
    """Organisations the caller may see: their own, or all of them for the coordination."""

    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.filter(
            scope_q(api_user(self.request), Perm.ORGANISATION_VIEW, "pk")
        ).order_by("name")


class ConventionListApi(generics.ListAPIView[Convention]):
    """Conventions of the caller's partner or collective service, or all for the coordination."""

    serializer_class = ConventionSerializer

    def get_queryset(self) -> QuerySet[Convention]:
        user = api_user(self.request)
        if not has_perm_anywhere(user, Perm.CONVENTION_VIEW):
            return Convention.objects.none()
        return (
            Convention.objects.filter(scope_q(user, Perm.CONVENTION_VIEW, "partner", "services"))
            .distinct()
            .prefetch_related("services")
            .order_by("reference")
        )


class TokenObtainApi(APIView):
    """Exchange a username and password for a device token (for counter tablets)."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        # No authenticator here (so no CSRF check for devices), yet a wrong password is
        # a failed authentication: 401 with the token challenge, not DRF's fallback 403.
        return "Token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise exceptions.AuthenticationFailed(
                _("Identifiant ou mot de passe incorrect."), code="invalid_credentials"
            )
        reason = refusal_reason(user)
        if reason:
            raise exceptions.PermissionDenied(detail=reason, code="no_active_membership")
        token, _created = Token.objects.get_or_create(user=user)
        audit_record(actor=user, action="user.token_obtain", target=user)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class ApiErrorSerializer(serializers.Serializer[dict[str, Any]]):
    """An error: a stable code, a sentence in the caller's language, the field concerned."""

    code = serializers.CharField()
    detail = serializers.CharField()
    field = serializers.CharField(required=False)


SETTINGS_ERRORS = {400: ApiErrorSerializer, 403: ApiErrorSerializer}


class NetworkSettingsApi(UserLanguageApiView):
    """The network's settings: read and changed by the coordination only (403 for others)."""

    def _network(self, request: Request) -> Organisation:
        if not has_perm_anywhere(api_user(request), Perm.NETWORK_SETTINGS_MANAGE):
            raise exceptions.PermissionDenied()
        network = network_current()
        if network is None:  # a coordinator's role is held in a network: it exists
            raise exceptions.NotFound()
        return network

    @extend_schema(
        tags=["network"],
        summary="The network's settings",
        responses={200: NetworkSettingsSerializer, **SETTINGS_ERRORS},
    )
    def get(self, request: Request) -> Response:
        network = self._network(request)
        return Response(NetworkSettingsSerializer(network_settings_get(network=network)).data)

    def _change(self, request: Request, *, partial: bool) -> Response:
        network = self._network(request)
        serializer = NetworkSettingsSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = network_settings_update(
            actor=api_user(request),
            network=network,
            renewal_reminder_days=serializer.validated_data.get("renewal_reminder_days"),
            retention_months=serializer.validated_data.get("retention_months"),
        )
        return Response(NetworkSettingsSerializer(saved).data)

    @extend_schema(
        tags=["network"],
        summary="Change the network's settings",
        description=(
            "Refuses with `reminder_days_out_of_range` (400) outside 1..180 days and "
            "`retention_months_out_of_range` (400) outside 6..120 months; nothing changes."
        ),
        request=NetworkSettingsSerializer,
        responses={200: NetworkSettingsSerializer, **SETTINGS_ERRORS},
    )
    def put(self, request: Request) -> Response:
        return self._change(request, partial=False)

    @extend_schema(
        tags=["network"],
        summary="Change some of the network's settings",
        description="As PUT; a value left out keeps its current one.",
        request=NetworkSettingsSerializer,
        responses={200: NetworkSettingsSerializer, **SETTINGS_ERRORS},
    )
    def patch(self, request: Request) -> Response:
        return self._change(request, partial=True)
