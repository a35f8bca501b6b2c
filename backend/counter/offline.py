"""The counter without the network: the day's list a tablet decides from, and the
record of what it decided meanwhile.

A tablet takes the day's snapshot of its counter while online (`offline_snapshot_take`).
When the connection drops it checks a card's signature with the public keys, then the
pass in the snapshot: card version, state and dates, today's sessions, the appointment,
and what its rules leave (the day's visits included). It queues each scan with its
idempotency key and its real moment; back online it sends them in order
(`offline_scans_record`). A scan the tablet accepted goes through the server's own
verdict at its real moment; if the server refuses it (the same card served on another
tablet), it is recorded refused, marked as a conflict. A scan the tablet refused is
recorded refused, with the tablet's reason: the household was not served.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.dates import local_days_bounds
from comptoir.errors import DomainError, ErrorKind
from counter.actions import offline_extras, undo_refusal
from counter.models import Visit
from counter.services import (
    allowance_next_on,
    allowance_uses,
    allowances_left,
    idempotency_key_check,
    quota_refusal,
    rule_period_starts,
    usage_counted,
    usage_since,
    verdict_of,
    verdict_replayed,
    visit_record,
)
from counter.verdict import Verdict, counter_refusal_messages, day_words, period_words
from network.audit import audit_record
from network.models import Organisation, User
from network.rules import RuleKind, RuleSnapshot
from passes.keys import keyring
from passes.models import AccessPass
from passes.selectors import card_read, refusal_messages
from passes.tokens import public_key_base64
from schedules.models import Appointment
from schedules.selectors import counter_schedule

# Passes that ended longer ago than this are left out of the list: their cards are
# refused offline as not in the list, and on arrival the server says why.
SNAPSHOT_PAST_DAYS = 31
# How far back a tablet may send what it decided offline: past that, a scan is rejected
# rather than recorded in a month that may already be reviewed.
SYNC_OLDEST_DAYS = 7
# Scans sent at once: a tablet with more sends them in several requests.
SYNC_BATCH_MAX = 200


class SyncRefused(DomainError):
    """An offline scan that cannot be recorded (its moment is not believable)."""


def offline_snapshot_take(
    *, service: Organisation, user: User, moment: datetime | None = None
) -> dict[str, Any]:
    """The day's list for `service`'s counter, as a tablet keeps it (JSON-ready).

    Only what the online verdict shows: per pass, its card version and state; for a
    pass good today, the first name, the household's size, whether it has an
    appointment today, and what its rules leave (after the day's visits). Refused
    passes carry no name. Audited (`counter.offline_snapshot`): who took which
    counter's list, with how many passes.
    """
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    amounts = service.service_kind == Organisation.ServiceKind.OTHER
    # Read as values, not models: a large counter has tens of thousands of passes.
    passes = list(
        AccessPass.objects.filter(
            services=service, valid_until__gte=today - timedelta(days=SNAPSHOT_PAST_DAYS)
        )
        .annotate(members=Count("household__members"))
        .values_list(
            "pk",
            "card_version",
            "status",
            "valid_from",
            "valid_until",
            "convention__ends_on",
            "rules",
            "household_id",
            "household__first_name",
            "members",
        )
    )
    refusals = {row[0]: AccessPass.pass_refusal_of(*row[2:6], today) for row in passes}
    good = [row for row in passes if not refusals[row[0]]]
    # Passes of one convention share their rules: each set is read once.
    rule_sets: dict[str, list[RuleSnapshot]] = {}
    rules: dict[int, str] = {}
    for pass_id, *_row, pass_rules, _household, _name, _members in good:
        here = [rule for rule in pass_rules if int(rule["service_id"]) == service.pk]
        key = json.dumps(here, sort_keys=True)
        if key not in rule_sets:
            rule_sets[key] = [RuleSnapshot.from_json(rule) for rule in here]
        rules[pass_id] = key
    starts = {
        key: rule_period_starts(rule_set, today, amounts=amounts)
        for key, rule_set in rule_sets.items()
    }
    visits = _accepted_visits(service, {row[0]: starts[rules[row[0]]] for row in good}, moment)
    start, end = local_days_bounds(today, 1)
    appointments: dict[int, list[str]] = {}
    for household_id, starts_at in Appointment.objects.filter(
        service=service, cancelled_at__isnull=True, starts_at__gte=start, starts_at__lt=end
    ).values_list("household_id", "starts_at"):
        appointments.setdefault(household_id, []).append(starts_at.isoformat())
    # Most households are in the same case (same rules, size and visits): each case's
    # words are worked out once.
    plans: dict[tuple[Any, ...], dict[str, Any]] = {}
    entries: dict[str, dict[str, Any]] = {}
    # What the apps above need offline (the shop's budgets): good passes' rules and size.
    good_passes: dict[int, tuple[list[RuleSnapshot], int]] = {}
    for pass_id, card_version, *_row, household_id, first_name, members in passes:
        entry: dict[str, Any] = {"v": card_version, "refusal": refusals[pass_id]}
        if not entry["refusal"]:
            key = rules[pass_id]
            seen = tuple(visits.get(pass_id, []))
            case = (key, 1 + members, seen)
            if case not in plans:
                plans[case] = _pass_plan(
                    rule_sets[key], starts[key], list(seen), 1 + members, moment, amounts=amounts
                )
            good_passes[pass_id] = (rule_sets[key], 1 + members)
            entry["name"] = first_name
            entry.update(plans[case])
            # A session by appointment takes the households booked within it.
            entry["appointments"] = appointments.get(household_id, [])
        entries[str(pass_id)] = entry
    audit_record(
        actor=user,
        action="counter.offline_snapshot",
        organisation=service,
        detail={"passes": len(entries)},
    )
    ring = keyring()
    return {
        "service": service.pk,
        "day": today.isoformat(),
        "day_words": day_words(today),
        "taken_at": moment.isoformat(),
        "repeat_minutes": settings.SCAN_REPEAT_MINUTES,
        "sessions": [
            {
                "starts": session.starts.isoformat(),
                "ends": session.ends.isoformat(),
                "by_appointment": session.by_appointment,
            }
            for session in counter_schedule(service=service, day=today)
            if timezone.localdate(session.starts) == today
        ],
        "keys": {
            "deployment": ring.deployment,
            "public_keys": {
                str(key_id): public_key_base64(key) for key_id, key in ring.public_keys.items()
            },
        },
        "messages": _refusal_sentences(),
        "passes": entries,
        "extras": offline_extras(service, moment, good_passes),
    }


def _accepted_visits(
    service: Organisation, starts: dict[int, list[datetime | None]], moment: datetime
) -> dict[int, list[tuple[datetime, int, int]]]:
    """The good passes' accepted visits here that their rules count (one query)."""
    if not starts:
        return {}
    since = min(usage_since(pass_starts, moment) for pass_starts in starts.values())
    visits: dict[int, list[tuple[datetime, int, int]]] = {}
    # The counter's visits since then, not an IN list of tens of thousands of passes.
    rows = Visit.objects.filter(
        service=service, accepted=True, undone_at__isnull=True, at__gte=since
    ).values_list("access_pass_id", "at", "units", "amount_cents")
    for pass_id, at, units, cents in rows:
        if pass_id in starts:
            visits.setdefault(pass_id, []).append((at, units, cents or 0))
    return visits


def _pass_plan(
    rules: list[RuleSnapshot],
    starts: list[datetime | None],
    visits: list[tuple[datetime, int, int]],
    size: int,
    moment: datetime,
    *,
    amounts: bool,
) -> dict[str, Any]:
    """What a tablet needs to decide for a good pass: its size, what is left, what the
    verdict says (the first name is the caller's to add)."""
    today = timezone.localdate(moment)
    usage = usage_counted(rules, starts, visits, moment)
    allowances = allowances_left(rules, usage, size, today, amounts=amounts)
    plan: dict[str, Any] = {
        "size": size,
        "last_at": usage.last_at.isoformat() if usage.last_at else None,
    }
    reason, exhausted = quota_refusal(allowances)
    if reason:
        refused = Verdict(
            Visit(at=moment, accepted=False, reason=reason),
            exhausted=exhausted,
            last_accepted_at=usage.last_at,
        )
        plan["used_up"] = {"reason": reason, "message": refused.message}
        return plan
    # What the verdict shows after one accepted visit, as `counter.services` words it.
    plan["after"] = [
        allowance_next_on(
            replace(allowance, used=allowance.used + allowance_uses(allowance, 1)),
            today,
            usage.per_rule[index],
        ).describe()
        if allowance.quantity is not None or allowance.amounts
        else allowance.describe()
        for index, allowance in enumerate(allowances)
    ]
    meals = [a for a in allowances if a.kind == RuleKind.MEAL_TICKETS and a.remaining]
    if meals:
        fewest = min(meals, key=lambda a: a.remaining or 0)
        plan["meals_left"] = fewest.remaining
        plan["meals_message"] = counter_refusal_messages()["not_enough_meals"] % {
            "left": fewest.remaining,
            "period": period_words()[fewest.period],
        }
    return plan


@dataclass(frozen=True)
class OfflineScan:
    """One scan as the tablet queued it: its key, what was read, when, and its verdict."""

    idempotency_key: str
    code: str
    at: datetime
    accepted: bool
    reason: str = ""
    units: int = 1


@dataclass(frozen=True)
class SyncResult:
    idempotency_key: str
    # "recorded", "replayed" (already received: a sync resumed), or "rejected".
    status: str
    verdict: Verdict | None = None
    message: str = ""


def offline_scans_record(
    *,
    service: Organisation,
    user: User,
    scans: list[OfflineScan],
    now: datetime | None = None,
) -> list[SyncResult]:
    """Record the scans a tablet decided offline, oldest first, each at its real moment.

    Each is its own short transaction (see `visit_record`), so a sync cut half-way
    keeps what arrived, and sending everything again records nothing twice: the
    idempotency keys replay. A scan dated in the future or more than SYNC_OLDEST_DAYS
    ago, or without a usable key, is rejected (`offline_at_invalid`,
    `idempotency_key_invalid`, `units_invalid`) and the others still recorded; one dated
    in the future (a tablet's clock running ahead) is recorded at `now`.
    """
    now = now or timezone.now()
    results = []
    for scan in sorted(scans, key=lambda s: s.at):
        try:
            verdict = _offline_scan_record(service, user, scan, now)
        except DomainError as refusal:
            results.append(SyncResult(scan.idempotency_key, "rejected", message=refusal.message))
            continue
        status = "replayed" if verdict.replayed else "recorded"
        results.append(SyncResult(scan.idempotency_key, status, verdict))
    return results


def _offline_scan_record(
    service: Organisation, user: User, scan: OfflineScan, now: datetime
) -> Verdict:
    scan = replace(scan, at=offline_moment_checked(scan.at, now))
    if scan.accepted:
        verdict = visit_record(
            text=scan.code,
            service=service,
            user=user,
            idempotency_key=scan.idempotency_key,
            moment=scan.at,
            units=scan.units,
            offline=True,
        )
    else:
        verdict = _offline_refusal_record(service, user, scan)
    if verdict.replayed and verdict.accepted != scan.accepted:
        return _replay_reconciled(service, user, scan, verdict.visit, now)
    return verdict


def offline_moment_checked(at: datetime, now: datetime) -> datetime:
    """The moment to record something a tablet did offline at `at`: `now` when the
    tablet's clock ran ahead (it happened before it arrived, at the latest now). Refuses
    `offline_at_invalid` past SYNC_OLDEST_DAYS: recorded rather than lost otherwise."""
    if at > now:
        return now
    if at < now - timedelta(days=SYNC_OLDEST_DAYS):
        raise SyncRefused(
            _(
                "Fait hors ligne le %(day)s à %(time)s : plus vieux que %(days)d jours, ce "
                "n'est pas enregistré. L'horloge de la tablette est-elle juste ?"
            )
            % {
                "day": day_words(timezone.localdate(at)),
                "time": formats.time_format(timezone.localtime(at).time(), "H:i"),
                "days": SYNC_OLDEST_DAYS,
            },
            field="at",
            code="offline_at_invalid",
            kind=ErrorKind.INVALID,
        )
    return at


# Refusals by which the tablet said "cannot tell without the server", not "no": when the
# server had in fact accepted the scan, its verdict stands (the household told to try
# again finds it served).
UNDECIDED_OFFLINE = frozenset({"offline_unknown", "offline_no_list", "offline_voucher"})


def _replay_reconciled(
    service: Organisation, user: User, scan: OfflineScan, visit: Visit, now: datetime
) -> Verdict:
    """The server had recorded this scan (its answer never reached the tablet, which then
    decided offline) and the two verdicts differ: what the household was told wins.

    Refused on the tablet, accepted on the server: the household was turned away, so the
    visit is undone and counts nowhere; unless the tablet only could not tell
    (UNDECIDED_OFFLINE), or a sale or a parcel already rests on the visit. Accepted on
    the tablet, refused on the server: the household was served, so the visit is flagged
    as a conflict for the manager. Conditional updates: a sync sent again changes nothing.
    """
    if scan.accepted:
        Visit.objects.filter(pk=visit.pk, accepted=False, offline_conflict=False).update(
            offline=True, offline_conflict=True, synced_at=now
        )
    elif scan.reason not in UNDECIDED_OFFLINE:
        with transaction.atomic():
            # As `visit_undo`: the row locked, and never under a sale or a parcel.
            locked = Visit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
            if locked.undone_at is None and not undo_refusal(locked):
                Visit.objects.filter(pk=visit.pk).update(
                    undone_at=now,
                    undone_by=user,
                    undo_reason=_(
                        "Refusé par la tablette hors ligne : la réponse du serveur n'était "
                        "pas arrivée."
                    ),
                )
                audit_record(
                    actor=user,
                    action="visit.undo",
                    organisation=service,
                    target=visit,
                    detail={"reason": "offline_refused", "tablet_reason": scan.reason},
                )
    return verdict_of(Visit.objects.get(pk=visit.pk))


def _offline_refusal_record(service: Organisation, user: User, scan: OfflineScan) -> Verdict:
    """A scan the tablet refused: the household was not served, whatever the server would
    say now. Recorded refused with the tablet's reason (a code the tablet may give)."""
    reason = scan.reason if scan.reason in _refusal_sentences() else "offline_refused"
    idempotency_key_check(scan.idempotency_key)
    card = card_read(scan.code)
    pass_id = card.pass_id
    if pass_id is not None and not AccessPass.objects.filter(pk=pass_id).exists():
        pass_id = None
    visit = Visit(
        service=service,
        access_pass_id=pass_id,
        card_version=card.card_version if pass_id is not None else None,
        at=scan.at,
        accepted=False,
        reason=reason,
        recorded_by=user,
        idempotency_key=scan.idempotency_key,
        offline=True,
        synced_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            visit.save(force_insert=True)
    except IntegrityError:
        return verdict_replayed(service, scan.idempotency_key)
    return Verdict(visit)


def _refusal_sentences() -> dict[str, str]:
    """Every refusal code a scan may give, with its sentence in the active language."""
    return {**refusal_messages(), **counter_refusal_messages()}
