"""The demo counters open at any hour, and what to try there now.

The real sessions of the demo network leave most hours closed (a Tuesday at
12:37, any Sunday, a public holiday): a first visitor would only ever see
« counter closed ». So, for the demo only, La Fourmi also opens every day from
00:00:00 to 23:59:59, public holidays included, beside its real sessions, and so
do the food-aid point, the social restaurant, the vestiaire and Article 27; on
every run the passes of a few households are renewed if they no longer cover the
day (a run months later, or next year). The command then prints each of these
counters, its volunteer's login, and the cards (or vouchers) it accepts now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from comptoir.dates import local_midnight
from comptoir.errors import DomainError
from counter.models import Visit
from counter.verdict import period_window
from demo.namur.data import ALSO_OPEN_ALL_DAY, OPEN_COUNTER, OPEN_COUNTER_VOLUNTEER, SERVICES
from demo.namur.meals import SHEET_HOLDER, sheet_tickets_left
from demo.namur.organisations import DemoNetwork
from demo.namur.referrals import referrals_to_try
from demo.namur.stories import household_find
from demo.world import assessment_make, counter_open_all_day
from network.models import Membership, Organisation, Role
from network.rules import RuleKind
from passes import services as passes
from passes.models import AccessPass, Assessment, Household, PassCard
from passes.tokens import human_code_display
from schedules.selectors import session_open_at

# Households whose cards are kept valid at the counters open at any hour (their CPAS
# convention opens them all): (partner, first name, last name).
KEPT_VALID = [
    ("cpas-namur", "Fatima", "El Amrani"),
    ("cpas-namur", "Pieter", "Janssens"),
    ("cpas-namur", "Youssef", "Benali"),
]
KEEP_NOTES = "Entretien de renouvellement (démonstration) : situation inchangée."
KEEP_REASON = "Démonstration : situation inchangée, accès-pass prolongé pour la nouvelle période."
CARDS_SHOWN = 4
# At the other counters open at any hour: a few cards each.
OTHER_CARDS_SHOWN = 3


@dataclass(frozen=True)
class CardToTry:
    first_name: str
    code: str  # as printed on the card: « K7M-4QX-P9A »


@dataclass(frozen=True)
class VoucherToTry:
    """A referral or a paper meal ticket good now: its holder's first name and its code."""

    first_name: str
    code: str
    valid_until: date
    covers: str = ""  # what a referral covers
    left: int = 1  # the tickets of a meal sheet still good, this one included


@dataclass(frozen=True)
class CounterNow:
    name: str
    volunteers: tuple[str, ...]
    by_appointment: bool = False


@dataclass(frozen=True)
class CounterToTry:
    """Another counter open at any hour in the demo, with what it accepts now."""

    name: str
    service_kind: str
    volunteers: tuple[str, ...]
    managers: tuple[str, ...]
    cards: tuple[CardToTry, ...]
    vouchers: tuple[VoucherToTry, ...] = ()


@dataclass(frozen=True)
class TryNow:
    """The counter to try at `moment`, cards it accepts, the other counters open at any
    hour with what they accept, and the other demo counters in session."""

    counter: CounterNow
    cards: tuple[CardToTry, ...]
    served_this_week: tuple[str, ...]  # first names only
    also_open: tuple[CounterNow, ...]
    open_all_day: tuple[CounterToTry, ...] = ()


def open_counter_load(demo: DemoNetwork) -> None:
    """Open the demo counters at any hour and keep some households' cards valid today."""
    service = demo.orgs[OPEN_COUNTER]
    for slug in (OPEN_COUNTER, *ALSO_OPEN_ALL_DAY):
        counter_open_all_day(demo.orgs[slug])
    for partner_slug, first_name, last_name in KEPT_VALID:
        household = household_find(partner_slug, first_name, last_name)
        if household is not None:
            card_keep_valid(household, service, demo)


def card_keep_valid(household: Household, service: Organisation, demo: DemoNetwork) -> None:
    """Renew the household's pass when time alone made it unusable at `service` today.

    A pass someone suspended or revoked in the demo is left as they chose, and so is
    a household whose latest assessment did not grant a pass. The renewal follows a
    new assessment (granted, today), as a social worker's would.
    """
    latest = household.passes.order_by("-pk").first()
    if latest is None or latest.status in (AccessPass.Status.SUSPENDED, AccessPass.Status.REVOKED):
        return
    if latest.is_valid_on(demo.today) and latest.services.filter(pk=service.pk).exists():
        return
    assessment = household.assessments.order_by("-assessed_on", "-pk").first()
    if assessment is None or assessment.outcome != Assessment.Outcome.GRANTED:
        return
    convention = demo.conventions[household.partner.slug]
    actor = demo.actor_for(household.partner.slug)
    try:
        with transaction.atomic():
            assessment_make(
                actor=actor, household=household, on=demo.today, notes=KEEP_NOTES, today=demo.today
            )
            passes.pass_renew(
                actor=actor,
                access_pass=latest,
                reason=KEEP_REASON,
                convention=convention,
                services=list(convention.services.all()),
                today=demo.today,
            )
    except DomainError as refusal:
        demo.notes.append(f"{household.first_name}'s card not renewed: {refusal.code}")


def _cards_valid_here(service: Organisation, today: date) -> list[tuple[AccessPass, str]]:
    """The passes good at `service` today, each with its current card's code as printed
    (two queries)."""
    passes = list(
        AccessPass.objects.filter(
            status=AccessPass.Status.ACTIVE,
            valid_from__lte=today,
            valid_until__gte=today,
            convention__ends_on__gte=today,
            services=service,
        )
        .select_related("household")
        .order_by("-valid_until", "pk")
    )
    codes = dict(
        PassCard.objects.filter(
            access_pass__in=passes, version=F("access_pass__card_version")
        ).values_list("access_pass_id", "human_code")
    )
    return [(p, human_code_display(codes[p.pk])) for p in passes if p.pk in codes]


def try_now(*, moment: datetime | None = None) -> TryNow:
    """What a first visitor can try at `moment`: reads only."""
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    service = Organisation.objects.get(slug=OPEN_COUNTER)
    valid = _cards_valid_here(service, today)
    # The demo conventions allow one visit a week (Monday to Sunday) at La Fourmi.
    week_starts = local_midnight(today - timedelta(days=today.weekday()))
    served = set(
        Visit.objects.filter(
            service=service,
            access_pass__in=[p for p, _code in valid],
            accepted=True,
            undone_at__isnull=True,
            at__gte=week_starts,
        ).values_list("access_pass_id", flat=True)
    )
    cards = [(p, code) for p, code in valid if p.pk not in served][:CARDS_SHOWN]
    return TryNow(
        counter=CounterNow(service.name, (OPEN_COUNTER_VOLUNTEER,)),
        cards=tuple(CardToTry(p.household.first_name, code) for p, code in cards),
        served_this_week=tuple(p.household.first_name for p, _code in valid if p.pk in served),
        also_open=tuple(_also_open(moment)),
        open_all_day=tuple(_counter_to_try(slug, today) for slug in ALSO_OPEN_ALL_DAY),
    )


def _logins(service: Organisation, role: str) -> tuple[str, ...]:
    return tuple(
        sorted(
            Membership.objects.filter(organisation=service, role=role, is_active=True).values_list(
                "user__username", flat=True
            )
        )
    )


def _counter_to_try(slug: str, today: date) -> CounterToTry:
    """One of the other counters open at any hour: cards with something left of their
    rules there today, and the vouchers it accepts."""
    service = Organisation.objects.get(slug=slug)
    cards: list[CardToTry] = []
    # At the vestiaire, the referral is what to try (a card works there too).
    referrals = service.service_kind == Organisation.ServiceKind.VESTIAIRE
    for access_pass, code in [] if referrals else _cards_valid_here(service, today):
        if len(cards) == OTHER_CARDS_SHOWN:
            break
        if has_something_left(access_pass, service, today):
            cards.append(CardToTry(access_pass.household.first_name, code))
    return CounterToTry(
        name=service.name,
        service_kind=service.service_kind,
        volunteers=_logins(service, Role.VOLUNTEER),
        managers=_logins(service, Role.MANAGER),
        cards=tuple(cards),
        vouchers=tuple(_vouchers_to_try(service, today)),
    )


def _vouchers_to_try(service: Organisation, today: date) -> list[VoucherToTry]:
    if service.service_kind == Organisation.ServiceKind.VESTIAIRE:
        return [
            VoucherToTry(
                v.household.first_name,
                human_code_display(v.human_code),
                v.valid_until,
                covers=v.covers,
            )
            for v in referrals_to_try(service, today)[:OTHER_CARDS_SHOWN]
        ]
    if service.service_kind == Organisation.ServiceKind.RESTAURANT:
        holder = household_find(*SHEET_HOLDER)
        tickets = sheet_tickets_left(service, holder, today) if holder else []
        if tickets:
            first = tickets[0]
            return [
                VoucherToTry(
                    first.household.first_name,
                    human_code_display(first.human_code),
                    first.valid_until,
                    left=len(tickets),
                )
            ]
    return []


def has_something_left(access_pass: AccessPass, service: Organisation, today: date) -> bool:
    """Whether each counted rule of the pass at `service` (and a cap on the amounts
    covered outside food) has something left today, as the scan would count it."""
    size = 1 + access_pass.household.members.count()
    visits = Visit.objects.filter(
        access_pass=access_pass, service=service, accepted=True, undone_at__isnull=True
    )
    amounts = service.service_kind == Organisation.ServiceKind.OTHER
    for rule in access_pass.rule_snapshots(service.pk):
        since = visits.filter(at__gte=local_midnight(period_window(rule.period, today)[0]))
        if rule.kind == RuleKind.BUDGET and amounts:
            used = since.aggregate(n=Sum("amount_cents"))["n"] or 0
            allowed = rule.budget_cents_for(size)
        elif rule.kind == RuleKind.MEAL_TICKETS:
            used = since.aggregate(n=Sum("units"))["n"] or 0
            allowed = rule.quantity_for(size)
        elif rule.counted:
            used = since.count()
            allowed = rule.quantity_for(size)
        else:
            continue
        if used >= allowed:
            return False
    return True


def _also_open(moment: datetime) -> list[CounterNow]:
    """The other demo counters in session at `moment` (those not open at any hour), with
    their volunteers' logins."""
    found = []
    slugs = [
        spec.slug
        for spec in SERVICES
        if spec.slug != OPEN_COUNTER and spec.slug not in ALSO_OPEN_ALL_DAY
    ]
    for service in Organisation.objects.filter(slug__in=slugs).order_by("name"):
        session = session_open_at(service=service, moment=moment)
        if session is None:
            continue
        volunteers = _logins(service, Role.VOLUNTEER)
        found.append(CounterNow(service.name, volunteers, session.by_appointment))
    return found
