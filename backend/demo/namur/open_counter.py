"""The demo counter open at any hour, and the cards to try there now.

The real sessions of the demo network leave most hours closed (a Tuesday at
12:37, any Sunday, a public holiday): a first visitor would only ever see
« counter closed ». So, for the demo only, La Fourmi also opens every day from
00:00:00 to 23:59:59, public holidays included, beside its real sessions; and
on every run the passes of a few of its households are renewed if they no
longer cover the day (a run months later, or next year). The command then
prints the counter, its volunteer's login, and cards not yet served this week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from comptoir.dates import local_midnight
from comptoir.errors import DomainError
from counter.models import Visit
from demo.namur.data import OPEN_COUNTER, OPEN_COUNTER_VOLUNTEER, SERVICES
from demo.namur.organisations import DemoNetwork
from demo.namur.stories import household_find
from demo.world import assessment_make, counter_open_all_day
from network.models import Membership, Organisation, Role
from passes import services as passes
from passes.models import AccessPass, Assessment, Household, PassCard
from passes.tokens import human_code_display
from schedules.selectors import session_open_at

# Households whose cards are kept valid at the open counter: (partner, first name, last name).
KEPT_VALID = [
    ("cpas-namur", "Fatima", "El Amrani"),
    ("cpas-namur", "Pieter", "Janssens"),
    ("cpas-namur", "Youssef", "Benali"),
]
KEEP_NOTES = "Entretien de renouvellement (démonstration) : situation inchangée."
KEEP_REASON = "Démonstration : situation inchangée, accès-pass prolongé pour la nouvelle période."
CARDS_SHOWN = 4


@dataclass(frozen=True)
class CardToTry:
    first_name: str
    code: str  # as printed on the card: « K7M-4QX-P9A »


@dataclass(frozen=True)
class CounterNow:
    name: str
    volunteers: tuple[str, ...]
    by_appointment: bool = False


@dataclass(frozen=True)
class TryNow:
    """The counter to try at `moment`, cards it accepts, and the other demo counters open."""

    counter: CounterNow
    cards: tuple[CardToTry, ...]
    served_this_week: tuple[str, ...]  # first names only
    also_open: tuple[CounterNow, ...]


def open_counter_load(demo: DemoNetwork) -> None:
    """Open the demo counter at any hour and keep its households' cards valid today."""
    service = demo.orgs[OPEN_COUNTER]
    counter_open_all_day(service)
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


def try_now(*, moment: datetime | None = None) -> TryNow:
    """What a first visitor can try at `moment`: reads only."""
    moment = moment or timezone.now()
    today = timezone.localdate(moment)
    service = Organisation.objects.get(slug=OPEN_COUNTER)
    # The demo conventions allow one visit a week (Monday to Sunday) at La Fourmi.
    week_starts = local_midnight(today - timedelta(days=today.weekday()))
    served = Visit.objects.filter(
        service=service,
        access_pass=OuterRef("pk"),
        accepted=True,
        undone_at__isnull=True,
        at__gte=week_starts,
    )
    current_code = PassCard.objects.filter(
        access_pass=OuterRef("pk"), version=OuterRef("card_version")
    ).values("human_code")[:1]
    valid = (
        AccessPass.objects.filter(
            status=AccessPass.Status.ACTIVE,
            valid_from__lte=today,
            valid_until__gte=today,
            convention__ends_on__gte=today,
            services=service,
        )
        .annotate(code=Subquery(current_code), served=Exists(served))
        .select_related("household")
        .order_by("-valid_until", "pk")
    )
    cards = [p for p in valid if not p.served and p.code][:CARDS_SHOWN]
    return TryNow(
        counter=CounterNow(service.name, (OPEN_COUNTER_VOLUNTEER,)),
        cards=tuple(CardToTry(p.household.first_name, human_code_display(p.code)) for p in cards),
        served_this_week=tuple(p.household.first_name for p in valid if p.served),
        also_open=tuple(_also_open(moment)),
    )


def _also_open(moment: datetime) -> list[CounterNow]:
    """The other demo counters in session at `moment`, with their volunteers' logins."""
    found = []
    slugs = [spec.slug for spec in SERVICES if spec.slug != OPEN_COUNTER]
    for service in Organisation.objects.filter(slug__in=slugs).order_by("name"):
        session = session_open_at(service=service, moment=moment)
        if session is None:
            continue
        volunteers = Membership.objects.filter(
            organisation=service, role=Role.VOLUNTEER, is_active=True
        ).values_list("user__username", flat=True)
        found.append(CounterNow(service.name, tuple(sorted(volunteers)), session.by_appointment))
    return found
