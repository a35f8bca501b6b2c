"""What `demo_load` prints: the logins, the counter to try now, a summary of the passes."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.core.management.base import OutputWrapper
from django.core.management.color import Style
from django.utils import timezone

from demo.namur.data import DEMO_PASSWORD, OPEN_COUNTER_REAL_SESSIONS, USERS
from demo.namur.households import EXPIRING_WITHIN_DAYS
from demo.namur.open_counter import CounterToTry, TryNow
from network.models import Organisation, Role
from passes.models import AccessPass, Household, PassEvent


def logins_print(out: OutputWrapper, style: Style, created: int) -> None:
    if created:
        out.write(style.SUCCESS(f"Demo data loaded ({created} new records)."))
    else:
        out.write("Demo data already present.")
    out.write("")
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, first, last, roles, superuser in USERS:
        what = (
            "administrator (Django admin)"
            if superuser
            else ", ".join(
                f"{Role(role).name.lower().replace('_', ' ')} at {slug}" for slug, role in roles
            )
        )
        out.write(f"  {username:<22} {first} {last}: {what}")


def try_now_print(out: OutputWrapper, style: Style, now: TryNow) -> None:
    """The counter open now with its volunteer login, and cards to type there (first names
    and codes only: nothing else of a household is printed)."""
    counter = now.counter
    out.write("")
    out.write(style.SUCCESS(f"Open now: {counter.name}."))
    out.write(
        "  For the demo it is open every day, 00:00–23:59:59, public holidays included "
        f"(its real sessions: {OPEN_COUNTER_REAL_SESSIONS})."
    )
    out.write(
        f"  Log in as {', '.join(counter.volunteers)} (password {DEMO_PASSWORD}) and type "
        "a card's code:"
    )
    for card in now.cards:
        out.write(f"    {card.first_name:<12} {card.code}")
    if not now.cards:
        out.write("    (no card left to try this week)")
    if now.served_this_week:
        out.write(
            f"  Already served there this week (refused until Monday): "
            f"{', '.join(now.served_this_week)}."
        )
    for other in now.also_open:
        how = " (by appointment)" if other.by_appointment else ""
        logins = ", ".join(other.volunteers) or "no volunteer login"
        out.write(f"  Also open now{how}: {other.name} (volunteer: {logins}).")
    if now.open_all_day:
        out.write("")
        out.write(style.SUCCESS("Also open at any hour in the demo, beside their real sessions:"))
    for counter_to_try in now.open_all_day:
        counter_to_try_print(out, counter_to_try)


# What to do at each kind of counter, after logging in as its volunteer.
WHAT_TO_DO: dict[str, str] = {
    Organisation.ServiceKind.FOOD_AID: "type a card's code, then « Donner le colis »",
    Organisation.ServiceKind.RESTAURANT: (
        "type a card's code and the meals served now, or a paper meal ticket's code"
    ),
    Organisation.ServiceKind.VESTIAIRE: "type the referral's code",
    Organisation.ServiceKind.OTHER: (
        "type a card's code with the amount covered and the ticket's reference"
    ),
}


def counter_to_try_print(out: OutputWrapper, counter: CounterToTry) -> None:
    """One counter open at any hour: its logins, what to do, cards and vouchers to type
    (first names and codes only, and what a referral covers)."""
    out.write(f"  {counter.name}")
    logins = ", ".join(counter.volunteers) or "no volunteer login"
    what = WHAT_TO_DO.get(counter.service_kind, "type a card's code")
    out.write(f"    Log in as {logins} and {what}:")
    for card in counter.cards:
        out.write(f"      {card.first_name:<12} {card.code}")
    for voucher in counter.vouchers:
        until = f"{voucher.valid_until:%d/%m/%Y}"
        if voucher.covers:
            what = f"referral: {voucher.covers}, until {until}"
        else:
            what = f"meal ticket ({voucher.left} left on the sheet, until {until})"
        out.write(f"      {voucher.first_name:<12} {voucher.code}  {what}")
    if not counter.cards and not counter.vouchers:
        out.write("      (nothing left to try today)")
    if counter.managers:
        out.write(f"    Its manager: {', '.join(counter.managers)} (stock, parcel templates).")


def summary_print(out: OutputWrapper, style: Style, notes: list[str]) -> None:
    today = timezone.localdate()
    by_partner = Counter(Household.objects.values_list("partner__name", flat=True))
    out.write("")
    out.write(
        f"Households: {sum(by_partner.values())} ("
        + ", ".join(f"{name} {count}" for name, count in sorted(by_partner.items()))
        + ")"
    )
    states = Counter(p.state_on(today) for p in AccessPass.objects.all())
    soon = AccessPass.objects.filter(
        status=AccessPass.Status.ACTIVE,
        valid_from__lte=today,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS),
    ).count()
    renewed = (
        PassEvent.objects.filter(action=PassEvent.Action.RENEW)
        .values("access_pass")
        .distinct()
        .count()
    )
    replaced = (
        PassEvent.objects.filter(action=PassEvent.Action.REPLACE)
        .values("access_pass")
        .distinct()
        .count()
    )
    out.write(
        f"Passes: {sum(states.values())}: "
        + ", ".join(f"{state.replace('_', ' ')} {count}" for state, count in sorted(states.items()))
        + f"; ending within {EXPIRING_WITHIN_DAYS} days {soon}, renewed {renewed}, "
        f"card replaced {replaced}"
    )
    for note in notes:
        out.write(style.WARNING(f"Note: {note}"))
