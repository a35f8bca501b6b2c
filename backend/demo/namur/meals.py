"""The demo's social restaurant: weeks of meals served, and a sheet of paper meal tickets.

Les Sauverdias serves lunch every day. Under the CPAS convention a card allows three
meals a week for each person of the household: the volunteer scans it and says how
many meals are served now (`units`). A household without a card comes with a sheet
of paper meal tickets the CPAS gave it, one meal each.

The meals stay before the current week and month (`history_ends`), so the cards
offered to try today have their week's meals whole. Each run keeps a sheet with
tickets left, valid today, for the visitor to try.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from comptoir.errors import DomainError
from counter.models import Visit
from counter.services import visit_record
from demo.namur.history import (
    card_code,
    day_of,
    demo_passes,
    history_ends,
    local_moment,
    real_sessions,
    working_day,
)
from demo.namur.organisations import DemoNetwork
from demo.namur.stories import household_find
from network.models import Organisation, User
from passes.models import Household, Voucher
from passes.services.vouchers import meal_tickets_issue
from passes.tokens import human_code_display
from schedules.selectors import Session

RESTAURANT = "les-sauverdias"
VOLUNTEER = "benevole.sauverdias"
HISTORY_WEEKS = 6
# The household that holds a sheet of paper meal tickets: Jean-Pierre, whose pass ended
# last year; the CPAS gave him tickets for the restaurant near his home in Jambes.
SHEET_HOLDER = ("cpas-namur", "Jean-Pierre", "Lemaire")
SHEET_TICKETS = 10
SHEET_VALID_DAYS = 90
# The sheet was given this many days before the history ends, and this many were used.
SHEET_GIVEN_DAYS_BEFORE = 21
SHEET_USED = 4


def meals_load(demo: DemoNetwork) -> None:
    """The restaurant's meals the first time; on every run, a sheet to try today."""
    service = demo.orgs[RESTAURANT]
    volunteer = demo.users[VOLUNTEER]
    holder = household_find(*SHEET_HOLDER)
    if not Visit.objects.filter(service=service).exists():
        ends = history_ends(demo.today)
        served = meals_history_load(demo, service, volunteer, ends)
        if holder is not None:
            sheet_history_load(demo, service, volunteer, holder, ends)
        if not served:
            demo.notes.append(
                "the restaurant has no meals served on cards in its history: no card "
                "opening it was valid in the weeks before this week and this month."
            )
    if holder is not None:
        sheet_keep(demo, service, holder)


def meals_history_load(
    demo: DemoNetwork, service: Organisation, volunteer: User, ends: date
) -> int:
    """Most weeks each demo household with a card comes to lunch twice, the whole family
    once and fewer the other time (never more than its three meals a person); returns
    the meals served."""
    begins = ends - timedelta(weeks=HISTORY_WEEKS)
    weeks: dict[date, list[Session]] = defaultdict(list)
    for session in real_sessions(service, begins, ends):
        day = day_of(session)
        weeks[day - timedelta(days=day.weekday())].append(session)
    served = 0
    passes = demo_passes(service)
    planned = []
    for week_number, monday in enumerate(sorted(weeks)):
        sessions = weeks[monday]
        for number, access_pass in enumerate(passes):
            if (number + week_number) % 5 == 4 or len(sessions) < 2:
                continue  # a week without lunch here
            size = 1 + access_pass.household.members.count()
            first = (number + week_number) % len(sessions)
            second = (first + max(len(sessions) // 2, 1)) % len(sessions)
            for index, units in ((first, size), (second, max(size - 1, 1))):
                session = sessions[index]
                if access_pass.is_valid_on(day_of(session)):
                    arrives = session.starts + timedelta(minutes=5 + 7 * (number % 12))
                    planned.append((arrives, access_pass, units))
    for moment, access_pass, units in sorted(planned, key=lambda p: p[0]):
        verdict = visit_record(
            text=card_code(access_pass),
            service=service,
            user=volunteer,
            idempotency_key=f"demo-meal-{service.pk}-{access_pass.pk}-{moment:%Y%m%d}",
            moment=moment,
            units=units,
        )
        if verdict.accepted:
            served += units
        else:
            demo.notes.append(
                f"no meal for {access_pass.household.first_name} on {moment:%d/%m/%Y}: "
                f"{verdict.visit.reason}"
            )
    return served


def sheet_history_load(
    demo: DemoNetwork, service: Organisation, volunteer: User, holder: Household, ends: date
) -> None:
    """The sheet the CPAS gave three weeks before the history ends, and the tickets used
    since at lunch."""
    given_on = working_day(ends - timedelta(days=SHEET_GIVEN_DAYS_BEFORE))
    try:
        tickets = meal_tickets_issue(
            actor=demo.actor_for(SHEET_HOLDER[0]),
            household=holder,
            service=service,
            count=SHEET_TICKETS,
            valid_days=SHEET_VALID_DAYS,
            moment=local_moment(given_on, time(10, 0)),
        )
    except DomainError as refusal:
        demo.notes.append(f"no meal tickets for the restaurant: {refusal.code}")
        return
    lunches = real_sessions(service, given_on + timedelta(days=1), ends)
    # One lunch in four or so, from the day after the sheet was given.
    step = max(len(lunches) // SHEET_USED, 1)
    for ticket, session in zip(tickets, lunches[::step][:SHEET_USED], strict=False):
        moment = session.starts + timedelta(minutes=40)
        verdict = visit_record(
            text=human_code_display(ticket.human_code),
            service=service,
            user=volunteer,
            idempotency_key=f"demo-ticket-{ticket.pk}",
            moment=moment,
        )
        if not verdict.accepted:
            demo.notes.append(f"meal ticket refused on {moment:%d/%m/%Y}: {verdict.visit.reason}")


def sheet_tickets_left(service: Organisation, holder: Household, today: date) -> list[Voucher]:
    """The holder's meal tickets for the restaurant still good today."""
    return list(
        Voucher.objects.filter(
            kind=Voucher.Kind.MEAL,
            household=holder,
            service=service,
            used_at__isnull=True,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        ).order_by("pk")
    )


def sheet_keep(demo: DemoNetwork, service: Organisation, holder: Household) -> None:
    """A new sheet when the holder has no ticket left that is good today (a run weeks
    later, or all used by a visitor): as the CPAS would give one."""
    if sheet_tickets_left(service, holder, demo.today):
        return
    try:
        with transaction.atomic():
            meal_tickets_issue(
                actor=demo.actor_for(SHEET_HOLDER[0]),
                household=holder,
                service=service,
                count=SHEET_TICKETS,
                valid_days=SHEET_VALID_DAYS,
                moment=timezone.now(),
            )
    except DomainError as refusal:
        demo.notes.append(f"no meal tickets to try at the restaurant: {refusal.code}")
