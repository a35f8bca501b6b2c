"""Opening hours without writing RRULEs: the managers' form, its refusals, the rules it
writes on real dates, and the sentences that describe them in French and Dutch."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from comptoir.errors import ErrorKind
from network.models import AuditEntry
from schedules.forms import OpeningRuleForm
from schedules.models import Closure, OpeningRule
from schedules.selectors import counter_schedule, opening_sessions_between
from schedules.services import OpeningRuleData, ScheduleRefused, closure_add, opening_rule_save
from tests.factories import membership, organisation, user

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture(autouse=True)
def _a_monday_in_november():
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=BRUSSELS), tick=False):
        yield


@pytest.fixture
def manager(client, manager_s):
    client.force_login(manager_s)
    return client


@pytest.fixture
def other_service(db):
    return organisation(kind="service", name="Coop O", slug="coop-o", service_kind="coop")


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS)


def session_days(service, first: date, last: date) -> list[date]:
    sessions = opening_sessions_between(service=service, start=at(first), end=at(last, 23, 59))
    return [s.starts.date() for s in sessions]


def form_data(**overrides) -> dict:
    data = {
        "weekdays": ["3"],
        "frequency": "weekly",
        "weeks": [],
        "except_week": "",
        "except_weekday": "",
        "starts_at": "14:00",
        "ends_at": "17:30",
        "slot_minutes": "15",
        "slot_capacity": "1",
        "closes_on_public_holidays": "on",
        "valid_from": "2026-01-01",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rule_of(service) -> OpeningRule:
    (rule,) = OpeningRule.objects.filter(service=service)
    return rule


def describe(rule: OpeningRule, language: str) -> str:
    with translation.override(language):
        return rule.describe()


# --- the form writes rules that fall on the right days ----------------------------------


def test_the_first_and_third_thursdays_from_the_form(manager, service_s):
    response = manager.post(
        "/manage/hours/rules/new/", form_data(frequency="monthly", weeks=["1", "3"])
    )
    assert response.status_code == 302
    assert response["Location"] == "/manage/hours/"
    rule = rule_of(service_s)
    assert rule.recurrence == "FREQ=MONTHLY;BYDAY=+1TH,+3TH"
    assert session_days(service_s, date(2026, 12, 1), date(2026, 12, 31)) == [
        date(2026, 12, 3),
        date(2026, 12, 17),
    ]
    assert describe(rule, "fr") == "Le 1er et le 3e jeudi du mois, 14:00–17:30"
    assert describe(rule, "nl") == "De 1e en de 3e donderdag van de maand, 14:00–17:30"
    assert describe(rule, "en") == "The 1st and the 3rd Thursday of the month, 14:00–17:30"


def test_wednesdays_except_the_fifth_from_the_form(manager, service_s):
    data = form_data(
        weekdays=["2"], starts_at="08:30", ends_at="13:00", except_week="5", except_weekday="2"
    )
    assert manager.post("/manage/hours/rules/new/", data).status_code == 302
    rule = rule_of(service_s)
    assert rule.recurrence == "RRULE:FREQ=WEEKLY;BYDAY=WE\nEXRULE:FREQ=MONTHLY;BYDAY=+5WE"
    september = session_days(service_s, date(2026, 9, 1), date(2026, 9, 30))
    assert september == [date(2026, 9, 2), date(2026, 9, 9), date(2026, 9, 16), date(2026, 9, 23)]
    assert date(2026, 9, 30) not in september
    assert describe(rule, "fr") == "Le mercredi, 08:30–13:00, sauf le 5e mercredi du mois"
    assert describe(rule, "nl") == (
        "Elke woensdag, 08:30–13:00, behalve de 5e woensdag van de maand"
    )


def test_friday_by_appointment_from_the_form(manager, service_s):
    data = form_data(
        weekdays=["4"],
        starts_at="09:00",
        ends_at="12:00",
        by_appointment="on",
        slot_minutes="15",
        slot_capacity="2",
    )
    assert manager.post("/manage/hours/rules/new/", data).status_code == 302
    rule = rule_of(service_s)
    assert (rule.recurrence, rule.by_appointment, rule.slot_capacity) == (
        "FREQ=WEEKLY;BYDAY=FR",
        True,
        2,
    )
    (session,) = opening_sessions_between(
        service=service_s, start=at(date(2026, 12, 4)), end=at(date(2026, 12, 4), 23)
    )
    assert (session.starts, session.ends) == (at(date(2026, 12, 4), 9), at(date(2026, 12, 4), 12))
    assert session.by_appointment and session.slot_capacity == 2
    assert describe(rule, "fr") == (
        "Le vendredi, 09:00–12:00, sur rendez-vous (créneaux de 15 min, 2 ménages par créneau)"
    )
    assert describe(rule, "nl") == (
        "Elke vrijdag, 09:00–12:00, op afspraak (tijdsloten van 15 min, 2 gezinnen per tijdslot)"
    )


def test_several_days_and_the_last_week_in_words(service_s):
    rule = OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=MONTHLY;BYDAY=-1TU,-1FR,2TU,2FR",
        starts_at=time(9),
        ends_at=time(11, 30),
        slot_capacity=1,
        by_appointment=True,
        closes_on_public_holidays=False,
    )
    assert describe(rule, "fr") == (
        "Le 2e et le dernier mardi et vendredi du mois, 09:00–11:30, sur rendez-vous "
        "(créneaux de 15 min, 1 ménage par créneau), ouvert les jours fériés"
    )
    weekly = OpeningRule(
        recurrence="FREQ=WEEKLY;BYDAY=MO,WE,FR", starts_at=time(9), ends_at=time(12)
    )
    assert describe(weekly, "fr") == "Le lundi, le mercredi et le vendredi, 09:00–12:00"
    assert describe(weekly, "nl") == "Elke maandag, elke woensdag en elke vrijdag, 09:00–12:00"


# --- the edit form reads a stored rule back ---------------------------------------------


def test_the_edit_form_reads_each_kind_of_rule_back(manager, service_s):
    examples = {
        "FREQ=MONTHLY;BYDAY=1TH,3TH": {"weekdays": [3], "frequency": "monthly", "weeks": [1, 3]},
        "FREQ=MONTHLY;BYDAY=+1TU,+3TU": {"weekdays": [1], "frequency": "monthly", "weeks": [1, 3]},
        "RRULE:FREQ=WEEKLY;BYDAY=WE\nEXRULE:FREQ=MONTHLY;BYDAY=5WE": {
            "weekdays": [2],
            "frequency": "weekly",
            "except_week": 5,
            "except_weekday": 2,
        },
        "FREQ=WEEKLY;BYDAY=MO,TH": {"weekdays": [0, 3], "frequency": "weekly", "weeks": []},
    }
    for recurrence, expected in examples.items():
        rule = OpeningRule.objects.create(
            service=service_s,
            recurrence=recurrence,
            starts_at=time(9),
            ends_at=time(12),
            by_appointment=True,
            slot_minutes=20,
            slot_capacity=3,
        )
        response = manager.get(f"/manage/hours/rules/{rule.pk}/")
        assert response.status_code == 200
        initial = response.context["form"].initial
        for field, value in expected.items():
            assert initial[field] == value, (recurrence, field)
        assert (initial["starts_at"], initial["ends_at"]) == (time(9), time(12))
        assert (initial["by_appointment"], initial["slot_minutes"], initial["slot_capacity"]) == (
            True,
            20,
            3,
        )


def test_saving_an_unchanged_rule_keeps_its_days(manager, service_s):
    rule = OpeningRule.objects.create(
        service=service_s,
        recurrence="RRULE:FREQ=WEEKLY;BYDAY=WE\nEXRULE:FREQ=MONTHLY;BYDAY=5WE",
        starts_at=time(8, 30),
        ends_at=time(13),
    )
    before = session_days(service_s, date(2026, 9, 1), date(2026, 12, 31))
    initial = OpeningRuleForm.initial_from(rule)
    data = form_data(
        weekdays=[str(d) for d in initial["weekdays"]],
        frequency=initial["frequency"],
        except_week=str(initial["except_week"]),
        except_weekday=str(initial["except_weekday"]),
        starts_at="08:30",
        ends_at="13:00",
        valid_from="2024-01-01",
    )
    assert manager.post(f"/manage/hours/rules/{rule.pk}/", data).status_code == 302
    assert session_days(service_s, date(2026, 9, 1), date(2026, 12, 31)) == before
    assert OpeningRule.objects.count() == 1


def test_a_rule_written_in_the_admin_is_shown_read_only(manager, service_s):
    recurrence = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"
    rule = OpeningRule.objects.create(
        service=service_s, recurrence=recurrence, starts_at=time(14), ends_at=time(16)
    )
    assert OpeningRuleForm.initial_from(rule) is None
    page = manager.get("/manage/hours/")
    assert "INTERVAL=2" in page.content.decode()
    response = manager.get(f"/manage/hours/rules/{rule.pk}/")
    assert response.status_code == 200
    assert response.context.get("form") is None
    html = response.content.decode()
    assert "data-read-only" in html and "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH" in html
    assert "administration" in html
    # A form posted anyway does not overwrite what it cannot show.
    response = manager.post(f"/manage/hours/rules/{rule.pk}/", form_data())
    assert response.status_code == 409
    rule.refresh_from_db()
    assert rule.recurrence == recurrence


def test_a_staff_manager_is_sent_to_the_rule_in_the_admin(manager, manager_s, service_s):
    rule = OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        starts_at=time(14),
        ends_at=time(16),
    )
    manager_s.is_staff = True
    manager_s.save()
    response = manager.get(f"/manage/hours/rules/{rule.pk}/")
    assert response.status_code == 200
    assert f'href="/admin/schedules/openingrule/{rule.pk}/change/"' in response.content.decode()


@pytest.mark.parametrize(
    "recurrence",
    [
        "FREQ=MONTHLY;BYDAY=1TH,3FR",  # not every chosen day in every chosen week
        "FREQ=WEEKLY;BYDAY=TH\nEXDATE:20261224T000000",
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20261231T000000",
        "FREQ=MONTHLY;BYDAY=TH",
        "RRULE:FREQ=WEEKLY;BYDAY=WE\nEXRULE:FREQ=MONTHLY;BYDAY=4WE,5WE",
    ],
)
def test_rules_the_form_cannot_express_are_recognised(service_s, recurrence):
    rule = OpeningRule(
        service=service_s, recurrence=recurrence, starts_at=time(9), ends_at=time(12)
    )
    assert rule.pattern() is None
    assert OpeningRuleForm.initial_from(rule) is None


# --- refusals, next to their field ------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"starts_at": "17:30", "ends_at": "14:00"}, "ends_at", "après son début"),
        ({"starts_at": "14:00", "ends_at": "14:00"}, "ends_at", "après son début"),
        ({"weekdays": []}, "weekdays", "au moins un jour"),
        ({"frequency": "monthly", "weeks": []}, "weeks", "au moins une semaine"),
        (
            {
                "by_appointment": "on",
                "starts_at": "09:00",
                "ends_at": "09:30",
                "slot_minutes": "45",
            },
            "slot_minutes",
            "plus longtemps que la permanence",
        ),
        ({"except_week": "5"}, "except_weekday", "la semaine et le jour"),
        ({"except_week": "5", "except_weekday": "0"}, "except_weekday", "jours cochés"),
        ({"slot_minutes": "2"}, "slot_minutes", "5"),
        ({"starts_at": "25:00"}, "starts_at", "heure"),
    ],
)
def test_the_rule_form_refuses_with_the_message_beside_the_field(
    manager, service_s, overrides, field, words
):
    response = manager.post("/manage/hours/rules/new/", form_data(**overrides))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert not OpeningRule.objects.exists()


def test_a_closure_ending_before_it_starts_is_refused_beside_its_end(manager, service_s):
    response = manager.post(
        "/manage/hours/closures/new/",
        {"starts_on": "2026-12-24", "ends_on": "2026-12-20", "reason": "Fêtes"},
    )
    assert response.status_code == 422
    assert "inversez les dates" in " ".join(response.context["closure_form"].errors["ends_on"])
    assert 'id="id_ends_on_error"' in response.content.decode()
    assert not Closure.objects.exists()


# --- closures ----------------------------------------------------------------------------


def test_a_single_closed_day_and_a_period_cancel_their_sessions(manager, service_s):
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=TU", starts_at=time(9), ends_at=time(12)
    )
    assert (
        manager.post(
            "/manage/hours/closures/new/", {"starts_on": "2026-12-01", "reason": "Inventaire"}
        ).status_code
        == 302
    )
    assert (
        manager.post(
            "/manage/hours/closures/new/",
            {"starts_on": "2026-12-21", "ends_on": "2027-01-03", "reason": "Congé d'hiver"},
        ).status_code
        == 302
    )
    single = Closure.objects.get(reason="Inventaire")
    assert single.starts_on == single.ends_on == date(2026, 12, 1)
    assert session_days(service_s, date(2026, 12, 1), date(2027, 1, 10)) == [
        date(2026, 12, 8),
        date(2026, 12, 15),
        date(2027, 1, 5),
    ]
    page = manager.get("/manage/hours/").content.decode()
    assert "Inventaire" in page and "Congé d&#x27;hiver" in page
    assert manager.post(f"/manage/hours/closures/{single.pk}/delete/").status_code == 302
    assert date(2026, 12, 1) in session_days(service_s, date(2026, 12, 1), date(2026, 12, 2))


# --- the page, and who may use it --------------------------------------------------------


def test_the_hours_page_lists_rules_in_words_closures_and_next_sessions(manager, service_s):
    OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=MONTHLY;BYDAY=1TH,3TH",
        starts_at=time(14),
        ends_at=time(17, 30),
    )
    home = manager.get("/manage/").content.decode()
    assert 'href="/manage/hours/"' in home
    response = manager.get("/manage/hours/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Le 1er et le 3e jeudi du mois, 14:00–17:30" in html
    # The next sessions from 23 November 2026: 3 and 17 December.
    assert "jeudi 3 décembre" in html and "jeudi 17 décembre" in html
    assert 'action="/manage/hours/closures/new/"' in html


def test_another_services_rule_and_closure_answer_404(manager, service_s, other_service):
    rule = OpeningRule.objects.create(
        service=other_service,
        recurrence="FREQ=WEEKLY;BYDAY=TH",
        starts_at=time(9),
        ends_at=time(12),
    )
    closure = Closure.objects.create(
        service=other_service, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1)
    )
    assert manager.get(f"/manage/hours/rules/{rule.pk}/").status_code == 404
    assert manager.post(f"/manage/hours/rules/{rule.pk}/", form_data()).status_code == 404
    assert manager.post(f"/manage/hours/rules/{rule.pk}/delete/").status_code == 404
    assert manager.post(f"/manage/hours/closures/{closure.pk}/delete/").status_code == 404
    assert OpeningRule.objects.filter(pk=rule.pk).exists()
    assert Closure.objects.filter(pk=closure.pk).exists()


def test_a_volunteer_and_a_social_worker_are_refused_with_403(
    client, volunteer_s, social_worker_a, service_s
):
    rule = OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=TH", starts_at=time(9), ends_at=time(12)
    )
    for person in (volunteer_s, social_worker_a):
        client.force_login(person)
        assert client.get("/manage/hours/").status_code == 403
        assert client.post("/manage/hours/rules/new/", form_data()).status_code == 403
        assert client.post(f"/manage/hours/rules/{rule.pk}/delete/").status_code == 403
    assert OpeningRule.objects.count() == 1


def test_deleting_a_rule_through_htmx_sends_the_browser_back_to_the_page(manager, service_s):
    rule = OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=TH", starts_at=time(9), ends_at=time(12)
    )
    response = manager.post(f"/manage/hours/rules/{rule.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/manage/hours/"
    assert not OpeningRule.objects.exists()
    assert AuditEntry.objects.filter(action="opening_rule.delete").count() == 1


# --- the services themselves ---------------------------------------------------------------


def test_the_services_check_the_right_on_that_service(service_s, other_service, manager_s):
    data = OpeningRuleData(recurrence="FREQ=WEEKLY;BYDAY=TH", starts_at=time(9), ends_at=time(12))
    with pytest.raises(ScheduleRefused) as refused:
        opening_rule_save(user=manager_s, service=other_service, data=data)
    assert (refused.value.code, refused.value.kind) == ("not_allowed", ErrorKind.FORBIDDEN)
    with pytest.raises(ScheduleRefused) as refused:
        closure_add(
            user=manager_s, service=other_service, starts_on=date(2026, 12, 1), ends_on=None
        )
    assert refused.value.code == "not_allowed"
    other_rule = OpeningRule.objects.create(
        service=other_service,
        recurrence="FREQ=WEEKLY;BYDAY=TH",
        starts_at=time(9),
        ends_at=time(12),
    )
    with pytest.raises(ScheduleRefused) as refused:
        opening_rule_save(user=manager_s, service=service_s, data=data, rule=other_rule)
    assert refused.value.code == "other_service"
    coordinator_of_another_network = membership(
        user("coord.x"), organisation(kind="network", name="R", slug="r"), "coordinator"
    ).user
    with pytest.raises(ScheduleRefused):
        opening_rule_save(user=coordinator_of_another_network, service=service_s, data=data)


def test_a_saved_rule_reaches_the_counter_at_once_and_is_audited(service_s, manager_s):
    day = date(2026, 11, 26)  # a Thursday
    assert counter_schedule(service=service_s, day=day) == []
    rule = opening_rule_save(
        user=manager_s,
        service=service_s,
        data=OpeningRuleData(
            recurrence="FREQ=WEEKLY;BYDAY=TH", starts_at=time(9), ends_at=time(12)
        ),
    )
    assert [s.starts.date() for s in counter_schedule(service=service_s, day=day)][:2] == [
        date(2026, 11, 26),
        date(2026, 12, 3),
    ]
    entry = AuditEntry.objects.get(action="opening_rule.create")
    assert (entry.actor, entry.organisation, entry.target_id) == (
        manager_s,
        service_s,
        str(rule.pk),
    )
    closure_add(user=manager_s, service=service_s, starts_on=day, ends_on=None, reason="Grève")
    assert counter_schedule(service=service_s, day=day)[0].starts.date() == date(2026, 12, 3)
    assert AuditEntry.objects.filter(action="closure.create").count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"starts_at": time(12), "ends_at": time(9)}, "ends_before_start"),
        ({"by_appointment": True, "slot_minutes": 240}, "slot_too_long"),
        ({"slot_minutes": 0}, "slot_invalid"),
        ({"recurrence": "FREQ=SOMETIMES"}, "bad_recurrence"),
    ],
)
def test_the_rule_service_refuses_with_stable_codes(service_s, manager_s, data, code):
    fields = {
        "recurrence": "FREQ=WEEKLY;BYDAY=TH",
        "starts_at": time(9),
        "ends_at": time(12),
        **data,
    }
    with pytest.raises(ScheduleRefused) as refused:
        opening_rule_save(user=manager_s, service=service_s, data=OpeningRuleData(**fields))
    assert refused.value.code == code
    assert not OpeningRule.objects.exists()
