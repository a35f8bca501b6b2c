"""Input and output shapes of the vouchers API (beside `passes.serializers`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from network.models import Organisation
from passes.models import Voucher
from passes.selectors import voucher_token
from passes.serializers import OrganisationRefSerializer, _today
from passes.tokens import human_code_display

STATES = ["valid", "used", "expired", "revoked"]


class VoucherGiveSerializer(serializers.Serializer[dict[str, Any]]):
    """A referral (`kind` referral, `covers`) or a sheet of meal tickets (`kind` meal,
    `count`). The service's rules (a convention in force, a restaurant for meal tickets,
    the days and the count) answer with their own codes."""

    kind = serializers.ChoiceField(choices=Voucher.Kind.choices)
    service = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.SERVICE),
        help_text="A collective service your partner has a convention in force with; "
        "a social restaurant for meal tickets.",
    )
    covers = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="What a referral covers, in a few words (« vêtements d'hiver pour 3 "
        "personnes »). Not for meal tickets.",
    )
    count = serializers.IntegerField(
        required=False, help_text="How many meal tickets (1 to 30). Not for a referral."
    )
    valid_days = serializers.IntegerField(
        required=False,
        help_text="Days of validity from today, 1 to 180: 30 for a referral, 90 for meal "
        "tickets when left out.",
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["kind"] == Voucher.Kind.MEAL and data.get("count") is None:
            raise serializers.ValidationError(
                {"count": [_("Indiquez le nombre de tickets-repas (de 1 à 30).")]}
            )
        return data


class VoucherRevokeSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Why the voucher is cancelled (lost, given by mistake), in a few words.",
    )


class VoucherSerializer(serializers.Serializer[Voucher]):
    """A voucher with what a device needs to show or print it: its token (the QR code's
    content) and its short code. Nothing about the household but its id."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Voucher.Kind.choices)
    household = serializers.IntegerField(source="household_id")
    partner = serializers.IntegerField(source="partner_id")
    service = OrganisationRefSerializer()
    covers = serializers.CharField(help_text="Empty for a meal ticket.")
    batch = serializers.UUIDField(
        allow_null=True, help_text="The meal tickets given together on one sheet share it."
    )
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    state = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)
    used_service = OrganisationRefSerializer(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField()
    code = serializers.SerializerMethodField(
        help_text="The short code as printed (K7M-4QX-P9A), for typing at a counter."
    )
    token = serializers.SerializerMethodField(help_text="What the voucher's QR code holds.")

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_state(self, voucher: Voucher) -> str:
        return voucher.state_on(_today(self.context))

    def get_code(self, voucher: Voucher) -> str:
        return human_code_display(voucher.human_code)

    def get_token(self, voucher: Voucher) -> str:
        return voucher_token(voucher=voucher)
