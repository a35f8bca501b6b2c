"""The API of vouchers: a household's referrals and meal tickets, giving and cancelling.

As for passes: another partner's household or voucher answers 404, never 403.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.serializers import many_data
from network.access import Perm
from network.api_policy import api_user
from passes.api.base import (
    READ_ERRORS,
    WRITE_ERRORS,
    PassesApiView,
    PassesPagination,
    _require,
)
from passes.models import Voucher
from passes.selectors import household_get_for_user
from passes.services.vouchers import meal_tickets_issue, referral_issue, voucher_revoke
from passes.voucher_selectors import voucher_get_for_user, voucher_list_for_household
from passes.voucher_serializers import (
    VoucherGiveSerializer,
    VoucherRevokeSerializer,
    VoucherSerializer,
)

VOUCHERS = ["vouchers"]


class HouseholdVoucherListApi(PassesApiView):
    """A household's vouchers, newest first, and the giving of new ones."""

    pagination_class = PassesPagination

    @extend_schema(
        tags=VOUCHERS,
        summary="List a household's vouchers",
        responses={200: VoucherSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            voucher_list_for_household(household=household), request, view=self
        )
        context = {"today": timezone.localdate()}
        return paginator.get_paginated_response(
            many_data(VoucherSerializer, page or [], context=context)
        )

    @extend_schema(
        tags=VOUCHERS,
        summary="Give a referral or a sheet of meal tickets",
        description=(
            "`kind: referral` with `service` and `covers` gives one referral (valid 30 days "
            "unless `valid_days` says otherwise); `kind: meal` with `service` (a social "
            "restaurant) and `count` gives that many single-use meal tickets sharing one "
            "`batch` (valid 90 days by default). Answers the vouchers made, each with the "
            "`token` its QR code holds and its short `code`. Refusals: `covers_required`, "
            "`count_invalid`, `validity_invalid`, `not_a_restaurant` (400); `no_convention` "
            "(409)."
        ),
        request=VoucherGiveSerializer,
        responses={201: VoucherSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        _require(user, Perm.PASS_MANAGE, household.partner_id)
        serializer = VoucherGiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        days = {"valid_days": data["valid_days"]} if data.get("valid_days") is not None else {}
        if data["kind"] == Voucher.Kind.MEAL:
            vouchers = meal_tickets_issue(
                actor=user,
                household=household,
                service=data["service"],
                count=data["count"],
                **days,
            )
        else:
            vouchers = [
                referral_issue(
                    actor=user,
                    household=household,
                    service=data["service"],
                    covers=data["covers"],
                    **days,
                )
            ]
        context = {"today": timezone.localdate()}
        return Response(
            many_data(VoucherSerializer, vouchers, context=context),
            status=status.HTTP_201_CREATED,
        )


class VoucherRevokeApi(PassesApiView):
    """Cancel an unused voucher (lost, given by mistake): the counter refuses it from now.

    Refusals: `reason_required` (400), `voucher_used`, `already_revoked` (409).
    """

    @extend_schema(
        tags=VOUCHERS,
        summary="Cancel a voucher",
        request=VoucherRevokeSerializer,
        responses={200: VoucherSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        voucher = voucher_get_for_user(user=user, voucher_id=pk)
        _require(user, Perm.PASS_MANAGE, voucher.partner_id)
        serializer = VoucherRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voucher = voucher_revoke(
            actor=user, voucher_id=voucher.pk, reason=serializer.validated_data["reason"]
        )
        return Response(VoucherSerializer(voucher, context={"today": timezone.localdate()}).data)
