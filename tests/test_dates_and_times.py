"""Dates day first and times on 24 hours, in French, Dutch and English, on every page that
shows them: the same pages and fragments rendered in the three languages.

Django's English writes 03/02/2026 for 2 March and 2:30 p.m.; a Belgian reader takes the
first for 3 February. The app's format modules (comptoir/formats/) set one European shape.
"""

import re
from datetime import date, datetime, time
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import formats, translation

from counter.services import visit_record
from network.models import AuditEntry, User
from passes.selectors import pass_token
from passes.services import MemberData
from schedules.models import Closure, OpeningRule
from tests.factories import assess, convention_make, household_make, pass_make
from tests.passes.conftest import pass_keys  # noqa: F401  (fixture)

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=BRUSSELS)  # a Monday afternoon
LANGUAGES = ("fr", "nl", "en")
# Every day the pages below show in short form: none may appear month first.
SHORT_DAYS = [
    date(2026, 3, 2),  # today: the pass starts, the history's entries
    date(2026, 5, 30),  # the pass ends (90 days)
    date(2026, 1, 5),  # the legal basis recorded, the convention starts
    date(2026, 2, 1),  # the assessment
    date(2026, 12, 20),  # the convention ends
    date(2026, 4, 6),  # a rule that applies from then
]
MONTHS_EN = "January|February|March|April|May|June|July|August|September|October|November|December"
TWELVE_HOUR = re.compile(r"\d(?::\d\d)?\s?(?:a\.m\.|p\.m\.|AM|PM|am|pm)\b|\bnoon\b|\bmidnight\b")
US_LONG = re.compile(
    rf"\b(?:{MONTHS_EN}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.? \d{{1,2}}, \d{{4}}"
)
SHORT_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")


@pytest.fixture(autouse=True)
def _monday_afternoon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def scene(request, partner_a, service_s, social_worker_a, volunteer_s, manager_s, coordinator):
    """A household with a pass, its history, a counter open now with sessions by appointment,
    a closure, a rule from April, and one visit already accepted."""
    request.getfixturevalue("pass_keys")
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=WEEKLY;BYDAY=MO", starts_at=time(14), ends_at=time(16)
    )
    OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=WEEKLY;BYDAY=TH",
        starts_at=time(9),
        ends_at=time(12),
        by_appointment=True,
        slot_minutes=30,
        slot_capacity=2,
    )
    OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=WEEKLY;BYDAY=SA",
        starts_at=time(9),
        ends_at=time(11),
        valid_from=date(2026, 4, 6),
    )
    Closure.objects.create(
        service=service_s,
        starts_on=date(2026, 4, 13),
        ends_on=date(2026, 4, 17),
        reason="Inventaire",
    )
    convention = convention_make(
        partner_a, [service_s], starts_on=date(2026, 1, 5), ends_on=date(2026, 12, 20)
    )
    household = household_make(
        social_worker_a,
        partner_a,
        first_name="Amina",
        recorded_on=date(2026, 1, 5),
        members=[MemberData("3-15", "f")],
    )
    assess(social_worker_a, household, on=date(2026, 2, 1))
    access_pass = pass_make(social_worker_a, household, convention)
    visit_record(
        text=pass_token(access_pass=access_pass),
        service=service_s,
        user=volunteer_s,
        idempotency_key="first-visit",
    )
    return {"household": household, "pass": access_pass, "service": service_s}


def pages(scene) -> list[tuple[str, str]]:
    household, access_pass = scene["household"], scene["pass"]
    return [
        ("sw.a", "/households/"),
        ("sw.a", f"/households/{household.pk}/"),
        ("sw.a", f"/passes/{access_pass.pk}/"),
        ("sw.a", f"/passes/{access_pass.pk}/card/"),
        ("coord", "/conventions/"),
        ("coord", "/network/"),
        ("man.s", "/manage/"),
        ("man.s", "/manage/hours/"),
        ("vol.s", "/counter/"),
        ("", f"/services/{scene['service'].slug}/"),
    ]


def rendered(client, username: str, url: str, language: str) -> str:
    if username:
        account = User.objects.get(username=username)
        account.language = language
        account.save(update_fields=["language"])
        client.force_login(account)
    else:
        client.logout()
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    text = unescape(re.sub(r"<[^>]+>", " ", response.text))
    return re.sub(r"\s+", " ", text)


def date_problems(text: str) -> list[str]:
    problems = []
    for day in SHORT_DAYS:
        us = day.strftime("%m/%d/%Y")
        if day.day != day.month and us in text:
            problems.append(f"{us} is month first ({day})")
    for match in SHORT_DATE.finditer(text):
        day, month, year = (int(part) for part in match.groups())
        if match.group(0)[len(match.group(1))] != "/":
            problems.append(f"{match.group(0)} is not written dd/mm/yyyy")
        try:
            date(year, month, day)
        except ValueError:
            problems.append(f"{match.group(0)} is not day/month/year")
    problems += [f"12-hour time: {m.group(0)}" for m in TWELVE_HOUR.finditer(text)]
    problems += [f"month-first date: {m.group(0)}" for m in US_LONG.finditer(text)]
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_writes_dates_day_first_and_times_on_24_hours(client, scene, language):
    seen = ""
    for username, url in pages(scene):
        text = rendered(client, username, url, language)
        assert date_problems(text) == [], (language, url)
        seen += text
    # The pages did show what they are checked for, in this language's words.
    assert "02/03/2026" in seen and "30/05/2026" in seen and "05/01/2026" in seen
    assert "20/12/2026" in seen and "06/04/2026" in seen
    assert "02/03/2026 14:30" in seen  # the pass's history
    assert "16:00" in seen  # open until
    month = {"fr": "avril", "nl": "april", "en": "April"}[language]
    assert f"13 {month} 2026" in seen  # the closure


@pytest.mark.parametrize("language", LANGUAGES)
def test_appointment_slots_name_the_day_without_a_bare_day_and_month(client, scene, language):
    text = rendered(client, "sw.a", f"/households/{scene['household'].pk}/", language)
    thursday = {"fr": "jeu 5 mars", "nl": "do 5 maart", "en": "Thu 5 March"}[language]
    assert f"{thursday} 09:00–09:30" in text
    assert not re.search(r"\b\d{1,2}/\d{1,2}\b(?!/)", text), "a day written d/m without a year"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_counters_sentences_use_the_same_formats(scene, volunteer_s, language):
    with translation.override(language):
        again = visit_record(
            text=pass_token(access_pass=scene["pass"]),
            service=scene["service"],
            user=volunteer_s,
            idempotency_key="second-visit",
        )
        message = again.message
    assert not again.accepted
    assert "14:30" in message
    assert date_problems(message) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admin_lists_dates_and_times_the_european_way(client, scene, admin_user, language):
    admin_user.language = language
    admin_user.save()
    client.force_login(admin_user)
    for url in ("/admin/network/auditentry/", "/admin/network/convention/"):
        response = client.get(url)
        assert response.status_code == 200
        text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))
        assert date_problems(text) == [], (language, url)
    assert AuditEntry.objects.exists()
    month = {"fr": "mars", "nl": "maart", "en": "March"}[language]
    text = client.get("/admin/network/auditentry/").text
    assert f"2 {month} 2026, 14:30" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_format_modules_are_day_first_and_24_hours(language):
    moment = datetime(2026, 3, 2, 14, 5, tzinfo=BRUSSELS)
    with translation.override(language):
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "02/03/2026"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "02/03/2026 14:05"
        assert formats.time_format(moment.time()) == "14:05"
        assert formats.date_format(moment.date()).startswith("2 ")
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"
