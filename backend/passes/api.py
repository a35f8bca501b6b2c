"""REST API of the passes app: households, assessments, passes, their cards and public keys.

Every view does the same four steps: parse the input with a serializer, fetch
through the access selectors (another partner's object answers 404, never
403), call one service, present with an output serializer. Refusals of the
services (`PassRefused`) reach the client through the API's exception handler.
URLs carry ids only: names and other personal data stay in request bodies.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.errors import DomainError, ErrorKind
from network.access import Perm, has_perm, has_perm_anywhere, organisations_with_perm
from network.api import UserLanguageApiView
from network.models import Organisation
from passes.keys import keyring
from passes.models import Household
from passes.qr import qr_png, qr_svg
from passes.selectors import (
    assessment_get_for_user,
    assessment_reasons_active,
    household_detail,
    household_get_for_user,
    household_list_for_user,
    household_rows,
    pass_events,
    pass_get_for_user,
    pass_list_for_user,
    pass_token,
)
from passes.serializers import (
    AssessmentNotesSerializer,
    AssessmentReasonSerializer,
    AssessmentSerializer,
    AssessmentWriteSerializer,
    ErrorSerializer,
    HouseholdDetailSerializer,
    HouseholdListItemSerializer,
    HouseholdListQuerySerializer,
    HouseholdSearchPageSerializer,
    HouseholdSearchSerializer,
    HouseholdUpdateSerializer,
    HouseholdWriteSerializer,
    PassEventSerializer,
    PassIssueSerializer,
    PassKeysSerializer,
    PassListQuerySerializer,
    PassReasonSerializer,
    PassRenewSerializer,
    PassSerializer,
)
from passes.services import (
    MemberData,
    assessment_notes_read,
    assessment_record,
    household_file_opened,
    household_has_pass_elsewhere,
    household_register,
    household_update,
    pass_issue,
    pass_renew,
    pass_replace,
    pass_resume,
    pass_revoke,
    pass_suspend,
)
from passes.tokens import TOKEN_PREFIX, public_key_base64

HOUSEHOLDS = ["households"]
PASSES = ["passes"]

# The errors each kind of operation may answer, for the schema.
READ_ERRORS = {403: ErrorSerializer, 404: ErrorSerializer}
LIST_ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


class PassesPagination(PageNumberPagination):
    page_size = 25


class PassesApiView(UserLanguageApiView):
    """Base of the passes API (see `UserLanguageApiView`)."""


def _require_anywhere(user: Any, perm: Perm) -> None:
    """Collections answer 403 to people whose role never deals with households."""
    if not has_perm_anywhere(user, perm):
        raise exceptions.PermissionDenied()


def _require(user: Any, perm: Perm, organisation_id: int) -> None:
    """A change to an object the user can see but may not change answers 403."""
    if not has_perm(user, perm, organisation_id):
        raise exceptions.PermissionDenied()


def _members(raw: list[dict] | None) -> list[MemberData] | None:
    if raw is None:
        return None
    return [MemberData(age_band=m["age_band"], sex=m["sex"]) for m in raw]


def _only_partner(user: Any) -> Organisation:
    """The partner a new household belongs to when the caller did not name one."""
    allowed = organisations_with_perm(user, Perm.HOUSEHOLD_MANAGE)
    partners = list(allowed.filter(kind=Organisation.Kind.PARTNER)[:2])
    if len(partners) != 1:
        raise exceptions.ValidationError(
            {"partner": [serializers.Field.default_error_messages["required"]]}
        )
    return partners[0]


# --- households ---------------------------------------------------------------------


def _household_presented(request: Request, household: Household, today: date) -> dict:
    detail = household_detail(household=household)
    context = {
        "request": request,
        "today": today,
        "passes": detail["passes"],
        "assessments": detail["assessments"],
        "has_pass_elsewhere": household_has_pass_elsewhere(household=household, today=today),
    }
    return HouseholdDetailSerializer(household, context=context).data


class HouseholdListApi(PassesApiView):
    """Households of the caller's partners, and the registration of a new one."""

    pagination_class = PassesPagination

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="List the households of your partners",
        parameters=[HouseholdListQuerySerializer],
        responses={200: HouseholdListItemSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request: Request) -> Response:
        _require_anywhere(request.user, Perm.HOUSEHOLD_VIEW)
        if "q" in request.query_params:
            raise DomainError(
                _(
                    "Une recherche ne passe pas dans l'adresse (elle contient des noms) : "
                    "envoyez-la en POST à /api/households/search/."
                ),
                field="q",
                code="search_in_url",
                kind=ErrorKind.INVALID,
            )
        query = HouseholdListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        households = household_list_for_user(
            user=request.user,
            today=today,
            status_filter=query.validated_data.get("status", ""),
            partner_id=query.validated_data.get("partner"),
        )
        paginator = self.pagination_class()
        ids = paginator.paginate_queryset(households.values_list("pk", flat=True), request, self)
        page = household_rows(household_ids=list(ids))
        rows = HouseholdListItemSerializer(page, many=True, context={"today": today}).data
        return paginator.get_paginated_response(rows)

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Register a household",
        description=(
            "Refuses with `household_exists` (409) when your partner already registered "
            "the same person. `has_pass_elsewhere` tells whether the person holds a valid "
            "pass through another partner, and nothing more."
        ),
        request=HouseholdWriteSerializer,
        responses={201: HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _require_anywhere(request.user, Perm.HOUSEHOLD_MANAGE)
        today = timezone.localdate()
        serializer = HouseholdWriteSerializer(
            data=request.data, context={"request": request, "today": today}
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        members = _members(fields.pop("members", [])) or []
        partner = fields.pop("partner", None) or _only_partner(request.user)
        household = household_register(
            actor=request.user, partner=partner, fields=fields, members=members
        )
        return Response(
            _household_presented(request, household, today), status=status.HTTP_201_CREATED
        )


class HouseholdSearchApi(PassesApiView):
    """Search as you type. A POST, so that the names typed stay out of URLs and logs."""

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Search the households of your partners",
        request=HouseholdSearchSerializer,
        responses={200: HouseholdSearchPageSerializer, **LIST_ERRORS},
    )
    def post(self, request: Request) -> Response:
        _require_anywhere(request.user, Perm.HOUSEHOLD_VIEW)
        query = HouseholdSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        households = household_list_for_user(
            user=request.user,
            today=today,
            query=query.validated_data.get("q", ""),
            status_filter=query.validated_data.get("status", ""),
            partner_id=query.validated_data.get("partner"),
        )
        page = Paginator(households.values_list("pk", flat=True), PassesPagination.page_size)
        page = page.get_page(query.validated_data["page"])
        rows = HouseholdListItemSerializer(
            household_rows(household_ids=list(page.object_list)),
            many=True,
            context={"today": today},
        )
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": rows.data,
            }
        )


class HouseholdDetailApi(PassesApiView):
    """One household's file: composition, assessments (without notes) and passes."""

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Read a household's file",
        responses={200: HouseholdDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        household = household_get_for_user(user=request.user, household_id=pk)
        household_file_opened(actor=request.user, household=household)
        return Response(_household_presented(request, household, timezone.localdate()))

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Change a household's file",
        description="Send only what changes; `members`, when sent, replaces the composition.",
        request=HouseholdUpdateSerializer,
        responses={200: HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        household = household_get_for_user(user=request.user, household_id=pk)
        _require(request.user, Perm.HOUSEHOLD_MANAGE, household.partner_id)
        today = timezone.localdate()
        serializer = HouseholdUpdateSerializer(
            data=request.data, partial=True, context={"request": request, "today": today}
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        members = _members(fields.pop("members", None))
        household = household_update(
            actor=request.user, household=household, fields=fields, members=members
        )
        return Response(_household_presented(request, household, today))


# --- assessments --------------------------------------------------------------------


class HouseholdAssessmentListApi(PassesApiView):
    """A household's social assessments, newest first; their notes are read one by one."""

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="List a household's assessments (without notes)",
        responses={200: AssessmentSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        household = household_get_for_user(user=request.user, household_id=pk)
        assessments = household_detail(household=household)["assessments"]
        return Response(AssessmentSerializer(assessments, many=True).data)

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Record an assessment",
        description="Refuses a date in the future (`assessment_in_future`, 400).",
        request=AssessmentWriteSerializer,
        responses={201: AssessmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        household = household_get_for_user(user=request.user, household_id=pk)
        _require(request.user, Perm.HOUSEHOLD_MANAGE, household.partner_id)
        serializer = AssessmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assessment = assessment_record(
            actor=request.user,
            household=household,
            assessed_on=data["assessed_on"],
            outcome=data["outcome"],
            reasons=data.get("reasons", []),
            notes=data["notes"],
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentNotesApi(PassesApiView):
    """The notes of one assessment. Every read is written to the audit trail."""

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Read an assessment's notes (audited)",
        responses={200: AssessmentNotesSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        assessment = assessment_get_for_user(user=request.user, assessment_id=pk)
        notes = assessment_notes_read(actor=request.user, assessment=assessment)
        response = Response(AssessmentNotesSerializer({"notes": notes}).data)
        patch_cache_control(response, private=True, no_store=True)
        return response


class AssessmentReasonListApi(PassesApiView):
    """The reason categories an assessment may name, in the caller's language."""

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="List the assessment reasons",
        responses={200: AssessmentReasonSerializer(many=True), 403: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        _require_anywhere(request.user, Perm.HOUSEHOLD_VIEW)
        return Response(AssessmentReasonSerializer(assessment_reasons_active(), many=True).data)


# --- passes -------------------------------------------------------------------------


def _pass_presented(request: Request, pass_id: int, today: date) -> dict:
    access_pass = pass_get_for_user(user=request.user, pass_id=pass_id)
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
        _require_anywhere(request.user, Perm.HOUSEHOLD_VIEW)
        query = PassListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        passes = pass_list_for_user(
            user=request.user, household_id=query.validated_data.get("household")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(passes, request, view=self)
        context = {"request": request, "today": today}
        return paginator.get_paginated_response(
            PassSerializer(page, many=True, context=context).data
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
        _require_anywhere(request.user, Perm.PASS_MANAGE)
        today = timezone.localdate()
        serializer = PassIssueSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access_pass = pass_issue(
            actor=request.user,
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
        access_pass = pass_get_for_user(user=request.user, pass_id=pk)
        _require(request.user, Perm.PASS_MANAGE, access_pass.partner_id)
        today = timezone.localdate()
        serializer = PassRenewSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pass_renew(
            actor=request.user,
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
        access_pass = pass_get_for_user(user=request.user, pass_id=pk)
        _require(request.user, Perm.PASS_MANAGE, access_pass.partner_id)
        serializer = PassReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.service(
            actor=request.user, access_pass=access_pass, reason=serializer.validated_data["reason"]
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
        access_pass = pass_get_for_user(user=request.user, pass_id=pk)
        return Response(PassEventSerializer(pass_events(access_pass=access_pass), many=True).data)


class _PassQrApi(PassesApiView):
    """The current card's QR code. Errors still answer JSON, whatever the Accept header."""

    renderer_classes = [JSONRenderer]
    content_type = "application/octet-stream"

    def perform_content_negotiation(self, request: Request, force: bool = False):
        return super().perform_content_negotiation(request, force=True)

    def image(self, token: str) -> bytes | str:
        raise NotImplementedError

    def get(self, request: Request, pk: int) -> HttpResponse:
        access_pass = pass_get_for_user(user=request.user, pass_id=pk)
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
