"""Vouchers: a referral to a vestiaire, or a sheet of paper meal tickets, for one household.

A social worker of the partner that holds the household issues them, for a service
their partner has a convention with today. Each voucher is good once, at that
service, until its date; the counter redeems it (`counter.services.visit_record`).
Giving, cancelling and printing are written to the audit trail.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import ErrorKind
from network.access import Perm, has_perm
from network.audit import audit_record
from network.models import Convention, Organisation, User
from passes.models import Household, PassCard, Voucher
from passes.services.checks import MIN_REASON_LENGTH, household_not_anonymised_check, refuse
from passes.tokens import human_code_new

# A referral is meant for the coming weeks; a sheet of meal tickets for a few months.
VOUCHER_DAYS_MAX = 180
MEAL_TICKETS_MAX = 30
COVERS_MIN_LENGTH = 3
# The column's width: a longer reason is cut rather than refused at the database.
REVOKE_REASON_MAX = 200


def _issuer_check(actor: User, household: Household) -> None:
    if not has_perm(actor, Perm.PASS_MANAGE, household.partner):
        refuse(
            _("Seule l'équipe sociale du service qui suit ce ménage peut lui donner un bon."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )


def _service_check(household: Household, service: Organisation, kind: str, today: date) -> date:
    """The service takes this kind of voucher (a referral: a vestiaire; a meal ticket: a
    social restaurant) and the partner has a convention with it today; returns the last
    day of that convention (no voucher outlives it)."""
    if kind == Voucher.Kind.MEAL and service.service_kind != Organisation.ServiceKind.RESTAURANT:
        refuse(
            _(
                "Les tickets-repas se donnent pour un restaurant social ; %(service)s n'en est pas un."
            )
            % {"service": service.name},
            code="not_a_restaurant",
            field="service",
            kind=ErrorKind.INVALID,
        )
    if kind == Voucher.Kind.REFERRAL and service.service_kind != Organisation.ServiceKind.VESTIAIRE:
        refuse(
            _("Un bon d'orientation se donne pour un vestiaire ; %(service)s n'en est pas un.")
            % {"service": service.name},
            code="not_a_vestiaire",
            field="service",
            kind=ErrorKind.INVALID,
        )
    ends_on = (
        Convention.objects.filter(
            partner_id=household.partner_id,
            services=service,
            starts_on__lte=today,
            ends_on__gte=today,
        )
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )
    if ends_on is None:
        refuse(
            _("Votre service n'a pas de convention en cours avec %(service)s.")
            % {"service": service.name},
            code="no_convention",
            field="service",
        )
    return ends_on


def _days_check(valid_days: int) -> None:
    if not 1 <= valid_days <= VOUCHER_DAYS_MAX:
        refuse(
            _("Un bon est valable de 1 à %(max)d jours.") % {"max": VOUCHER_DAYS_MAX},
            code="validity_invalid",
            field="valid_days",
            kind=ErrorKind.INVALID,
        )


def _code_new() -> str:
    """A human code no card and no voucher carries yet."""
    while True:
        code = human_code_new()
        taken = (
            PassCard.objects.filter(human_code=code).exists()
            or Voucher.objects.filter(human_code=code).exists()
        )
        if not taken:
            return code


def _create(**fields: object) -> Voucher:
    # A code drawn twice at the same instant by two requests: draw again.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Voucher.objects.create(human_code=_code_new(), **fields)
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique voucher code")


@transaction.atomic
def referral_issue(
    *,
    actor: User,
    household: Household,
    service: Organisation,
    covers: str,
    valid_days: int = 30,
    moment: datetime | None = None,
) -> Voucher:
    """A one-off referral of `household` to `service` (a vestiaire), saying what it covers.
    Refuses `not_allowed`, `household_anonymised`, `covers_required`, `validity_invalid`,
    `no_convention`."""
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    _issuer_check(actor, household)
    household_not_anonymised_check(household)
    covers = " ".join((covers or "").split())[:200]
    if len(covers) < COVERS_MIN_LENGTH:
        refuse(
            _("Dites ce que le bon couvre, par exemple « vêtements d'hiver pour 3 personnes »."),
            code="covers_required",
            field="covers",
            kind=ErrorKind.INVALID,
        )
    _days_check(valid_days)
    ends_on = _service_check(household, service, Voucher.Kind.REFERRAL, today)
    voucher = _create(
        kind=Voucher.Kind.REFERRAL,
        household=household,
        partner_id=household.partner_id,
        service=service,
        covers=covers,
        valid_from=today,
        valid_until=min(today + timedelta(days=valid_days - 1), ends_on),
        issued_by=actor,
        issued_at=moment,
    )
    audit_record(
        actor=actor,
        action="voucher.issue",
        organisation=household.partner,
        target=voucher,
        detail={"kind": voucher.kind, "service": service.pk},
    )
    return voucher


@transaction.atomic
def meal_tickets_issue(
    *,
    actor: User,
    household: Household,
    service: Organisation,
    count: int,
    valid_days: int = 90,
    moment: datetime | None = None,
) -> list[Voucher]:
    """A sheet of `count` single-use meal tickets for `household` at `service` (a social
    restaurant). Refuses `not_allowed`, `household_anonymised`, `count_invalid`,
    `validity_invalid`, `not_a_restaurant`, `no_convention`."""
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    _issuer_check(actor, household)
    household_not_anonymised_check(household)
    if not 1 <= count <= MEAL_TICKETS_MAX:
        refuse(
            _("Une feuille compte de 1 à %(max)d tickets-repas.") % {"max": MEAL_TICKETS_MAX},
            code="count_invalid",
            field="count",
            kind=ErrorKind.INVALID,
        )
    _days_check(valid_days)
    ends_on = _service_check(household, service, Voucher.Kind.MEAL, today)
    batch = uuid.uuid4()
    tickets = [
        _create(
            kind=Voucher.Kind.MEAL,
            household=household,
            partner_id=household.partner_id,
            service=service,
            valid_from=today,
            valid_until=min(today + timedelta(days=valid_days - 1), ends_on),
            batch=batch,
            issued_by=actor,
            issued_at=moment,
        )
        for _ in range(count)
    ]
    audit_record(
        actor=actor,
        action="voucher.meal_tickets",
        organisation=household.partner,
        target=household,
        detail={"count": count, "service": service.pk, "batch": str(batch)},
    )
    return tickets


@transaction.atomic
def voucher_revoke(
    *, actor: User, voucher_id: int, reason: str, moment: datetime | None = None
) -> Voucher:
    """Cancel an unused voucher (lost, given by mistake), with a reason. Refuses
    `not_found`, `not_allowed`, `reason_required`, `voucher_used`, `already_revoked`."""
    moment = moment or timezone.now()
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("household__partner")
        .filter(pk=voucher_id)
        .first()
    )
    if voucher is None:
        refuse(_("Ce bon n'existe pas."), code="not_found", kind=ErrorKind.NOT_FOUND)
    _issuer_check(actor, voucher.household)
    reason = " ".join((reason or "").split())[:REVOKE_REASON_MAX]
    if len(reason) < MIN_REASON_LENGTH:
        refuse(
            _("Indiquez pourquoi vous annulez ce bon (quelques mots)."),
            code="reason_required",
            field="reason",
            kind=ErrorKind.INVALID,
        )
    if voucher.used_at is not None:
        refuse(_("Ce bon a déjà été utilisé : il ne peut plus être annulé."), code="voucher_used")
    if voucher.revoked_at is not None:
        refuse(_("Ce bon est déjà annulé."), code="already_revoked")
    voucher.revoked_at = moment
    voucher.revoke_reason = reason
    voucher.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(
        actor=actor,
        action="voucher.revoke",
        organisation=voucher.household.partner,
        target=voucher,
    )
    return voucher


def vouchers_printed(*, actor: User, vouchers: list[Voucher]) -> None:
    """Write who printed a referral or a sheet of meal tickets (or showed it on a screen):
    one audit entry naming the vouchers by id, never the household or what they cover."""
    if not vouchers:
        return
    first = vouchers[0]
    detail: dict[str, object] = {"vouchers": [v.pk for v in vouchers]}
    if first.batch is not None:
        detail["batch"] = str(first.batch)
    audit_record(
        actor=actor,
        action="voucher.print",
        organisation=first.partner,
        target=first if first.batch is None else first.household,
        detail=detail,
    )
