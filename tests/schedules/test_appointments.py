"""Appointments at sessions by appointment: slots, the booking rules and their codes,
cancelling, the household page's section, and the last place under concurrency."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from comptoir.errors import ErrorKind
from network.models import AuditEntry
from passes.services import pass_issue, pass_suspend
from schedules.models import Appointment, Closure, OpeningRule
from schedules.selectors import appointment_slots, appointments_for_day
from schedules.services import ScheduleRefused, appointment_book, appointment_cancel
from tests.factories import assess, convention_make, household_make, organisation
from tests.passes.test_concurrency import run_together

BRUSSELS = ZoneInfo("Europe/Brussels")
TODAY = date(2026, 11, 30)  # a Monday


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def _a_monday_morning():
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=BRUSSELS), tick=False):
        yield


@pytest.fixture
def friday_rule(service_s):
    """Fridays 09:00–12:00 by appointment: twelve slots of 15 minutes, two households each."""
    return OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=WEEKLY;BYDAY=FR",
        starts_at=time(9),
        ends_at=time(12),
        by_appointment=True,
        slot_minutes=15,
        slot_capacity=2,
    )


@pytest.fixture
def convention(partner_a, service_s):
    return convention_make(partner_a, [service_s], max_active_passes=20)


def household_with_pass(worker, partner, convention, first_name=""):
    household = household_make(worker, partner, first_name=first_name)
    assess(worker, household)
    pass_issue(actor=worker, household=household, convention=convention, today=TODAY)
    return household


@pytest.fixture
def household(social_worker_a, partner_a, convention, friday_rule):
    return household_with_pass(social_worker_a, partner_a, convention, first_name="Amina")


def book(user, household, service, starts_at):
    return appointment_book(user=user, household=household, service=service, starts_at=starts_at)


def refusal_code(user, household, service, starts_at) -> str:
    with pytest.raises(ScheduleRefused) as refused:
        book(user, household, service, starts_at)
    return refused.value.code


# --- the happy path ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_social_worker_books_a_free_slot(social_worker_a, household, service_s):
    appointment = book(social_worker_a, household, service_s, at(4, 9, 15))
    assert (appointment.service, appointment.household, appointment.booked_by) == (
        service_s,
        household,
        social_worker_a,
    )
    assert appointment.starts_at == at(4, 9, 15)
    entry = AuditEntry.objects.get(action="appointment.book")
    assert entry.target_id == str(appointment.pk)
    assert "Amina" not in str(entry.detail)
    slots = {s.starts: s for s in appointment_slots(service=service_s, start_day=TODAY, days=7)}
    assert (slots[at(4, 9, 15)].free, slots[at(4, 9)].free) == (1, 2)


@pytest.mark.django_db
def test_the_counter_sees_first_names_and_times_only(
    social_worker_a, partner_a, household, service_s, convention
):
    other = household_with_pass(social_worker_a, partner_a, convention, first_name="Bruno")
    book(social_worker_a, other, service_s, at(4, 10, 30))
    book(social_worker_a, household, service_s, at(4, 9, 45))
    cancelled = household_with_pass(social_worker_a, partner_a, convention, first_name="Zoé")
    appointment_cancel(
        user=social_worker_a, appointment=book(social_worker_a, cancelled, service_s, at(4, 9))
    )
    day = appointments_for_day(service=service_s, day=date(2026, 12, 4))
    assert [(a["starts_at"], a["household__first_name"]) for a in day] == [
        (at(4, 9, 45), "Amina"),
        (at(4, 10, 30), "Bruno"),
    ]
    assert all(set(a) == {"pk", "starts_at", "household__first_name"} for a in day)
    assert appointments_for_day(service=service_s, day=date(2026, 12, 11)) == []


@pytest.mark.django_db
def test_slots_of_the_next_three_weeks_leave_out_holidays_closures_and_full_slots(
    social_worker_a, partner_a, household, service_s, convention
):
    slots = appointment_slots(service=service_s, start_day=TODAY, days=21)
    # Fridays 4, 11 and 18 December, twelve slots each from 09:00 to 11:45.
    assert sorted({s.day for s in slots}) == [
        date(2026, 12, 4),
        date(2026, 12, 11),
        date(2026, 12, 18),
    ]
    assert len(slots) == 36
    assert slots[0].starts == at(4, 9) and slots[11].starts == at(4, 11, 45)
    assert slots[11].ends == at(4, 12)
    # Christmas Day is a Friday and a public holiday.
    later = appointment_slots(service=service_s, start_day=date(2026, 12, 21), days=7)
    assert later == []
    Closure.objects.create(
        service=service_s, starts_on=date(2026, 12, 11), ends_on=date(2026, 12, 11)
    )
    for first_name in ("Chloé", "David"):
        other = household_with_pass(social_worker_a, partner_a, convention, first_name=first_name)
        book(social_worker_a, other, service_s, at(4, 9))
    slots = appointment_slots(service=service_s, start_day=TODAY, days=21)
    assert len(slots) == 23
    assert at(4, 9) not in {s.starts for s in slots}
    assert date(2026, 12, 11) not in {s.day for s in slots}


@pytest.mark.django_db
def test_a_household_is_offered_no_other_slot_in_a_session_it_booked(
    social_worker_a, household, service_s
):
    book(social_worker_a, household, service_s, at(4, 11))
    mine = appointment_slots(service=service_s, start_day=TODAY, days=21, household=household)
    assert date(2026, 12, 4) not in {s.day for s in mine}
    assert len(mine) == 24


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "starts_at",
    [
        at(4, 9, 7),  # between two slots
        at(4, 12),  # the end of the session
        at(4, 8, 45),  # before the session
        at(3, 9),  # a Thursday: no session
    ],
)
def test_a_moment_that_is_not_a_slot_is_refused(social_worker_a, household, service_s, starts_at):
    assert refusal_code(social_worker_a, household, service_s, starts_at) == "not_a_slot"


@pytest.mark.django_db
def test_a_session_that_is_not_by_appointment_has_no_slots(social_worker_a, household, service_s):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=TU", starts_at=time(9), ends_at=time(12)
    )
    assert refusal_code(social_worker_a, household, service_s, at(1, 9)) == "not_a_slot"


@pytest.mark.django_db
def test_a_past_slot_is_refused(social_worker_a, household, service_s):
    assert refusal_code(social_worker_a, household, service_s, at(27, 9, month=11)) == "in_the_past"


@pytest.mark.django_db
def test_a_slot_on_a_public_holiday_or_a_closure_is_refused(social_worker_a, household, service_s):
    assert refusal_code(social_worker_a, household, service_s, at(25, 9)) == "session_cancelled"
    Closure.objects.create(
        service=service_s, starts_on=date(2026, 12, 11), ends_on=date(2026, 12, 11), reason="Grève"
    )
    with pytest.raises(ScheduleRefused) as refused:
        book(social_worker_a, household, service_s, at(11, 9))
    assert refused.value.code == "session_cancelled"
    assert "Grève" in refused.value.message


@pytest.mark.django_db
def test_a_household_without_a_valid_pass_for_that_service_and_day_is_refused(
    social_worker_a, partner_a, household, service_s, friday_rule
):
    without_pass = household_make(social_worker_a, partner_a)
    assert refusal_code(social_worker_a, without_pass, service_s, at(4, 9)) == "no_valid_pass"
    # A pass that ends before the slot.
    short = convention_make(partner_a, [service_s], max_pass_days=7)
    short_pass = household_make(social_worker_a, partner_a)
    assess(social_worker_a, short_pass)
    pass_issue(actor=social_worker_a, household=short_pass, convention=short, today=TODAY)
    assert book(social_worker_a, short_pass, service_s, at(4, 9))
    assert refusal_code(social_worker_a, short_pass, service_s, at(11, 9)) == "no_valid_pass"
    # A pass for another service only.
    coop = organisation(kind="service", name="Coop C", slug="coop-c", service_kind="coop")
    elsewhere = household_make(social_worker_a, partner_a)
    assess(social_worker_a, elsewhere)
    pass_issue(
        actor=social_worker_a,
        household=elsewhere,
        convention=convention_make(partner_a, [coop]),
        today=TODAY,
    )
    assert refusal_code(social_worker_a, elsewhere, service_s, at(4, 9)) == "no_valid_pass"
    # A suspended pass.
    pass_suspend(actor=social_worker_a, access_pass=household.passes.get(), reason="Absent")
    assert refusal_code(social_worker_a, household, service_s, at(4, 9)) == "no_valid_pass"


@pytest.mark.django_db
def test_one_appointment_per_household_and_session(social_worker_a, household, service_s):
    book(social_worker_a, household, service_s, at(4, 9))
    assert refusal_code(social_worker_a, household, service_s, at(4, 9)) == "already_booked"
    assert refusal_code(social_worker_a, household, service_s, at(4, 11, 30)) == "already_booked"
    # Another session is another matter.
    assert book(social_worker_a, household, service_s, at(11, 9))


@pytest.mark.django_db
def test_a_full_slot_is_refused(social_worker_a, partner_a, household, service_s, convention):
    for _ in range(2):
        other = household_with_pass(social_worker_a, partner_a, convention)
        book(social_worker_a, other, service_s, at(4, 10))
    assert refusal_code(social_worker_a, household, service_s, at(4, 10)) == "slot_full"
    assert Appointment.objects.filter(starts_at=at(4, 10)).count() == 2


@pytest.mark.django_db
def test_only_the_households_partner_may_book_or_cancel(
    social_worker_a, social_worker_b, volunteer_s, manager_s, household, service_s
):
    for outsider in (social_worker_b, volunteer_s, manager_s):
        with pytest.raises(ScheduleRefused) as refused:
            book(outsider, household, service_s, at(4, 9))
        assert (refused.value.code, refused.value.kind) == ("not_allowed", ErrorKind.FORBIDDEN)
    appointment = book(social_worker_a, household, service_s, at(4, 9))
    with pytest.raises(ScheduleRefused) as refused:
        appointment_cancel(user=social_worker_b, appointment=appointment)
    assert refused.value.code == "not_allowed"


# --- cancelling ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancelling_frees_the_place_and_is_idempotent(
    social_worker_a, partner_head_a, household, service_s
):
    appointment = book(social_worker_a, household, service_s, at(4, 9))
    cancelled = appointment_cancel(user=partner_head_a, appointment=appointment)
    assert cancelled.cancelled_at is not None
    again = appointment_cancel(user=partner_head_a, appointment=appointment)
    assert again.cancelled_at == cancelled.cancelled_at
    assert AuditEntry.objects.filter(action="appointment.cancel").count() == 1
    # The household may book the same slot again.
    assert book(social_worker_a, household, service_s, at(4, 9))


@pytest.mark.django_db
def test_a_past_appointment_cannot_be_cancelled(social_worker_a, household, service_s):
    appointment = book(social_worker_a, household, service_s, at(4, 9))
    with time_machine.travel(at(4, 9, 30), tick=False), pytest.raises(ScheduleRefused) as refused:
        appointment_cancel(user=social_worker_a, appointment=appointment)
    assert refused.value.code == "in_the_past"


# --- the household page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_household_page_offers_free_slots_and_books_one(
    client, social_worker_a, household, service_s
):
    client.force_login(social_worker_a)
    page = client.get(f"/households/{household.pk}/")
    html = page.content.decode()
    assert "Prendre rendez-vous" in html
    assert f'value="{at(4, 9).isoformat()}"' in html
    assert f'value="{at(25, 9).isoformat()}"' not in html  # Christmas
    data = {"service": service_s.pk, "starts_at": at(4, 9, 30).isoformat()}
    response = client.post(f"/households/{household.pk}/appointments/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/households/{household.pk}/#appointments"
    appointment = Appointment.objects.get()
    assert appointment.starts_at == at(4, 9, 30)
    html = client.get(f"/households/{household.pk}/").content.decode()
    assert f'action="/appointments/{appointment.pk}/cancel/"' in html
    # The slots of that session are no longer offered to this household.
    assert f'value="{at(4, 9).isoformat()}"' not in html


@pytest.mark.django_db
def test_booking_through_htmx_answers_the_section_and_a_refusal_beside_the_select(
    client, social_worker_a, partner_a, household, service_s, convention
):
    client.force_login(social_worker_a)
    url = f"/households/{household.pk}/appointments/"
    data = {"service": service_s.pk, "starts_at": at(4, 9).isoformat()}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel" id="appointments">')
    assert "Rendez-vous pris" in html
    other = household_with_pass(social_worker_a, partner_a, convention)
    response = client.post(
        f"/households/{other.pk}/appointments/",
        {"service": service_s.pk, "starts_at": at(4, 9, 5).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "n&#x27;est pas un créneau" in response.content.decode()
    response = client.post(
        f"/households/{other.pk}/appointments/", {"service": service_s.pk, "starts_at": ""}
    )
    assert response.status_code == 422
    assert "Choisissez un créneau" in response.content.decode()
    cancel = client.post(
        f"/appointments/{Appointment.objects.get().pk}/cancel/", HTTP_HX_REQUEST="true"
    )
    assert cancel.status_code == 200
    assert "Rendez-vous annulé" in cancel.content.decode()
    assert Appointment.objects.get().cancelled_at is not None


@pytest.mark.django_db
def test_another_partners_household_and_appointment_answer_404(
    client, social_worker_a, social_worker_b, household, service_s
):
    appointment = book(social_worker_a, household, service_s, at(4, 9))
    client.force_login(social_worker_b)
    data = {"service": service_s.pk, "starts_at": at(4, 10).isoformat()}
    assert client.post(f"/households/{household.pk}/appointments/", data).status_code == 404
    assert client.post(f"/appointments/{appointment.pk}/cancel/").status_code == 404
    assert Appointment.objects.filter(cancelled_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_volunteers_and_managers_cannot_reach_the_booking_views(
    client, volunteer_s, manager_s, household, service_s
):
    data = {"service": service_s.pk, "starts_at": at(4, 10).isoformat()}
    for person in (volunteer_s, manager_s):
        client.force_login(person)
        assert client.post(f"/households/{household.pk}/appointments/", data).status_code == 403
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_no_booking_section_without_sessions_by_appointment(
    client, social_worker_a, partner_a, convention, service_s
):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=TH", starts_at=time(14), ends_at=time(16)
    )
    household = household_with_pass(social_worker_a, partner_a, convention)
    client.force_login(social_worker_a)
    html = client.get(f"/households/{household.pk}/").content.decode()
    assert "Prendre rendez-vous" not in html


# --- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_last_places_of_a_slot_go_to_exactly_as_many_requests(
    postgres, social_worker_a, partner_a, service_s, friday_rule
):
    convention = convention_make(partner_a, [service_s], max_active_passes=50)
    households = [household_with_pass(social_worker_a, partner_a, convention) for _ in range(8)]

    for round_number, day in enumerate((4, 11, 18)):
        starts_at = at(day, 9) + timedelta(minutes=15 * round_number)

        def attempt(index: int, starts_at=starts_at) -> str:
            try:
                book(social_worker_a, households[index], service_s, starts_at)
            except ScheduleRefused as refusal:
                return refusal.code
            return "booked"

        outcomes = run_together(8, attempt)
        assert outcomes.count("booked") == 2, (round_number, outcomes)
        assert set(outcomes) <= {"booked", "slot_full"}, outcomes
        assert Appointment.objects.filter(starts_at=starts_at).count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_household_booking_several_slots_at_once_gets_one(
    postgres, social_worker_a, partner_a, service_s, friday_rule
):
    convention = convention_make(partner_a, [service_s])
    household = household_with_pass(social_worker_a, partner_a, convention)

    def attempt(index: int) -> str:
        try:
            book(social_worker_a, household, service_s, at(4, 9) + timedelta(minutes=15 * index))
        except ScheduleRefused as refusal:
            return refusal.code
        return "booked"

    outcomes = run_together(6, attempt)
    assert outcomes.count("booked") == 1, outcomes
    assert set(outcomes) <= {"booked", "already_booked"}, outcomes
    assert Appointment.objects.filter(household=household).count() == 1
