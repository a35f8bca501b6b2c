"""The API of households and their assessments."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.errors import DomainError, ErrorKind
from comptoir.serializers import many_data
from network.access import Perm
from network.api_policy import api_user
from passes.api.base import (
    HOUSEHOLDS,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    PassesApiView,
    PassesPagination,
    _members,
    _only_partner,
    _require,
    _require_anywhere,
)
from passes.models import Household
from passes.selectors import (
    assessment_get_for_user,
    assessment_reasons_active,
    household_detail,
    household_get_for_user,
    household_list_for_user,
    household_rows,
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
)
from passes.services import (
    assessment_notes_read,
    assessment_record,
    household_file_opened,
    household_has_pass_elsewhere,
    household_register,
    household_update,
)

# --- households ---------------------------------------------------------------------


def _household_presented(request: Request, household: Household, today: date) -> dict[str, Any]:
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
        user = api_user(request)
        _require_anywhere(user, Perm.HOUSEHOLD_VIEW)
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
            user=user,
            today=today,
            status_filter=query.validated_data.get("status", ""),
            partner_id=query.validated_data.get("partner"),
        )
        paginator = self.pagination_class()
        ids = paginator.paginate_queryset(households.values_list("pk", flat=True), request, self)
        page = household_rows(household_ids=list(ids or []))
        rows = many_data(HouseholdListItemSerializer, page, context={"today": today})
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
        user = api_user(request)
        _require_anywhere(user, Perm.HOUSEHOLD_MANAGE)
        today = timezone.localdate()
        serializer = HouseholdWriteSerializer(
            data=request.data, context={"request": request, "today": today}
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        members = _members(fields.pop("members", [])) or []
        partner = fields.pop("partner", None) or _only_partner(user)
        household = household_register(actor=user, partner=partner, fields=fields, members=members)
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
        user = api_user(request)
        _require_anywhere(user, Perm.HOUSEHOLD_VIEW)
        query = HouseholdSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        households = household_list_for_user(
            user=user,
            today=today,
            query=query.validated_data.get("q", ""),
            status_filter=query.validated_data.get("status", ""),
            partner_id=query.validated_data.get("partner"),
        )
        paginator = Paginator(households.values_list("pk", flat=True), PassesPagination.page_size)
        page = paginator.get_page(query.validated_data["page"])
        rows = many_data(
            HouseholdListItemSerializer,
            household_rows(household_ids=list(page.object_list)),
            context={"today": today},
        )
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": rows,
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
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        household_file_opened(actor=user, household=household)
        return Response(_household_presented(request, household, timezone.localdate()))

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Change a household's file",
        description="Send only what changes; `members`, when sent, replaces the composition.",
        request=HouseholdUpdateSerializer,
        responses={200: HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        _require(user, Perm.HOUSEHOLD_MANAGE, household.partner_id)
        today = timezone.localdate()
        serializer = HouseholdUpdateSerializer(
            data=request.data, partial=True, context={"request": request, "today": today}
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        members = _members(fields.pop("members", None))
        household = household_update(
            actor=user, household=household, fields=fields, members=members
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
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        assessments = household_detail(household=household)["assessments"]
        return Response(many_data(AssessmentSerializer, assessments))

    @extend_schema(
        tags=HOUSEHOLDS,
        summary="Record an assessment",
        description="Refuses a date in the future (`assessment_in_future`, 400).",
        request=AssessmentWriteSerializer,
        responses={201: AssessmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        _require(user, Perm.HOUSEHOLD_MANAGE, household.partner_id)
        serializer = AssessmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assessment = assessment_record(
            actor=user,
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
        user = api_user(request)
        assessment = assessment_get_for_user(user=user, assessment_id=pk)
        notes = assessment_notes_read(actor=user, assessment=assessment)
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
        user = api_user(request)
        _require_anywhere(user, Perm.HOUSEHOLD_VIEW)
        return Response(many_data(AssessmentReasonSerializer, assessment_reasons_active()))
