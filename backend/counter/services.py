"""The counter's scan: one verdict for (card, counter, moment), recorded once as a `Visit`.

Modelled on a check-in: cheap checks first (the token's signature needs no
database), then the pass row is locked, the counter's rules are applied, a
repeated idempotency key returns the first verdict, and the visit is written,
accepted or refused, in one short transaction.

Refusal codes, by what a volunteer should understand:
- the card is unknown or forged: `empty`, `malformed`, `other_deployment`,
  `unknown_key`, `bad_signature`, `unknown_pass`, `unknown_code`, and for a
  typed code `code_length`, `code_characters`, `code_typo`;
- the pass: `replaced`, `revoked`, `suspended`, `expired`, `not_yet_valid`,
  `convention_ended`;
- this counter: `not_valid_here`, `counter_closed`, `appointment_required`;
- a voucher instead of a card: `unknown_voucher`, `voucher_used`, `voucher_revoked`,
  `voucher_expired`, `voucher_not_yet_valid`, `voucher_other_service`,
  `voucher_one_meal` (several meals asked on one ticket), and `counter_closed`;
- its quota: `already_served`, `quota_used_up`, `parcel_already_given`,
  `no_meals_left`, `not_enough_meals` (more meals asked than are left), `cap_reached`.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.dates import local_midnight
from comptoir.errors import DomainError, ErrorKind
from counter.actions import undo_refusal
from counter.models import Visit
from counter.scan_sql import pass_for_scan, visit_id_for_key, visit_insert, visits_for_scan
from counter.verdict import Allowance, Verdict, VoucherSeen, period_window
from network.audit import audit_record
from network.models import Convention, Organisation, User
from network.rules import RuleKind, RuleSnapshot
from passes.models import AccessPass, Voucher
from passes.selectors import card_read
from schedules.selectors import Session, counter_session_now

# A client-made key: a UUID, or any 8–64 characters of letters, digits, "-" and "_".
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Meals served at once at a social restaurant: more is a typing slip.
MEALS_AT_ONCE_MAX = 20
# One use covered outside food (a pharmacy receipt, a fuel delivery): more is a slip.
AMOUNT_MAX_CENTS = 1_000_000
REFERENCE_MAX = 40


class ScanRefused(DomainError):
    """A request that is not a scan at all (no valid idempotency key)."""


class UndoRefused(DomainError):
    pass


@dataclass(frozen=True)
class RuleUsage:
    """How much of one counted rule the pass has used in its current period."""

    used: int = 0
    first_at: datetime | None = None


@dataclass(frozen=True)
class Usage:
    """The pass's accepted visits at this counter, read once per scan."""

    # The visit already recorded under this request's idempotency key (a retry).
    replay_id: int | None
    # The accepted visit nearest the scan's moment (the latest one, for a scan made now;
    # a scan sent late from an offline tablet may have visits after it).
    last_at: datetime | None
    # One per rule of the pass at this counter, in the same order (None: not counted).
    per_rule: tuple[RuleUsage | None, ...]


@dataclass(frozen=True)
class UseRecorded:
    """What a use at a service outside food records besides the visit."""

    amount_cents: int | None = None
    reference: str = ""


def cents_of(amount: Decimal | None) -> int:
    """Euros typed or sent (« 12,50 ») as cents; -1 (refused as `amount_invalid`) when
    not a number or finer than a cent."""
    try:
        if (
            amount is None
            or abs(amount) > AMOUNT_MAX_CENTS
            or amount != amount.quantize(Decimal("0.01"))
        ):
            return -1
    except InvalidOperation:
        return -1
    return int(amount * 100)


def _use_check(use: UseRecorded, service: Organisation) -> UseRecorded:
    """An amount of 0 to AMOUNT_MAX_CENTS and a short reference, only where uses are
    covered (a service of kind « other »: culture, pharmacy, fuel)."""
    reference = " ".join(use.reference.split())
    if use.amount_cents is None and not reference:
        return UseRecorded()
    if service.service_kind != Organisation.ServiceKind.OTHER:
        raise ScanRefused(
            _(
                "Un montant et une référence se notent seulement pour une convention hors "
                "alimentation (culture, pharmacie, énergie…)."
            ),
            field="amount",
            code="amount_not_here",
            kind=ErrorKind.INVALID,
        )
    if use.amount_cents is not None and not 0 <= use.amount_cents <= AMOUNT_MAX_CENTS:
        raise ScanRefused(
            _("Indiquez un montant de 0 à %(max)s €, sans signe moins.")
            % {"max": f"{AMOUNT_MAX_CENTS // 100:,}".replace(",", " ")},
            field="amount",
            code="amount_invalid",
            kind=ErrorKind.INVALID,
        )
    if len(reference) > REFERENCE_MAX:
        raise ScanRefused(
            _("Une référence tient en %(max)d caractères au plus.") % {"max": REFERENCE_MAX},
            field="reference",
            code="reference_too_long",
            kind=ErrorKind.INVALID,
        )
    return UseRecorded(use.amount_cents, reference)


def idempotency_key_check(key: str) -> None:
    """Refuse (`idempotency_key_invalid`) a request that carries no usable key."""
    if not IDEMPOTENCY_KEY.match(key or ""):
        raise ScanRefused(
            _("Clé d'idempotence absente ou invalide (8 à 64 lettres, chiffres, - ou _)."),
            field="idempotency_key",
            code="idempotency_key_invalid",
            kind=ErrorKind.INVALID,
        )


def _units_check(units: int, service: Organisation) -> None:
    """Meals served now: 1 to MEALS_AT_ONCE_MAX at a social restaurant, 1 elsewhere."""
    if not 1 <= units <= MEALS_AT_ONCE_MAX:
        raise ScanRefused(
            _("Indiquez un nombre de repas de 1 à %(max)d.") % {"max": MEALS_AT_ONCE_MAX},
            field="units",
            code="units_invalid",
            kind=ErrorKind.INVALID,
        )
    if units > 1 and service.service_kind != Organisation.ServiceKind.RESTAURANT:
        raise ScanRefused(
            _("Plusieurs repas à la fois se comptent seulement dans un restaurant social."),
            field="units",
            code="units_not_here",
            kind=ErrorKind.INVALID,
        )


# --- the verdict ---------------------------------------------------------------------


def visit_record(
    *,
    text: str,
    service: Organisation,
    user: User,
    idempotency_key: str,
    moment: datetime | None = None,
    units: int = 1,
    use: UseRecorded | None = None,
    offline: bool = False,
) -> Verdict:
    """Decide whether the card in `text` is good at `service` now, and record the visit.

    Locks the pass row (``SELECT … FOR UPDATE``), so two tablets scanning one
    card are served one after the other: the second sees the first's visit and
    is refused `already_served`. Idempotent per (service, `idempotency_key`): a
    retried request records nothing and returns the first verdict, whole
    (`replayed`). Raises `ScanRefused` (`idempotency_key_invalid`) only when the
    request has no usable key, and (`units_invalid`, `units_not_here`) when `units`,
    the meals served now at a social restaurant, is not 1 to MEALS_AT_ONCE_MAX, and
    (`amount_not_here`, `amount_invalid`, `reference_too_long`) for a `use` (amount
    covered, reference) that a service outside food may record; a bad card is a refused
    visit, never an error.

    `offline`: a scan a tablet accepted without the server, sent later with its real
    `moment` (see `counter.offline`). It is recorded marked so, and when the server's
    rules refuse it (the card served on another tablet meanwhile) as refused with the
    server's reason and flagged `offline_conflict`.
    """
    idempotency_key_check(idempotency_key)
    _units_check(units, service)
    use = _use_check(use or UseRecorded(), service)
    moment = moment or timezone.now()
    card = card_read(text)
    try:
        with transaction.atomic():
            if card.voucher_id is not None:
                return _redeem(
                    service, user, idempotency_key, moment, card.voucher_id, units, offline
                )
            if card.pass_id is None or card.card_version is None:
                return _refuse_without_pass(
                    service, user, idempotency_key, moment, card.refusal, offline
                )
            return _decide(
                service,
                user,
                idempotency_key,
                moment,
                card.pass_id,
                card.card_version,
                units,
                use,
                offline,
            )
    except IntegrityError:
        # The same key raced itself in (no pass row to queue on): the first one won.
        return verdict_replayed(service, idempotency_key)


def _refuse_without_pass(
    service: Organisation,
    user: User,
    key: str,
    moment: datetime,
    reason: str,
    offline: bool = False,
) -> Verdict:
    first_id = visit_id_for_key(service.pk, key)
    if first_id is not None:
        return verdict_of(Visit.objects.get(pk=first_id))
    visit = Visit(
        service=service,
        at=moment,
        accepted=False,
        reason=reason,
        recorded_by=user,
        idempotency_key=key,
        offline=offline,
        offline_conflict=offline,
        synced_at=timezone.now() if offline else None,
    )
    visit_insert(visit)
    return Verdict(visit)


def _redeem(
    service: Organisation,
    user: User,
    key: str,
    moment: datetime,
    voucher_id: int,
    units: int,
    offline: bool = False,
) -> Verdict:
    """A voucher presented at a counter: accepted once, at its service, in its dates.

    The voucher row is locked first, so two tablets redeeming it at once are served one
    after the other: the second finds it used and is told when and where. A retried
    request (same key) gets the first answer back.
    """
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("household", "service", "used_service")
        .filter(pk=voucher_id)
        .first()
    )
    first = Visit.objects.filter(service=service, idempotency_key=key).first()
    if first is not None:
        return verdict_of(first)
    if voucher is None:
        return _refuse_without_pass(service, user, key, moment, "unknown_voucher", offline)
    today = timezone.localdate(moment)
    reason = voucher.refusal(service.pk, today)
    if not reason and not _voucher_convention_in_force(voucher, today):
        reason = "convention_ended"
    if not reason and units != 1:
        reason = "voucher_one_meal"
    next_session = None
    if not reason:
        session, next_session = counter_session_now(service=service, moment=moment)
        reason = "" if session is not None else "counter_closed"
    if not reason:
        Voucher.objects.filter(pk=voucher.pk, used_at__isnull=True).update(
            used_at=moment, used_service=service
        )
    verdict = Verdict(
        Visit(
            service=service,
            voucher=voucher,
            at=moment,
            accepted=not reason,
            reason=reason,
            recorded_by=user,
            idempotency_key=key,
            offline=offline,
            synced_at=timezone.now() if offline else None,
            offline_conflict=offline and bool(reason),
        ),
        # A paper meal ticket may be handed on: the counter does not name its holder.
        first_name="" if voucher.kind == Voucher.Kind.MEAL else voucher.household.first_name,
        next_session=next_session if reason == "counter_closed" else None,
        last_accepted_at=voucher.used_at,
        voucher=VoucherSeen(
            kind=voucher.kind,
            covers=voucher.covers,
            valid_until=voucher.valid_until,
            service_name=voucher.service.name,
            used_at=voucher.used_at,
            used_where=voucher.used_service.name if voucher.used_service else "",
        ),
    )
    verdict.visit.answer = verdict.answer_json()
    visit_insert(verdict.visit)
    return verdict


def _voucher_convention_in_force(voucher: Voucher, today: date) -> bool:
    """A convention between the voucher's partner and its service still holds today."""
    return Convention.objects.filter(
        partner_id=voucher.partner_id,
        services=voucher.service_id,
        starts_on__lte=today,
        ends_on__gte=today,
    ).exists()


class _ScanAnnotations(TypedDict):
    valid_here: bool  # the pass opens this counter
    other_members: int  # household members besides the holder
    has_appointment: NotRequired[bool]  # only during a session by appointment


# The pass as a scan reads it: the row with what `_pass_for_scan` annotates.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ScanPass = WithAnnotations[AccessPass, _ScanAnnotations]
else:  # WithAnnotations cannot be subscripted at run time before Python 3.12
    ScanPass = AccessPass


def _pass_for_scan(pass_id: int, service: Organisation, session: Session | None) -> ScanPass | None:
    """The pass row, locked, with only what the verdict reads (in SQL: see counter.scan_sql)."""
    return cast(ScanPass | None, pass_for_scan(pass_id, service, session))


def _decide(
    service: Organisation,
    user: User,
    key: str,
    moment: datetime,
    pass_id: int,
    card_version: int,
    units: int = 1,
    use: UseRecorded | None = None,
    offline: bool = False,
) -> Verdict:
    use = use or UseRecorded()
    today = timezone.localdate(moment)
    session, next_session = counter_session_now(service=service, moment=moment)
    access_pass = _pass_for_scan(pass_id, service, session)
    if access_pass is None:
        return _refuse_without_pass(service, user, key, moment, "unknown_pass", offline)

    rules = access_pass.rule_snapshots(service.pk)
    amounts = service.service_kind == Organisation.ServiceKind.OTHER
    usage = _usage(access_pass, service, key, moment, rules, today, amounts=amounts)
    if usage.replay_id is not None:
        return verdict_of(Visit.objects.get(pk=usage.replay_id))

    reason = access_pass.card_refusal(card_version, today)
    household_size = 1 + access_pass.other_members
    allowances: list[Allowance] = []
    exhausted = None
    if not reason:
        allowances = allowances_left(rules, usage, household_size, today, amounts=amounts)
        reason, exhausted = _counter_refusal(
            access_pass, session, usage, allowances, moment, units, use.amount_cents or 0
        )
    if not reason:
        # The allowances shown are what is left after this visit.
        allowances = [
            allowance_next_on(
                replace(a, used=a.used + allowance_uses(a, units, use.amount_cents or 0)),
                today,
                usage.per_rule[index],
            )
            if a.quantity is not None or a.amounts
            else a
            for index, a in enumerate(allowances)
        ]
    verdict = Verdict(
        Visit(
            service=service,
            access_pass=access_pass,
            card_version=card_version,
            at=moment,
            accepted=not reason,
            reason=reason,
            recorded_by=user,
            idempotency_key=key,
            units=units,
            amount_cents=use.amount_cents,
            reference=use.reference,
            offline=offline,
            synced_at=timezone.now() if offline else None,
            offline_conflict=offline and bool(reason),
        ),
        first_name=access_pass.household.first_name,
        household_size=household_size,
        allowances=tuple(allowances),
        next_session=next_session if reason == "counter_closed" else None,
        exhausted=exhausted,
        last_accepted_at=usage.last_at,
    )
    verdict.visit.answer = verdict.answer_json()
    visit_insert(verdict.visit)
    return verdict


def allowance_uses(allowance: Allowance, units: int, amount_cents: int = 0) -> int:
    """How much of `allowance` a visit uses: its meals for a meal rule, its amount (in
    cents) for an amounts budget, one for the others."""
    if allowance.amounts:
        return amount_cents
    return units if allowance.kind == RuleKind.MEAL_TICKETS else 1


# The refusal for a rule used up, by its kind (a visit rule of one per period: "already served").
USED_UP_REASONS = {
    RuleKind.PARCELS: "parcel_already_given",
    RuleKind.MEAL_TICKETS: "no_meals_left",
    RuleKind.USES: "cap_reached",
}


def _counter_refusal(
    access_pass: ScanPass,
    session: Session | None,
    usage: Usage,
    allowances: list[Allowance],
    moment: datetime,
    units: int = 1,
    amount_cents: int = 0,
) -> tuple[str, Allowance | None]:
    """This counter's rules for a good pass: ("", None) or (code, the rule used up)."""
    if not access_pass.valid_here:
        return "not_valid_here", None
    if session is None:
        return "counter_closed", None
    if session.by_appointment and not access_pass.has_appointment:
        return "appointment_required", None
    repeat = timedelta(minutes=settings.SCAN_REPEAT_MINUTES)
    if usage.last_at and abs(moment - usage.last_at) < repeat:
        return "already_served", None
    return quota_refusal(allowances, units, amount_cents)


def quota_refusal(
    allowances: list[Allowance], units: int = 1, amount_cents: int = 0
) -> tuple[str, Allowance | None]:
    """What the pass's rules here leave for this visit: ("", None), or (code, the rule
    used up)."""
    exhausted = next((a for a in allowances if a.remaining == 0 or a.amount_left_cents == 0), None)
    if exhausted is None:
        short = next(
            (
                a
                for a in allowances
                if a.remaining is not None and a.remaining < allowance_uses(a, units)
            ),
            None,
        )
        if short:
            return "not_enough_meals", short
        over = next(
            (a for a in allowances if (a.amount_left_cents or 0) < amount_cents and a.amounts),
            None,
        )
        return ("amount_above_cap", over) if over else ("", None)
    if exhausted.amounts:
        return "cap_reached", exhausted
    if exhausted.kind in USED_UP_REASONS:
        return USED_UP_REASONS[RuleKind(exhausted.kind)], exhausted
    return ("already_served" if exhausted.quantity == 1 else "quota_used_up"), exhausted


def _usage(
    access_pass: AccessPass,
    service: Organisation,
    key: str,
    moment: datetime,
    rules: list[RuleSnapshot],
    today: date,
    *,
    amounts: bool = False,
) -> Usage:
    """One query: the visits counted per rule, the last accepted one, and a replayed key.

    It reads the few rows involved (this request's key, and the pass's accepted
    visits here since the longest period began) and counts them in Python:
    cheaper, per scan, than having the ORM build an aggregate per rule.
    """
    starts = rule_period_starts(rules, today, amounts=amounts)
    since = usage_since(starts, moment)
    replay_id = None
    visits: list[tuple[datetime, int, int]] = []
    for seen in visits_for_scan(access_pass.pk, service.pk, key, since):
        if seen.idempotency_key == key:
            replay_id = seen.pk
        else:
            visits.append((seen.at, seen.units, seen.amount_cents or 0))
    return usage_counted(rules, starts, visits, moment, replay_id)


def rule_period_starts(
    rules: list[RuleSnapshot], today: date, *, amounts: bool = False
) -> list[datetime | None]:
    """When each rule's current period began (None: a rule the counter does not count)."""
    return [
        local_midnight(period_window(rule.period, today)[0])
        if rule.counted or (amounts and rule.kind == RuleKind.BUDGET)
        else None
        for rule in rules
    ]


def usage_since(starts: list[datetime | None], moment: datetime) -> datetime:
    """The oldest accepted visit a verdict at `moment` needs to see."""
    return min(
        [s for s in starts if s is not None]
        + [moment - timedelta(minutes=settings.SCAN_REPEAT_MINUTES)]
    )


def usage_counted(
    rules: list[RuleSnapshot],
    starts: list[datetime | None],
    visits: list[tuple[datetime, int, int]],
    moment: datetime,
    replay_id: int | None = None,
) -> Usage:
    """The pass's accepted `visits` here (at, units, cents) counted against each rule, in
    the period of `moment` (a scan sent late from an offline tablet is judged in its own
    day, week or month, whatever was served after it)."""
    per_rule: list[RuleUsage | None] = []
    for rule, start in zip(rules, starts, strict=True):
        if start is None:
            per_rule.append(None)
            continue
        end = _period_end(rule.period, timezone.localdate(moment))
        in_period = [visit for visit in visits if start <= visit[0] < end]
        # A meal rule counts the meals served, an amounts budget the cents covered, the
        # others the visits.
        if rule.kind == RuleKind.MEAL_TICKETS:
            used = sum(units for _at, units, _cents in in_period)
        elif rule.kind == RuleKind.BUDGET:
            used = sum(cents for _at, _units, cents in in_period)
        else:
            used = len(in_period)
        first_at = min((visit[0] for visit in in_period), default=None)
        per_rule.append(RuleUsage(used=used, first_at=first_at))
    nearest = min(visits, key=lambda visit: abs(moment - visit[0]), default=None)
    return Usage(replay_id, nearest[0] if nearest else None, tuple(per_rule))


def _period_end(period: str, day: date) -> datetime:
    """When the period of `day` ends (a rolling fortnight: at the end of `day`)."""
    next_start = period_window(period, day)[1]
    return local_midnight(next_start or day + timedelta(days=1))


def allowances_left(
    rules: list[RuleSnapshot],
    usage: Usage,
    household_size: int,
    today: date,
    *,
    amounts: bool = False,
) -> list[Allowance]:
    allowances = []
    for rule, used in zip(rules, usage.per_rule, strict=True):
        if rule.kind == RuleKind.BUDGET and amounts and used is not None:
            # Outside food, the budget is a cap on the amounts covered at the counter.
            budget = rule.budget_cents_for(household_size)
            allowance = Allowance(
                rule.kind, rule.period, used=used.used, budget_cents=budget, amounts=True
            )
            allowances.append(allowance_next_on(allowance, today, used))
        elif rule.kind == RuleKind.BUDGET:
            budget = rule.budget_cents_for(household_size)
            allowances.append(Allowance(rule.kind, rule.period, budget_cents=budget))
        elif used is not None:
            allowance = Allowance(
                rule.kind, rule.period, quantity=rule.quantity_for(household_size), used=used.used
            )
            allowances.append(allowance_next_on(allowance, today, used))
    return allowances


def allowance_next_on(allowance: Allowance, today: date, used: RuleUsage | None) -> Allowance:
    """The day the rule allows a visit again, when nothing is left of it."""
    if allowance.amounts:
        if allowance.amount_left_cents:
            return replace(allowance, next_on=None)
    elif allowance.quantity is None or allowance.remaining:
        return replace(allowance, next_on=None)
    start, next_start = period_window(allowance.period, today)
    if next_start is None:
        # A rolling fortnight: 14 days after the oldest visit still counted (or today's).
        first = used.first_at if used else None
        first_day = timezone.localdate(first) if first else today
        next_start = first_day + timedelta(days=14)
    return replace(allowance, next_on=next_start)


def verdict_replayed(service: Organisation, key: str) -> Verdict:
    """The first verdict given under `key` here, for a retried request."""
    return verdict_of(Visit.objects.get(service=service, idempotency_key=key))


def verdict_of(visit: Visit) -> Verdict:
    """The verdict a visit gave the first time, whole, for a retried request."""
    answer = visit.answer or {}
    exhausted = answer.get("exhausted")
    last_at = answer.get("last_accepted_at")
    session = answer.get("next_session")
    first_name = ""
    if visit.access_pass_id is not None:
        first_name = (
            AccessPass.objects.filter(pk=visit.access_pass_id)
            .values_list("household__first_name", flat=True)
            .get()
        )
    elif visit.voucher_id is not None:
        first_name = (
            Voucher.objects.filter(pk=visit.voucher_id)
            .values_list("household__first_name", flat=True)
            .get()
        )
    voucher = answer.get("voucher")
    return Verdict(
        visit,
        first_name=first_name,
        household_size=answer.get("household_size"),
        allowances=tuple(Allowance.from_json(a) for a in answer.get("allowances", [])),
        next_session=Session(
            starts=datetime.fromisoformat(session["starts"]),
            ends=datetime.fromisoformat(session["ends"]),
            by_appointment=session["by_appointment"],
        )
        if session
        else None,
        exhausted=Allowance.from_json(exhausted) if exhausted else None,
        last_accepted_at=datetime.fromisoformat(last_at) if last_at else None,
        replayed=True,
        voucher=VoucherSeen.from_json(voucher) if voucher else None,
    )


# --- undo and the counter's day ---------------------------------------------------------


def visit_undo(
    *, visit_id: int, service: Organisation, user: User, reason: str, moment: datetime | None = None
) -> Visit:
    """Cancel an accepted scan made by mistake, within VISIT_UNDO_MINUTES, with a reason.

    A conditional UPDATE (`undone_at IS NULL`): undoing twice changes nothing the
    second time and says so. The visit stays in the history, marked undone, and no
    longer counts in the quota. Codes: `not_found`, `reason_required`,
    `not_accepted`, `already_undone`, `undo_too_late`, `visit_in_use` (an upper app's
    record rests on it: a sale).
    """
    moment = moment or timezone.now()
    reason = (reason or "").strip()[:200]
    with transaction.atomic():
        # Locked: a parcel, a sale or a handout recorded on it meanwhile waits, or is seen.
        visit = (
            Visit.objects.select_for_update(of=("self",))
            .filter(pk=visit_id, service=service)
            .first()
        )
        return _undo_locked(visit, service, user, reason, moment)


def _undo_locked(
    visit: Visit | None, service: Organisation, user: User, reason: str, moment: datetime
) -> Visit:
    if visit is None:
        raise UndoRefused(
            _("Ce passage n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND
        )
    if not reason:
        raise UndoRefused(
            _("Dites en quelques mots pourquoi ce passage est annulé."),
            field="reason",
            code="reason_required",
            kind=ErrorKind.INVALID,
        )
    if not visit.accepted:
        raise UndoRefused(_("Seul un passage accepté peut être annulé."), code="not_accepted")
    if moment - visit.at > timedelta(minutes=settings.VISIT_UNDO_MINUTES):
        raise UndoRefused(
            _("Trop tard : un passage ne peut être annulé que dans les %(minutes)d minutes.")
            % {"minutes": settings.VISIT_UNDO_MINUTES},
            code="undo_too_late",
        )
    blocked = undo_refusal(visit)
    if blocked:
        raise UndoRefused(blocked, code="visit_in_use")
    changed = Visit.objects.filter(pk=visit.pk, undone_at__isnull=True).update(
        undone_at=moment, undone_by=user, undo_reason=reason
    )
    if not changed:
        raise UndoRefused(_("Ce passage est déjà annulé."), code="already_undone")
    audit_record(
        actor=user,
        action="visit.undo",
        organisation=service,
        target=visit,
        detail={"reason": reason},
    )
    visit.refresh_from_db()
    return visit
