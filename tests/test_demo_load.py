"""The demo loader tells every pass story through the services, whatever the date."""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from passes.models import AccessPass, Assessment, Household, PassEvent
from schedules.models import Appointment


@pytest.mark.parametrize(
    "day",
    [date(2027, 1, 1), date(2027, 1, 6), date(2027, 2, 20), date(2027, 6, 15), date(2027, 12, 31)],
)
def test_the_demo_shows_passes_in_every_state_on_any_day(db, capsys, day):
    with time_machine.travel(day.isoformat() + " 10:00", tick=False):
        call_command("demo_load")
        first = capsys.readouterr().out
        counts = (Household.objects.count(), AccessPass.objects.count(), PassEvent.objects.count())
        call_command("demo_load")
        second = capsys.readouterr().out

    assert "Demo data loaded" in first and "Demo data already present." in second
    assert (
        Household.objects.count(),
        AccessPass.objects.count(),
        PassEvent.objects.count(),
    ) == counts
    assert Household.objects.count() == 14
    assert not Household.objects.filter(last_name_key="").exists()
    assert Household.objects.filter(language="nl").count() == 1
    assert Household.objects.filter(language="en").count() == 1
    outcomes = set(Assessment.objects.values_list("outcome", flat=True))
    assert outcomes == {"granted", "refused", "referred"}
    statuses = set(AccessPass.objects.values_list("status", flat=True))
    assert {"active", "suspended", "revoked", "expired"} <= statuses
    assert PassEvent.objects.filter(action="renew").count() == 1
    replaced = AccessPass.objects.get(events__action="replace")
    assert replaced.card_version == 2
    assert replaced.cards.filter(retired_at__isnull=False).count() == 1
    ending_soon = [
        p
        for p in AccessPass.objects.filter(status="active")
        if 0 <= (p.valid_until - day).days <= 10
    ]
    assert len(ending_soon) >= 2
    expired_this_year = AccessPass.objects.filter(status="expired", valid_until__year=day.year)
    if (day - date(day.year, 1, 1)).days >= 10:
        assert expired_this_year.exists()
    else:
        assert "Note: " in first
    assert "Households: 14" in second and "Passes: " in second
    # La Cigogne's Monday session is by appointment: two households are booked into it
    # (in late December the next Monday is beyond this year's conventions).
    booked = Appointment.objects.filter(service__slug="la-cigogne", cancelled_at=None)
    if day.month < 12:
        assert booked.count() == 2
        assert {a.starts_at.weekday() for a in booked} == {0}
