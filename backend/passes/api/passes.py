"""The API of passes, their cards and the public keys."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.serializers import many_data
from network.access import Perm
from network.api_policy import api_user
from passes.api.base import (
    LIST_ERRORS,
    PASSES,
    READ_ERRORS,
    WRITE_ERRORS,
    PassesApiView,
    PassesPagination,
    _require,
    _require_anywhere,
)
from passes.keys import keyring
from passes.qr import qr_png, qr_svg
from passes.selectors import (
    pass_events,
    pass_get_for_user,
    pass_list_for_user,
    pass_token,
)
from passes.serializers import (
    ErrorSerializer,
    PassEventSerializer,
    PassIssueSerializer,
    PassKeysSerializer,
    PassListQuerySerializer,
    PassReasonSerializer,
    PassRenewSerializer,
    PassSerializer,
)
from passes.services import (
    pass_issue,
    pass_renew,
    pass_replace,
    pass_resume,
    pass_revoke,
    pass_suspend,
)
from passes.tokens import TOKEN_PREFIX, public_key_base64

# --- passes -------------------------------------------------------------------------


def _pass_presented(request: Request, pass_id: int, today: date) -> dict[str, Any]:
    user = api_user(request)
    access_pass = pass_get_for_user(user=user, pass_id=pass_id)
    return PassSerializer(access_pass, context={"request": request, "today": today}).data


class PassListApi(PassesApiView):
    """Passes of the caller's partners, and the issue of a new one."""

    pagination_class = PassesPagination

    @extend_schema(
        tags=PASSES,
        summary="List the passes of your partners",
        parameters=[PassListQuerySerializer],
        responses={200: PassSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        _require_anywhere(user, Perm.HOUSEHOLD_VIEW)
        query = PassListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        passes = pass_list_for_user(user=user, household_id=query.validated_data.get("household"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(passes, request, view=self)
        context = {"request": request, "today": today}
        return paginator.get_paginated_response(
            many_data(PassSerializer, page or [], context=context)
        )

    @extend_schema(
        tags=PASSES,
        summary="Issue a pass",
        description=(
            "Dates default to today and the longest validity the convention allows; services "
            "to all of the convention's. Refusals: `convention_other_partner`, "
            "`convention_ended`, `convention_not_started`, `dates_inverted`, `starts_in_past`, "
            "`before_convention`, `beyond_convention`, `too_long`, `no_service`, "
            "`service_not_in_convention` (400); `no_granted_assessment`, `already_has_pass`, "
            "`quota_reached` (409)."
        ),
        request=PassIssueSerializer,
        responses={201: PassSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        _require_anywhere(user, Perm.PASS_MANAGE)
        today = timezone.localdate()
        serializer = PassIssueSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access_pass = pass_issue(
            actor=user,
            household=data["household"],
            convention=data["convention"],
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            services=data.get("services"),
            today=today,
        )
        return Response(
            _pass_presented(request, access_pass.pk, today), status=status.HTTP_201_CREATED
        )


class PassDetailApi(PassesApiView):
    """One pass: its state today, its services and rules, its current card."""

    @extend_schema(
        tags=PASSES, summary="Read a pass", responses={200: PassSerializer, **READ_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_pass_presented(request, pk, timezone.localdate()))


class PassRenewApi(PassesApiView):
    """Renew a pass from today with the convention's current rules and a new card.

    The old card stops working. Refusals: `reason_required`, `pass_revoked`, and
    those of the issue.
    """

    @extend_schema(
        tags=PASSES,
        summary="Renew a pass",
        request=PassRenewSerializer,
        responses={200: PassSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        access_pass = pass_get_for_user(user=user, pass_id=pk)
        _require(user, Perm.PASS_MANAGE, access_pass.partner_id)
        today = timezone.localdate()
        serializer = PassRenewSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pass_renew(
            actor=user,
            access_pass=access_pass,
            reason=data["reason"],
            convention=data.get("convention"),
            valid_until=data.get("valid_until"),
            services=data.get("services"),
            today=today,
        )
        return Response(_pass_presented(request, access_pass.pk, today))


class _PassReasonActionApi(PassesApiView):
    """A change of a pass that needs only a reason; subclasses name the service."""

    service = staticmethod(pass_suspend)

    @extend_schema(
        tags=PASSES,
        request=PassReasonSerializer,
        responses={200: PassSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        access_pass = pass_get_for_user(user=user, pass_id=pk)
        _require(user, Perm.PASS_MANAGE, access_pass.partner_id)
        serializer = PassReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.service(
            actor=user, access_pass=access_pass, reason=serializer.validated_data["reason"]
        )
        return Response(_pass_presented(request, access_pass.pk, timezone.localdate()))


class PassSuspendApi(_PassReasonActionApi):
    """Suspend an active pass: its card is refused until it is resumed.

    Refusals: `reason_required` (400), `not_active` (409).
    """

    service = staticmethod(pass_suspend)


class PassResumeApi(_PassReasonActionApi):
    """Lift a suspension. Refusals: `reason_required` (400), `not_suspended` (409)."""

    service = staticmethod(pass_resume)


class PassRevokeApi(_PassReasonActionApi):
    """End a pass for good; it frees its place in the convention's quota.

    Refusals: `reason_required` (400), `not_open` (409).
    """

    service = staticmethod(pass_revoke)


class PassReplaceApi(_PassReasonActionApi):
    """A new card for a lost or stolen one: the old card is refused from now on.

    Refusals: `reason_required` (400), `not_open` (409).
    """

    service = staticmethod(pass_replace)


class PassHistoryApi(PassesApiView):
    """What happened to a pass, newest first: who did what, when and why."""

    @extend_schema(
        tags=PASSES,
        summary="A pass's history",
        responses={200: PassEventSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        access_pass = pass_get_for_user(user=user, pass_id=pk)
        return Response(many_data(PassEventSerializer, pass_events(access_pass=access_pass)))


class _PassQrApi(PassesApiView):
    """The current card's QR code. Errors still answer JSON, whatever the Accept header."""

    renderer_classes = [JSONRenderer]
    content_type = "application/octet-stream"

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        return super().perform_content_negotiation(request, force=True)

    def image(self, token: str) -> bytes | str:
        raise NotImplementedError

    def get(self, request: Request, pk: int) -> HttpResponse:
        user = api_user(request)
        access_pass = pass_get_for_user(user=user, pass_id=pk)
        response = HttpResponse(
            self.image(pass_token(access_pass=access_pass)), content_type=self.content_type
        )
        # The code opens a household's pass: no shared cache may keep it.
        patch_cache_control(response, private=True, no_store=True)
        return response


class PassQrSvgApi(_PassQrApi):
    """The current card's QR code as SVG, for screens and print."""

    content_type = "image/svg+xml"

    def image(self, token: str) -> str:
        return qr_svg(token)

    @extend_schema(
        tags=PASSES,
        summary="The card's QR code (SVG)",
        operation_id="passes_qr_svg_retrieve",
        responses={
            (200, "image/svg+xml"): OpenApiTypes.BINARY,
            (403, "application/json"): ErrorSerializer,
            (404, "application/json"): ErrorSerializer,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return super().get(request, pk)


class PassQrPngApi(_PassQrApi):
    """The current card's QR code as PNG, for phones."""

    content_type = "image/png"

    def image(self, token: str) -> bytes:
        return qr_png(token)

    @extend_schema(
        tags=PASSES,
        summary="The card's QR code (PNG)",
        operation_id="passes_qr_png_retrieve",
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            (403, "application/json"): ErrorSerializer,
            (404, "application/json"): ErrorSerializer,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return super().get(request, pk)


# --- keys ---------------------------------------------------------------------------


class PassKeyListApi(PassesApiView):
    """The deployment's public keys: a counter device checks a card's signature with them.

    Retired keys stay listed while cards they signed may still circulate.
    """

    @extend_schema(
        tags=PASSES,
        summary="Public keys for checking cards",
        responses={200: PassKeysSerializer, 403: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        ring = keyring()
        keys = [
            {
                "key_id": key_id,
                "algorithm": "Ed25519",
                "public_key": public_key_base64(public_key),
                "current": key_id == ring.signing_key_id,
            }
            for key_id, public_key in sorted(ring.public_keys.items())
        ]
        body = {
            "deployment": ring.deployment,
            "token_prefix": TOKEN_PREFIX,
            "signing_key_id": ring.signing_key_id,
            "keys": keys,
        }
        return Response(PassKeysSerializer(body).data)
