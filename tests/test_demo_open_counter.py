"""Whatever the moment of the first run, the demo names an open counter, its volunteer
login and cards that the counter accepts there and then; and so it does for the food-aid
point, the social restaurant, the vestiaire and Article 27."""

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from counter.services import UseRecorded, visit_record
from demo.namur.open_counter import try_now
from foodaid.services import distribution_record
from network.models import Membership, Organisation, User
from passes.models import Household
from schedules.models import OpeningRule
from schedules.selectors import counter_schedules_forget, session_open_at

BRUSSELS = ZoneInfo("Europe/Brussels")
CODE = r"[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}"


def moment(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


def demo_load_now(capsys) -> tuple[Organisation, User, list[tuple[str, str]], str]:
    """Run demo_load; return the counter, the volunteer and the cards it printed."""
    call_command("demo_load")
    out = capsys.readouterr().out
    counter = re.search(r"^Open now: (.+)\.$", out, re.MULTILINE)
    volunteer = re.search(r"Log in as (\S+) \(password ", out)
    cards = re.findall(rf"^    (\S.*?) +({CODE})$", out, re.MULTILINE)
    assert counter and volunteer and cards, out
    return (
        Organisation.objects.get(name=counter.group(1)),
        User.objects.get(username=volunteer.group(1)),
        cards,
        out,
    )


def scan(service: Organisation, user: User, code: str, key: str):
    return visit_record(text=code, service=service, user=user, idempotency_key=key)


@pytest.mark.parametrize(
    "when",
    [
        moment(2026, 3, 3, 12, 37),  # a Tuesday, just after La Fourmi's real session
        moment(2026, 3, 8, 3, 0),  # a Sunday night
        moment(2026, 7, 21, 10, 0),  # Belgian national day, a Tuesday of real sessions
        moment(2026, 1, 1, 0, 0, 30),  # New Year's Day, the conventions' first minute
        moment(2026, 3, 4, 23, 59, 30),  # the day's last minute
    ],
    ids=["tuesday-12h37", "sunday-3h", "national-day", "new-year", "23h59m30"],
)
def test_a_suggested_card_is_accepted_at_the_suggested_counter_at_any_moment(db, capsys, when):
    with time_machine.travel(when, tick=False):
        service, volunteer, cards, _out = demo_load_now(capsys)
        verdict = scan(service, volunteer, cards[0][1], "demo-first-scan")

    assert verdict.accepted, verdict.reason
    assert Membership.objects.filter(
        user=volunteer, organisation=service, role="volunteer", is_active=True
    ).exists()
    assert volunteer.memberships.count() == 1  # no choice of role at login
    assert len(cards) >= 3


def test_only_first_names_and_codes_of_households_are_printed(db, capsys):
    with time_machine.travel(moment(2026, 3, 8, 3, 0), tick=False):
        _service, _volunteer, cards, out = demo_load_now(capsys)

    first_names = set(Household.objects.values_list("first_name", flat=True))
    assert {first_name for first_name, _code in cards} <= first_names
    for household in Household.objects.all():
        assert household.last_name not in out
        assert str(household.birth_year) not in out


def test_the_demo_counter_stays_open_with_valid_cards_on_later_runs(db, capsys):
    with time_machine.travel(moment(2026, 3, 3, 12, 37), tick=False):
        service, volunteer, cards, _out = demo_load_now(capsys)
        assert scan(service, volunteer, cards[0][1], "first-run-scan").accepted
        # Later that week: the card served is not suggested again, another one works.
        served = cards[0][0]
    with time_machine.travel(moment(2026, 3, 6, 18, 0), tick=False):
        service, volunteer, cards, out = demo_load_now(capsys)
        assert served not in [first_name for first_name, _code in cards]
        assert f"this week (refused until Monday): {served}" in out
        assert scan(service, volunteer, cards[0][1], "same-week-scan").accepted
    # Months later, when the first passes have ended, and the next year: renewed cards.
    for later in (moment(2026, 11, 29, 21, 0), moment(2027, 2, 14, 8, 0)):
        with time_machine.travel(later, tick=False):
            service, volunteer, cards, _out = demo_load_now(capsys)
            assert {"Fatima", "Pieter", "Youssef"} <= {first_name for first_name, _ in cards}
            assert all(
                scan(service, volunteer, code, f"later-{code}").accepted for _, code in cards
            )


def test_the_real_sessions_alone_would_leave_these_moments_closed(db, capsys):
    """Why the demo needs its always-open counters: none of the real sessions runs then
    (Les Sauverdias, open every day of the year, serves lunch from 11:30)."""
    with time_machine.travel(moment(2026, 7, 21, 10, 0), tick=False):
        call_command("demo_load", quiet=True)
        all_day = OpeningRule.objects.filter(starts_at=time(0, 0), ends_at=time(23, 59, 59))
        assert set(all_day.values_list("service__slug", flat=True)) == {
            "la-fourmi",
            "saint-vincent-jambes",
            "les-sauverdias",
            "vestiaire-soeurs-charite",
            "article-27-namur",
        }
        all_day.delete()
        counter_schedules_forget()
        for service in Organisation.objects.filter(kind="service"):
            assert session_open_at(service=service, moment=moment(2026, 7, 21, 10, 0)) is None


def volunteer_at(service: Organisation) -> User:
    return User.objects.get(
        memberships__organisation=service,
        memberships__role="volunteer",
        memberships__is_active=True,
    )


@pytest.mark.parametrize(
    "when",
    [
        moment(2026, 3, 8, 3, 0),  # a Sunday night
        moment(2026, 7, 21, 10, 0),  # Belgian national day
        moment(2026, 1, 1, 0, 0, 30),  # New Year's Day, the conventions' first minute
        moment(2026, 10, 14, 23, 59, 30),  # the day's last minute
    ],
    ids=["sunday-3h", "national-day", "new-year", "23h59m30"],
)
def test_the_other_counters_accept_what_the_demo_suggests_at_any_moment(db, capsys, when):
    """A parcel, meals on a card and on a paper ticket, the referral, an Article 27 use."""
    with time_machine.travel(when, tick=False):
        call_command("demo_load")
        out = capsys.readouterr().out
        now = try_now()
        counters = {counter.service_kind: counter for counter in now.open_all_day}
        assert set(counters) == {"food_aid", "restaurant", "vestiaire", "other"}
        for counter in now.open_all_day:
            assert counter.name in out and counter.volunteers[0] in out
            for code in [c.code for c in counter.cards] + [v.code for v in counter.vouchers]:
                assert code in out
        services = {
            kind: Organisation.objects.get(name=counter.name) for kind, counter in counters.items()
        }

        def scan(kind: str, code: str, key: str, **extra):
            service = services[kind]
            return visit_record(
                text=code, service=service, user=volunteer_at(service), idempotency_key=key, **extra
            )

        parcel_scan = scan("food_aid", counters["food_aid"].cards[0].code, "try-the-parcel")
        assert parcel_scan.accepted, parcel_scan.reason
        given = distribution_record(
            actor=volunteer_at(services["food_aid"]),
            service=services["food_aid"],
            visit_id=parcel_scan.visit.pk,
        )
        meals = scan("restaurant", counters["restaurant"].cards[0].code, "try-meals", units=2)
        ticket = counters["restaurant"].vouchers[0]
        paper = scan("restaurant", ticket.code, "try-the-ticket")
        referral = counters["vestiaire"].vouchers[0]
        referred = scan("vestiaire", referral.code, "try-the-referral")
        use = UseRecorded(650, "Théâtre royal de Namur n° 9001")
        culture = scan("other", counters["other"].cards[0].code, "try-article-27", use=use)

    assert given.distribution.lines.exists()
    assert meals.accepted, meals.reason
    assert paper.accepted and ticket.first_name == "Jean-Pierre" and ticket.left >= 1
    assert referred.accepted and referral.covers
    assert culture.accepted, culture.reason
    assert culture.visit.amount_cents == 650
