"""The counter API's shapes: what a device sends with a scan and the verdict it gets back."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from counter.verdict import Verdict


class RawTextField(serializers.CharField):
    """Text as a scanner, a hand or a device sent it: any string, judged by the scan (a
    refused visit, or one refusal code), never by the serializer; only a non-string is a
    bad request here."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)
        # A NUL or a lone surrogate in a scan is a hostile or broken card: a refusal, not a
        # 400 (and DRF's surrogate check walks every character in Python, on the hot path).
        self.validators = []

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return data


class OptionalIdField(serializers.IntegerField):
    """An id that may be left out, null or empty: all three mean "the caller's only one"."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        return super().run_validation(None if data == "" else data)


class ScanRequestSerializer(serializers.Serializer[dict[str, Any]]):
    """A scan as a device sends it. An empty or unreadable code is not a bad request: it is
    a refused visit (`empty`, `malformed`, ...), recorded like any other."""

    code = RawTextField(
        help_text="What the scanner read (the QR token) or the short code typed by hand. "
        "Whitespace and case are forgiven.",
    )
    # Checked by the scan itself, so that a missing or malformed key gets one code
    # (`idempotency_key_invalid`), whatever is wrong with it.
    idempotency_key = RawTextField(
        required=False,
        default="",
        help_text="Made by the device for each scan (a UUID, or 8-64 letters, digits, - or _): "
        "a retry with the same key records nothing and returns the first verdict.",
    )
    service = OptionalIdField(
        required=False,
        allow_null=True,
        help_text="The counter (collective service id); optional when the caller has one.",
    )
    units = serializers.IntegerField(
        required=False,
        default=1,
        help_text="At a social restaurant, the meals served now (1 to 20), counted against "
        "the pass's meals; 1 everywhere else.",
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        required=False,
        allow_null=True,
        default=None,
        help_text="At a service a convention covers outside food (culture, pharmacy, fuel): "
        'the amount covered by this use, in euros ("12.50"), drawn from the pass\'s budget.',
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="With an amount: a reference such as a receipt's number (40 characters).",
    )


SCAN_PLAIN_KEYS = frozenset({"code", "idempotency_key", "service", "units"})


def scan_request_plain(data: Any) -> dict[str, Any] | None:
    """The usual scan, a JSON object of a code, a key and perhaps a service and meals, read
    as ScanRequestSerializer reads it, without building one (that cost a tenth of a
    scan's CPU). Anything else is None: the serializer then reads it, errors included."""
    if type(data) is not dict or not data.keys() <= SCAN_PLAIN_KEYS:
        return None
    code, key = data.get("code"), data.get("idempotency_key", "")
    service, units = data.get("service"), data.get("units", 1)
    # `type(...) is`: a bool is not a number here, as for the serializer.
    if type(code) is not str or type(key) is not str or type(units) is not int:
        return None
    if service is not None and type(service) is not int:
        return None
    return {
        "code": code,
        "idempotency_key": key,
        "service": service,
        "units": units,
        "amount": None,
        "reference": "",
    }


class AllowanceSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.CharField()
    period = serializers.CharField()
    quantity = serializers.IntegerField(allow_null=True)
    used = serializers.IntegerField()
    remaining = serializers.IntegerField(allow_null=True)
    budget_cents = serializers.IntegerField(allow_null=True)
    amount_left_cents = serializers.IntegerField(
        allow_null=True,
        help_text="Outside food: what the budget cap leaves of the amounts covered.",
    )
    next_on = serializers.DateField(allow_null=True)
    text = serializers.CharField()


class SessionSerializer(serializers.Serializer[dict[str, Any]]):
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    by_appointment = serializers.BooleanField()


class VoucherSeenSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.CharField(help_text="referral or meal")
    covers = serializers.CharField(help_text="What a referral covers (empty for a meal ticket).")
    text = serializers.CharField(help_text="The voucher in plain words, in the caller's language.")
    valid_until = serializers.DateField()
    used_at = serializers.DateTimeField(allow_null=True)
    used_where = serializers.CharField()


class VerdictSerializer(serializers.Serializer[dict[str, Any]]):
    accepted = serializers.BooleanField()
    reason = serializers.CharField(help_text="Empty when accepted, else one refusal code.")
    message = serializers.CharField(help_text="One sentence in the caller's language.")
    visit = serializers.IntegerField()
    units = serializers.IntegerField(help_text="Meals served with this visit (1 elsewhere).")
    at = serializers.DateTimeField()
    first_name = serializers.CharField()
    household_size = serializers.IntegerField(allow_null=True)
    allowances = AllowanceSerializer(many=True)
    next_session = SessionSerializer(allow_null=True)
    voucher = VoucherSeenSerializer(
        allow_null=True, help_text="When a voucher was scanned instead of a card."
    )
    replayed = serializers.BooleanField()


class UndoRequestSerializer(serializers.Serializer[dict[str, Any]]):
    # Blank is the service's refusal (`reason_required`), with its own sentence.
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class VisitSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    accepted = serializers.BooleanField()
    reason = serializers.CharField()
    first_name = serializers.CharField()
    undone_at = serializers.DateTimeField(allow_null=True)


class CounterDaySerializer(serializers.Serializer[dict[str, Any]]):
    accepted_count = serializers.IntegerField()
    recent = VisitSerializer(many=True)


def verdict_data(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON, built by hand: this is the hot path (see VerdictSerializer)."""
    session = verdict.next_session
    voucher = verdict.voucher
    return {
        "accepted": verdict.accepted,
        "reason": verdict.reason,
        "message": verdict.message,
        "visit": verdict.visit.pk,
        "units": verdict.visit.units,
        "at": timezone.localtime(verdict.visit.at).isoformat(),
        "first_name": verdict.first_name,
        "household_size": verdict.household_size,
        "allowances": [
            {
                "kind": a.kind,
                "period": a.period,
                "quantity": a.quantity,
                "used": a.used,
                "remaining": a.remaining,
                "budget_cents": a.budget_cents,
                "amount_left_cents": a.amount_left_cents,
                "next_on": a.next_on.isoformat() if a.next_on else None,
                "text": a.describe(),
            }
            for a in verdict.allowances
        ],
        "next_session": {
            "starts": session.starts.isoformat(),
            "ends": session.ends.isoformat(),
            "by_appointment": session.by_appointment,
        }
        if session
        else None,
        "voucher": {
            "kind": voucher.kind,
            "covers": voucher.covers,
            "text": voucher.describe(),
            "valid_until": voucher.valid_until.isoformat(),
            "used_at": voucher.used_at.isoformat() if voucher.used_at else None,
            "used_where": voucher.used_where,
        }
        if voucher
        else None,
        "replayed": verdict.replayed,
    }


def visit_data(visit: Any) -> dict[str, Any]:
    household = visit.access_pass.household if visit.access_pass_id else None
    return {
        "id": visit.pk,
        "at": timezone.localtime(visit.at).isoformat(),
        "accepted": visit.accepted,
        "reason": visit.reason,
        "first_name": household.first_name if household else "",
        "undone_at": timezone.localtime(visit.undone_at).isoformat() if visit.undone_at else None,
    }


class ServiceVoucherSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="referral or meal")
    partner = serializers.CharField()
    covers = serializers.CharField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField()
    state = serializers.CharField(help_text="valid, used, expired or revoked")
    used_at = serializers.DateTimeField(allow_null=True)


class ServiceVouchersSerializer(serializers.Serializer[dict[str, Any]]):
    valid = serializers.IntegerField()
    used = serializers.IntegerField()
    expired = serializers.IntegerField()
    revoked = serializers.IntegerField()
    recent = ServiceVoucherSerializer(many=True)


class ReceivedSerializer(serializers.Serializer[dict[str, Any]]):
    visit = serializers.IntegerField()
    at = serializers.DateTimeField()
    service = serializers.CharField()
    received = serializers.ListField(
        child=serializers.CharField(), help_text="Short sentences in the caller's language."
    )


class OfflineScanSerializer(serializers.Serializer[dict[str, Any]]):
    """One scan a tablet decided without the server, as it queued it."""

    idempotency_key = RawTextField(help_text="The key the tablet made for this scan.")
    code = RawTextField(help_text="What the scanner read or was typed.")
    at = serializers.DateTimeField(help_text="When the card was scanned (the tablet's clock).")
    accepted = serializers.BooleanField(help_text="The tablet's verdict: served or not.")
    reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=24,
        help_text="The tablet's refusal code, when it refused.",
    )
    units = serializers.IntegerField(required=False, default=1, help_text="Meals served.")


class OfflineSyncRequestSerializer(serializers.Serializer[dict[str, Any]]):
    service = OptionalIdField(
        required=False,
        allow_null=True,
        help_text="The counter (collective service id); optional when the caller has one.",
    )
    scans = serializers.ListField(child=OfflineScanSerializer(), max_length=200)


class OfflineSyncResultSerializer(serializers.Serializer[dict[str, Any]]):
    idempotency_key = serializers.CharField()
    status = serializers.ChoiceField(choices=["recorded", "replayed", "rejected"])
    accepted = serializers.BooleanField(allow_null=True)
    reason = serializers.CharField()
    conflict = serializers.BooleanField(
        help_text="Served offline but refused by the server's rules: flagged for the manager."
    )
    message = serializers.CharField()
    visit = serializers.IntegerField(allow_null=True)
