"""Opening hours on real calendar dates: nth weekdays, exceptions, closures, public
holidays of Belgium and France, and daylight-saving change days (Europe/Brussels)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from schedules.models import Closure, OpeningRule
from schedules.selectors import (
    cancelled_sessions,
    opening_sessions_between,
    session_open_at,
)
from tests.factories import organisation

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS)


@pytest.fixture
def shop(db):
    return organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")


def rule(service, recurrence, start=(14, 0), end=(17, 30), **kw):
    return OpeningRule.objects.create(
        service=service,
        recurrence=recurrence,
        starts_at=time(*start),
        ends_at=time(*end),
        **kw,
    )


def days(service, first: date, last: date, **kw) -> list[date]:
    sessions = opening_sessions_between(
        service=service, start=at(first), end=at(last, 23, 59), **kw
    )
    return [s.starts.date() for s in sessions]


def test_the_first_and_third_thursdays_of_the_month(shop):
    rule(shop, "FREQ=MONTHLY;BYDAY=1TH,3TH")
    assert days(shop, date(2026, 10, 1), date(2026, 12, 31)) == [
        date(2026, 10, 1),
        date(2026, 10, 15),
        date(2026, 11, 5),
        date(2026, 11, 19),
        date(2026, 12, 3),
        date(2026, 12, 17),
    ]


def test_wednesdays_but_never_the_fifth_wednesday_of_a_month(shop):
    rule(shop, "RRULE:FREQ=WEEKLY;BYDAY=WE\nEXRULE:FREQ=MONTHLY;BYDAY=5WE", (8, 30), (13, 0))
    september = days(shop, date(2026, 9, 1), date(2026, 9, 30))
    # September 2026 has five Wednesdays: the 30th is the fifth.
    assert september == [date(2026, 9, 2), date(2026, 9, 9), date(2026, 9, 16), date(2026, 9, 23)]


def test_monday_morning_and_afternoon_sessions_are_two_sessions(shop):
    rule(shop, "FREQ=WEEKLY;BYDAY=MO", (8, 30), (11, 30))
    rule(shop, "FREQ=WEEKLY;BYDAY=MO", (13, 0), (16, 0))
    monday = date(2026, 11, 23)
    assert session_open_at(service=shop, moment=at(monday, 10)) is not None
    assert session_open_at(service=shop, moment=at(monday, 12)) is None
    assert session_open_at(service=shop, moment=at(monday, 15, 59)) is not None
    assert session_open_at(service=shop, moment=at(monday, 16)) is None


def test_belgian_public_holidays_cancel_the_session_with_their_name(shop):
    rule(shop, "FREQ=WEEKLY;BYDAY=TH")
    # Ascension Day 2026 is Thursday 14 May (Easter on 5 April).
    assert date(2026, 5, 14) not in days(shop, date(2026, 5, 1), date(2026, 5, 31))
    with translation.override("fr"):
        cancelled = cancelled_sessions(service=shop, now=at(date(2026, 5, 1)), days=30)
    assert [s.starts.date() for s in cancelled] == [date(2026, 5, 14)]
    assert "Ascension" in cancelled[0].cancelled_reason


def test_a_rule_may_open_on_public_holidays(shop):
    rule(shop, "FREQ=WEEKLY;BYDAY=TH", closes_on_public_holidays=False)
    assert date(2026, 5, 14) in days(shop, date(2026, 5, 1), date(2026, 5, 31))


def test_a_french_service_follows_french_holidays_not_belgian_ones(shop):
    shop.country = "FR"
    shop.save()
    rule(shop, "FREQ=WEEKLY;BYDAY=TU,FR")
    may, july = (
        days(shop, date(2026, 5, 1), date(2026, 5, 31)),
        days(shop, date(2026, 7, 1), date(2026, 7, 31)),
    )
    assert date(2026, 5, 8) not in may  # Victoire 1945, French only
    assert date(2026, 7, 14) not in july  # Fête nationale française (a Tuesday)
    assert date(2026, 7, 21) in july  # the Belgian national day is a working day in France


def test_a_summer_closure_and_a_single_closed_day(shop):
    rule(shop, "FREQ=WEEKLY;BYDAY=TU")
    Closure.objects.create(
        service=shop, starts_on=date(2026, 7, 27), ends_on=date(2026, 8, 16), reason="Congé d'été"
    )
    Closure.objects.create(service=shop, starts_on=date(2026, 9, 8), ends_on=date(2026, 9, 8))
    open_days = days(shop, date(2026, 7, 20), date(2026, 9, 15))
    assert open_days == [
        # 21 July is the Belgian national day.
        date(2026, 8, 18),
        date(2026, 8, 25),
        date(2026, 9, 1),
        date(2026, 9, 15),
    ]
    cancelled = opening_sessions_between(
        service=shop, start=at(date(2026, 7, 20)), end=at(date(2026, 9, 15)), include_cancelled=True
    )
    reasons = {s.starts.date(): s.cancelled_reason for s in cancelled if s.cancelled_reason}
    assert reasons[date(2026, 8, 4)] == "Congé d'été"
    assert reasons[date(2026, 9, 8)] == "-"


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 22), 9),  # winter time, UTC+1
        (date(2026, 3, 29), 8),  # the clocks go forward that night: UTC+2
        (date(2026, 10, 25), 9),  # the clocks go back that night: UTC+1 again
    ],
)
def test_sessions_keep_their_wall_clock_time_across_daylight_saving_changes(shop, day, utc_hour):
    rule(shop, "FREQ=WEEKLY;BYDAY=SU", (10, 0), (12, 0))
    (session,) = opening_sessions_between(service=shop, start=at(day), end=at(day, 23))
    assert session.starts.astimezone(BRUSSELS).time() == time(10, 0)
    assert session.starts.astimezone(UTC).hour == utc_hour
    assert (session.ends - session.starts).total_seconds() == 2 * 3600


def test_the_public_page_shows_the_next_sessions_without_login(client, shop):
    rule(shop, "FREQ=WEEKLY;BYDAY=TH", (14, 0), (16, 0))
    response = client.get("/services/epicerie-t/")
    assert response.status_code == 200
    assert "14:00–16:00" in response.content.decode()
    assert client.get("/services/nope/").status_code == 404
