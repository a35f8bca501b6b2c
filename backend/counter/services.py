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
- its quota: `already_served`, `quota_used_up`.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from babel.numbers import format_currency
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext as _

from comptoir.dates import local_midnight
from comptoir.errors import DomainError, ErrorKind
from counter.models import Visit
from network.audit import audit_record
from network.models import Organisation, UsageRule, budget_cents_for
from passes.keys import keyring
from passes.models import AccessPass, HouseholdMember, PassCard
from passes.selectors import pass_state_code, refusal_messages
from passes.tokens import TokenRejected, human_code_check, looks_like_token, token_read
from schedules.models import Appointment
from schedules.selectors import Session, counter_session_now

# A client-made key: a UUID, or any 8–64 characters of letters, digits, "-" and "_".
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Longer than any token or code: the rest of a hostile paste is never read.
MAX_INPUT = 400

COUNTED_KINDS = {
    UsageRule.Kind.VISITS,
    UsageRule.Kind.PARCELS,
    UsageRule.Kind.MEAL_TICKETS,
    UsageRule.Kind.USES,
}


class ScanRefused(DomainError):
    """A request that is not a scan at all (no valid idempotency key)."""


class UndoRefused(DomainError):
    pass


@dataclass(frozen=True)
class Allowance:
    """What a rule of the pass leaves at this counter after this scan."""

    kind: str
    period: str
    quantity: int | None = None
    used: int = 0
    budget_cents: int | None = None
    next_on: date | None = None

    @property
    def remaining(self) -> int | None:
        return None if self.quantity is None else max(self.quantity - self.used, 0)

    def describe(self) -> str:
        """« 0 passage restant cette semaine (1 par semaine) », in the active language."""
        if self.kind == UsageRule.Kind.BUDGET:
            amount = format_currency(
                (self.budget_cents or 0) / 100, "EUR", locale=to_locale(get_language() or "fr")
            )
            return _("Budget du mois : %(amount)s") % {"amount": amount}
        remaining = self.remaining or 0
        if remaining == 0:
            none_left = {
                UsageRule.Kind.VISITS: _("Plus aucun passage"),
                UsageRule.Kind.PARCELS: _("Plus aucun colis"),
                UsageRule.Kind.MEAL_TICKETS: _("Plus aucun ticket-repas"),
                UsageRule.Kind.USES: _("Plus aucune utilisation"),
            }[UsageRule.Kind(self.kind)]
            text = f"{none_left} {period_words()[self.period]}"
            if self.next_on:
                text += " · " + _("à nouveau le %(day)s") % {"day": day_words(self.next_on)}
            return text
        labels = {
            UsageRule.Kind.VISITS: ngettext(
                "%(count)d passage restant", "%(count)d passages restants", remaining
            ),
            UsageRule.Kind.PARCELS: ngettext(
                "%(count)d colis restant", "%(count)d colis restants", remaining
            ),
            UsageRule.Kind.MEAL_TICKETS: ngettext(
                "%(count)d ticket-repas restant", "%(count)d tickets-repas restants", remaining
            ),
            UsageRule.Kind.USES: ngettext(
                "%(count)d utilisation restante", "%(count)d utilisations restantes", remaining
            ),
        }
        text = labels[UsageRule.Kind(self.kind)] % {"count": remaining}
        return f"{text} {period_words()[self.period]}"


def period_words() -> dict[str, str]:
    """« cette semaine », … in the active language (a function: translated when read)."""
    return {
        "day": _("aujourd'hui"),
        "week": _("cette semaine"),
        "fortnight": _("sur 14 jours"),
        "month": _("ce mois-ci"),
    }


def day_words(day: date) -> str:
    return formats.date_format(day, "l j F")


def counter_refusal_messages() -> dict[str, str]:
    """Sentences for the counter's own refusals; %(…)s parts are filled by `Verdict.message`."""
    return {
        "empty": _("Aucun code lu : scannez la carte ou tapez son code."),
        "not_valid_here": _("Cet accès-pass ne donne pas accès à ce comptoir."),
        "counter_closed": _("Le comptoir est fermé maintenant."),
        "counter_closed_next": _(
            "Le comptoir est fermé maintenant. Prochaine permanence : %(day)s à %(time)s."
        ),
        "appointment_required": _(
            "Cette permanence est sur rendez-vous et ce ménage n'en a pas aujourd'hui."
        ),
        "already_served": _("Déjà servi %(period)s : prochain passage le %(day)s."),
        "already_served_now": _("Cette carte a déjà été acceptée ici à %(time)s."),
        "quota_used_up": _(
            "Quota épuisé : %(quota)s déjà utilisés %(period)s ; à nouveau le %(day)s."
        ),
    }


@dataclass
class Verdict:
    visit: Visit
    first_name: str = ""
    household_size: int | None = None
    allowances: list[Allowance] = field(default_factory=list)
    next_session: Session | None = None
    # For `already_served` / `quota_used_up`: the rule that is used up.
    exhausted: Allowance | None = None
    last_accepted_at: datetime | None = None
    replayed: bool = False

    @property
    def accepted(self) -> bool:
        return self.visit.accepted

    @property
    def reason(self) -> str:
        return self.visit.reason

    @property
    def message(self) -> str:
        """The one plain sentence a volunteer reads, in the active language."""
        reason = self.visit.reason
        if not reason:
            return _("Accès accepté.")
        counter = counter_refusal_messages()
        if reason == "counter_closed" and self.next_session:
            local = timezone.localtime(self.next_session.starts)
            return counter["counter_closed_next"] % {
                "day": day_words(local.date()),
                "time": formats.time_format(local.time(), "H:i"),
            }
        if reason in ("already_served", "quota_used_up"):
            rule = self.exhausted
            if rule is None or rule.next_on is None:
                local = timezone.localtime(self.last_accepted_at or self.visit.at)
                return counter["already_served_now"] % {
                    "time": formats.time_format(local.time(), "H:i")
                }
            values = {"period": period_words()[rule.period], "day": day_words(rule.next_on)}
            if reason == "quota_used_up":
                values["quota"] = str(rule.quantity)
            return counter[reason] % values
        return counter.get(reason) or refusal_messages()[reason]


# --- periods ---------------------------------------------------------------------------


def _period_window(period: str, today: date) -> tuple[date, date | None]:
    """(first day counted, first day of the next period) for a rule's period.

    Day, week (Monday) and month are calendar periods; a fortnight is the last
    14 days, so « one parcel every two weeks » comes back 14 days after the last one.
    """
    if period == UsageRule.Period.DAY:
        return today, today + timedelta(days=1)
    if period == UsageRule.Period.WEEK:
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=7)
    if period == UsageRule.Period.MONTH:
        first = today.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    return today - timedelta(days=13), None


# --- the verdict ---------------------------------------------------------------------


def _card_identify(text: str) -> tuple[int | None, int | None, str]:
    """(pass id, card version, "") or (None, None, refusal code). A token needs no query."""
    text = (text or "")[:MAX_INPUT]
    if not text.strip():
        return None, None, "empty"
    try:
        if looks_like_token(text):
            claims = token_read(text, keyring())
            return claims.pass_id, claims.card_version, ""
        code = human_code_check(text)
    except TokenRejected as rejected:
        return None, None, rejected.code
    card = PassCard.objects.filter(human_code=code).values_list("access_pass_id", "version").first()
    if card is None:
        return None, None, "unknown_code"
    return card[0], card[1], ""


def visit_record(
    *,
    text: str,
    service: Organisation,
    user: Any,
    idempotency_key: str,
    moment: datetime | None = None,
) -> Verdict:
    """Decide whether the card in `text` is good at `service` now, and record the visit.

    Locks the pass row (``SELECT … FOR UPDATE``), so two tablets scanning one
    card are served one after the other: the second sees the first's visit and
    is refused `already_served`. Idempotent per (service, `idempotency_key`): a
    retried request records nothing and returns the first verdict
    (`replayed`). Raises `ScanRefused` (`idempotency_key_invalid`) only when the
    request has no usable key; a bad card is a refused visit, never an error.
    """
    if not IDEMPOTENCY_KEY.match(idempotency_key or ""):
        raise ScanRefused(
            _("Clé d'idempotence absente ou invalide (8 à 64 lettres, chiffres, - ou _)."),
            field="idempotency_key",
            code="idempotency_key_invalid",
            kind=ErrorKind.INVALID,
        )
    moment = moment or timezone.now()
    pass_id, card_version, reason = _card_identify(text)
    try:
        with transaction.atomic():
            if pass_id is None:
                return _refuse_without_pass(service, user, idempotency_key, moment, reason)
            return _decide(service, user, idempotency_key, moment, pass_id, card_version)
    except IntegrityError:
        # The same key raced itself in (no pass row to queue on): the first one won.
        return _replay(service, idempotency_key, moment)


def _refuse_without_pass(
    service: Organisation, user: Any, key: str, moment: datetime, reason: str
) -> Verdict:
    first = Visit.objects.filter(service=service, idempotency_key=key).first()
    if first is not None:
        return _verdict_of(first, moment, replayed=True)
    visit = Visit.objects.create(
        service=service,
        at=moment,
        accepted=False,
        reason=reason,
        recorded_by=user,
        idempotency_key=key,
    )
    return Verdict(visit)


def _pass_for_scan(pass_id: int, service: Organisation, session: Session | None) -> AccessPass:
    """The pass row, locked, with only what the verdict reads (a lean query: it runs per scan)."""
    members = (
        HouseholdMember.objects.filter(household=OuterRef("household_id"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        AccessPass.objects.select_for_update(of=("self",))
        .select_related("household", "convention")
        .only(
            "status",
            "valid_from",
            "valid_until",
            "card_version",
            "rules",
            "household__first_name",
            "convention__ends_on",
        )
        .annotate(
            valid_here=Exists(
                AccessPass.services.through.objects.filter(
                    accesspass_id=OuterRef("pk"), organisation_id=service.pk
                )
            ),
            other_members=Coalesce(Subquery(members), 0),
        )
    )
    if session is not None and session.by_appointment:
        queryset = queryset.annotate(
            has_appointment=Exists(
                Appointment.objects.filter(
                    service=service,
                    household=OuterRef("household_id"),
                    cancelled_at__isnull=True,
                    starts_at__gte=session.starts,
                    starts_at__lt=session.ends,
                )
            )
        )
    found = list(queryset.filter(pk=pass_id).order_by()[:1])
    return found[0] if found else None


def _decide(
    service: Organisation,
    user: Any,
    key: str,
    moment: datetime,
    pass_id: int,
    card_version: int,
) -> Verdict:
    today = timezone.localdate(moment)
    session, next_session = counter_session_now(service=service, moment=moment)
    access_pass = _pass_for_scan(pass_id, service, session)
    if access_pass is None:
        return _refuse_without_pass(service, user, key, moment, "unknown_pass")

    rules = [r for r in access_pass.rules if r.get("service_id") == service.pk]
    usage = _usage(access_pass, service, key, moment, rules, today)
    if usage["replay"]:
        return _verdict_of(Visit.objects.get(pk=usage["replay"]), moment, replayed=True)

    reason = pass_state_code(access_pass, card_version, today)
    allowances, exhausted = [], None
    if reason == "ok":
        allowances = _allowances(access_pass, rules, usage, today)
        reason, exhausted = _counter_refusal(access_pass, session, usage, allowances, moment)

    visit = Visit.objects.create(
        service=service,
        access_pass=access_pass,
        card_version=card_version,
        at=moment,
        accepted=not reason,
        reason=reason,
        recorded_by=user,
        idempotency_key=key,
    )
    if not reason:
        # The allowances shown are what is left after this visit.
        allowances = [
            _with_next_on(replace(a, used=a.used + 1), today, usage, index)
            if a.quantity is not None
            else a
            for index, a in enumerate(allowances)
        ]
    return Verdict(
        visit,
        first_name=access_pass.household.first_name,
        household_size=1 + access_pass.other_members,
        allowances=allowances,
        next_session=next_session if reason == "counter_closed" else None,
        exhausted=exhausted,
        last_accepted_at=usage["last_at"],
    )


def _counter_refusal(
    access_pass: AccessPass,
    session: Session | None,
    usage: dict,
    allowances: list[Allowance],
    moment: datetime,
) -> tuple[str, Allowance | None]:
    """This counter's rules for a good pass: ("", None) or (code, the rule used up)."""
    if not access_pass.valid_here:
        return "not_valid_here", None
    if session is None:
        return "counter_closed", None
    if session.by_appointment and not access_pass.has_appointment:
        return "appointment_required", None
    repeat = timedelta(minutes=settings.SCAN_REPEAT_MINUTES)
    if usage["last_at"] and moment - usage["last_at"] < repeat:
        return "already_served", None
    exhausted = next((a for a in allowances if a.remaining == 0), None)
    if exhausted is None:
        return "", None
    return ("already_served" if exhausted.quantity == 1 else "quota_used_up"), exhausted


def _usage(
    access_pass: AccessPass,
    service: Organisation,
    key: str,
    moment: datetime,
    rules: list[dict],
    today: date,
) -> dict:
    """One query: the visits counted per rule, the last accepted one, and a replayed key.

    It reads the few rows involved (this request's key, and the pass's accepted
    visits here since the longest period began) and counts them in Python:
    cheaper, per scan, than having the ORM build an aggregate per rule.
    """
    counted = Q(access_pass=access_pass, service=service, accepted=True, undone_at__isnull=True)
    starts = {
        index: local_midnight(_period_window(rule["period"], today)[0])
        for index, rule in enumerate(rules)
        if rule["kind"] in COUNTED_KINDS
    }
    since = min([*starts.values(), moment - timedelta(minutes=settings.SCAN_REPEAT_MINUTES)])
    rows = Visit.objects.filter(
        Q(service=service, idempotency_key=key) | (counted & Q(at__gte=since))
    ).values_list("pk", "at", "idempotency_key")
    replay = None
    visits = []
    for pk, at, visit_key in rows:
        if visit_key == key:
            replay = pk
        else:
            visits.append(at)
    usage: dict = {"replay": replay, "last_at": max(visits, default=None)}
    for index, start in starts.items():
        in_period = [at for at in visits if at >= start]
        usage[f"used_{index}"] = len(in_period)
        usage[f"first_{index}"] = min(in_period, default=None)
    return usage


def _allowances(
    access_pass: AccessPass, rules: list[dict], usage: dict, today: date
) -> list[Allowance]:
    size = 1 + access_pass.other_members
    allowances = []
    for index, rule in enumerate(rules):
        if rule["kind"] == UsageRule.Kind.BUDGET:
            budget = budget_cents_for(rule, size)
            allowances.append(Allowance(rule["kind"], rule["period"], budget_cents=budget))
        elif rule["kind"] in COUNTED_KINDS:
            allowance = Allowance(
                rule["kind"],
                rule["period"],
                quantity=rule.get("quantity") or 0,
                used=usage[f"used_{index}"],
            )
            allowances.append(_with_next_on(allowance, today, usage, index))
    return allowances


def _with_next_on(allowance: Allowance, today: date, usage: dict, index: int) -> Allowance:
    """The day the rule allows a visit again, when nothing is left of it."""
    if allowance.quantity is None or allowance.remaining:
        return replace(allowance, next_on=None)
    start, next_start = _period_window(allowance.period, today)
    if next_start is None:
        # A rolling fortnight: 14 days after the oldest visit still counted (or today's).
        first = usage.get(f"first_{index}")
        first_day = timezone.localdate(first) if first else today
        next_start = first_day + timedelta(days=14)
    return replace(allowance, next_on=next_start)


def _replay(service: Organisation, key: str, moment: datetime) -> Verdict:
    visit = Visit.objects.get(service=service, idempotency_key=key)
    return _verdict_of(visit, moment, replayed=True)


def _verdict_of(visit: Visit, moment: datetime, *, replayed: bool) -> Verdict:
    """The verdict a visit already gave, with the household's figures as they are now."""
    verdict = Verdict(visit, replayed=replayed)
    if visit.access_pass_id is not None:
        access_pass = (
            AccessPass.objects.select_related("household")
            .annotate(other_members=Count("household__members"))
            .get(pk=visit.access_pass_id)
        )
        verdict.first_name = access_pass.household.first_name
        verdict.household_size = 1 + access_pass.other_members
    if visit.reason == "counter_closed":
        verdict.next_session = counter_session_now(service=visit.service, moment=visit.at)[1]
    return verdict


# --- undo and the counter's day ---------------------------------------------------------


def visit_undo(
    *, visit_id: int, service: Organisation, user: Any, reason: str, moment: datetime | None = None
) -> Visit:
    """Cancel an accepted scan made by mistake, within VISIT_UNDO_MINUTES, with a reason.

    A conditional UPDATE (`undone_at IS NULL`): undoing twice changes nothing the
    second time and says so. The visit stays in the history, marked undone, and no
    longer counts in the quota. Codes: `not_found`, `reason_required`,
    `not_accepted`, `already_undone`, `undo_too_late`.
    """
    moment = moment or timezone.now()
    reason = (reason or "").strip()[:200]
    visit = Visit.objects.filter(pk=visit_id, service=service).first()
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
