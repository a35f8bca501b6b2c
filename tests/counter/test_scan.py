"""The scan verdict: every reason produced on purpose, quotas, appointments, undo, replays.

Service S is open Monday to Saturday 09:00–17:00. The day is Monday 2 March
2026, 10:00 in Brussels. Pass A allows one visit a week and a monthly budget of
40 € + 15 € per extra member at S (household A has three people).
"""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from counter.models import Visit
from counter.services import ScanRefused, UndoRefused, visit_record, visit_undo
from network.models import Convention, UsageRule
from passes.models import AccessPass, PassCard
from passes.selectors import pass_current_card, pass_token
from passes.services import pass_replace, pass_revoke, pass_suspend
from schedules.models import Appointment, Closure, OpeningRule
from schedules.selectors import counter_schedules_forget
from tests.factories import organisation

pytestmark = pytest.mark.django_db
BRUSSELS = ZoneInfo("Europe/Brussels")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS)


MONDAY = at(date(2026, 3, 2), 10)


@pytest.fixture
def open_s(service_s):
    return OpeningRule.objects.create(
        service=service_s,
        recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA",
        starts_at=time(9),
        ends_at=time(17),
    )


@pytest.fixture
def counter(frozen_day, pass_keys, open_s, service_s, volunteer_s):
    """scan(text, moment=…) at service S by its volunteer, each with a fresh key."""

    def scan(text, moment=MONDAY, key=None, service=service_s):
        return visit_record(
            text=text,
            service=service,
            user=volunteer_s,
            idempotency_key=key or uuid.uuid4().hex,
            moment=moment,
        )

    return scan


@pytest.fixture
def token_a(pass_a):
    return pass_token(access_pass=pass_a)


def test_an_accepted_scan_shows_first_name_size_and_what_is_left(counter, token_a, pass_a):
    verdict = counter(token_a)

    assert verdict.accepted and verdict.reason == ""
    assert verdict.message == "Accès accepté."
    assert (verdict.first_name, verdict.household_size) == ("Marie", 3)
    visits, budget = sorted(verdict.allowances, key=lambda a: a.kind, reverse=True)
    assert (visits.kind, visits.quantity, visits.used, visits.remaining) == ("visits", 1, 1, 0)
    assert visits.next_on == date(2026, 3, 9)
    assert visits.describe() == "Plus aucun passage cette semaine · à nouveau le lundi 9 mars"
    assert budget.budget_cents == 4000 + 2 * 1500
    assert budget.describe() == "Budget d'achats : 70,00\xa0€ par mois"
    visit = Visit.objects.get()
    assert (visit.access_pass, visit.accepted, visit.at) == (pass_a, True, MONDAY)


def test_a_second_tablet_a_minute_later_is_told_already_served(counter, token_a):
    counter(token_a)
    verdict = counter(token_a, moment=MONDAY + timedelta(minutes=1))

    assert (verdict.accepted, verdict.reason) == (False, "already_served")
    assert verdict.message == "Cette carte a déjà été acceptée ici à 10:00."
    assert Visit.objects.filter(accepted=True).count() == 1


def test_the_weekly_visit_is_used_until_next_monday(counter, token_a):
    counter(token_a)
    verdict = counter(token_a, moment=at(date(2026, 3, 7), 11))

    assert verdict.reason == "already_served"
    assert verdict.message == "Déjà servi cette semaine : prochain passage le lundi 9 mars."
    assert counter(token_a, moment=at(date(2026, 3, 9), 9, 30)).accepted


def test_a_quota_of_several_uses_is_used_up(
    counter, social_worker_a, household_a, partner_a, service_s
):
    from passes.services import pass_issue

    convention = Convention.objects.create(
        partner=partner_a,
        reference="CONV-MEALS",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        max_active_passes=5,
        max_pass_days=90,
    )
    convention.services.set([service_s])
    UsageRule.objects.create(
        convention=convention, service=service_s, kind="visits", period="month", quantity=2
    )
    access_pass = pass_issue(actor=social_worker_a, household=household_a, convention=convention)
    token = pass_token(access_pass=access_pass)

    assert counter(token, moment=at(date(2026, 3, 3), 12)).accepted
    assert counter(token, moment=at(date(2026, 3, 10), 12)).accepted
    verdict = counter(token, moment=at(date(2026, 3, 17), 12))

    assert verdict.reason == "quota_used_up"
    assert verdict.message == (
        "Quota épuisé : 2 déjà utilisés ce mois-ci ; à nouveau le mercredi 1 avril."
    )


def test_a_parcel_every_fortnight_comes_back_fourteen_days_after_the_last(
    counter, social_worker_a, household_a, partner_a, service_s
):
    from passes.services import pass_issue

    convention = Convention.objects.create(
        partner=partner_a,
        reference="CONV-PARCELS",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        max_active_passes=5,
        max_pass_days=90,
    )
    convention.services.set([service_s])
    UsageRule.objects.create(
        convention=convention, service=service_s, kind="parcels", period="fortnight", quantity=1
    )
    access_pass = pass_issue(actor=social_worker_a, household=household_a, convention=convention)
    token = pass_token(access_pass=access_pass)

    accepted = counter(token, moment=at(date(2026, 3, 3), 10))
    assert accepted.allowances[0].next_on == date(2026, 3, 17)
    refused = counter(token, moment=at(date(2026, 3, 16), 10))
    assert refused.reason == "parcel_already_given"
    assert refused.message == "Colis déjà donné sur 14 jours : prochain colis le mardi 17 mars."
    assert counter(token, moment=at(date(2026, 3, 17), 10)).accepted


def test_an_undone_visit_no_longer_counts(counter, token_a, volunteer_s, service_s):
    first = counter(token_a)
    visit_undo(
        visit_id=first.visit.pk,
        service=service_s,
        user=volunteer_s,
        reason="Mauvaise carte scannée",
        moment=MONDAY + timedelta(minutes=2),
    )

    again = counter(token_a, moment=MONDAY + timedelta(minutes=3))

    assert again.accepted
    undone = Visit.objects.get(pk=first.visit.pk)
    assert undone.undo_reason == "Mauvaise carte scannée" and undone.undone_by == volunteer_s


@pytest.mark.parametrize(
    ("reason", "minutes", "code"),
    [
        ("", 1, "reason_required"),
        ("Erreur", 6, "undo_too_late"),
    ],
)
def test_undo_refusals(counter, token_a, volunteer_s, service_s, reason, minutes, code):
    first = counter(token_a)
    with pytest.raises(UndoRefused) as refusal:
        visit_undo(
            visit_id=first.visit.pk,
            service=service_s,
            user=volunteer_s,
            reason=reason,
            moment=MONDAY + timedelta(minutes=minutes),
        )
    assert refusal.value.code == code
    assert Visit.objects.get().undone_at is None


def test_undo_twice_or_a_refused_scan_or_another_counter(counter, token_a, volunteer_s, service_s):
    first = counter(token_a)
    refused = counter("garbage")
    later = MONDAY + timedelta(minutes=1)
    visit_undo(
        visit_id=first.visit.pk, service=service_s, user=volunteer_s, reason="x", moment=later
    )
    other = organisation(kind="service", name="Vestiaire", slug="vestiaire-x", service_kind="other")
    for visit_id, service, code in [
        (first.visit.pk, service_s, "already_undone"),
        (refused.visit.pk, service_s, "not_accepted"),
        (first.visit.pk, other, "not_found"),
    ]:
        with pytest.raises(UndoRefused) as refusal:
            visit_undo(
                visit_id=visit_id, service=service, user=volunteer_s, reason="x", moment=later
            )
        assert refusal.value.code == code


def test_a_retried_request_returns_the_first_verdict_and_records_nothing(counter, token_a):
    first = counter(token_a, key="retry-key-0001")
    retry = counter(token_a, key="retry-key-0001", moment=MONDAY + timedelta(seconds=3))
    retry_of_refusal_key = counter("nonsense", key="retry-key-0002")
    again = counter("nonsense", key="retry-key-0002")

    assert retry.replayed and retry.accepted and retry.visit.pk == first.visit.pk
    assert retry.first_name == "Marie"
    assert again.replayed and again.visit.pk == retry_of_refusal_key.visit.pk
    assert Visit.objects.count() == 2


def test_a_retried_closed_counter_refusal_names_the_same_next_session(counter, token_a, open_s):
    """The manager changes the hours between the scan and its retry: the retry still
    answers what the volunteer was first told."""
    evening = at(date(2026, 3, 2), 19)
    first = counter(token_a, key="retry-key-0003", moment=evening)
    open_s.starts_at = time(11)
    open_s.save()
    counter_schedules_forget()
    retry = counter(token_a, key="retry-key-0003", moment=evening + timedelta(seconds=5))

    assert (first.reason, retry.reason, retry.replayed) == (
        "counter_closed",
        "counter_closed",
        True,
    )
    assert retry.next_session == first.next_session
    assert retry.message == first.message


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "has space in it", "ключ-ключ-ключ"])
def test_a_scan_without_a_usable_idempotency_key_is_not_a_scan(counter, token_a, key):
    with pytest.raises(ScanRefused) as refusal:
        visit_record(text=token_a, service=None, user=None, idempotency_key=key)
    assert refusal.value.code == "idempotency_key_invalid"
    assert not Visit.objects.exists()


# --- every refusal on purpose ------------------------------------------------------------


def test_a_replaced_card_is_refused(counter, token_a, pass_a, social_worker_a):
    pass_replace(actor=social_worker_a, access_pass=pass_a, reason="Carte perdue")
    verdict = counter(token_a)
    assert verdict.reason == "replaced"
    assert verdict.message == "Cette carte a été remplacée par une carte plus récente."
    assert counter(pass_token(access_pass=AccessPass.objects.get())).accepted


@pytest.mark.parametrize(
    ("change", "reason"),
    [(pass_revoke, "revoked"), (pass_suspend, "suspended")],
)
def test_a_revoked_or_suspended_pass_is_refused(
    counter, token_a, pass_a, social_worker_a, change, reason
):
    change(actor=social_worker_a, access_pass=pass_a, reason="Décision du CPAS")
    verdict = counter(token_a)
    assert (verdict.accepted, verdict.reason) == (False, reason)
    # The volunteer may greet the person and send them to their social worker.
    assert verdict.first_name == "Marie" and verdict.allowances == ()


def test_an_expired_pass_is_refused(counter, token_a, pass_a):
    later = at(pass_a.valid_until + timedelta(days=1), 10)
    with time_machine.travel(later, tick=False):
        verdict = counter(token_a, moment=later)
    assert verdict.reason == "expired"


def test_a_pass_not_yet_valid_is_refused(counter, token_a, pass_a):
    AccessPass.objects.filter(pk=pass_a.pk).update(valid_from=date(2026, 3, 5))
    assert counter(token_a).reason == "not_yet_valid"


def test_a_pass_whose_convention_ended_is_refused(counter, token_a, pass_a):
    Convention.objects.filter(pk=pass_a.convention_id).update(ends_on=date(2026, 3, 1))
    assert counter(token_a).reason == "convention_ended"


def test_a_pass_for_other_services_is_not_valid_at_this_counter(counter, token_a):
    other = organisation(kind="service", name="Resto T", slug="resto-t", service_kind="restaurant")
    OpeningRule.objects.create(
        service=other, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    verdict = counter(token_a, service=other)
    assert verdict.reason == "not_valid_here"
    assert verdict.message == "Cet accès-pass ne donne pas accès à ce comptoir."


def test_a_closed_counter_says_when_it_next_opens(counter, token_a):
    verdict = counter(token_a, moment=at(date(2026, 3, 2), 18))
    assert verdict.reason == "counter_closed"
    assert verdict.message == (
        "Le comptoir est fermé maintenant. Prochaine permanence : mardi 3 mars à 09:00."
    )


def test_a_closure_closes_the_counter(counter, token_a, service_s):
    Closure.objects.create(
        service=service_s, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), reason="Inventaire"
    )
    verdict = counter(token_a)
    assert verdict.reason == "counter_closed"
    assert verdict.next_session.starts == at(date(2026, 3, 5), 9)


def test_an_appointment_session_needs_a_booking(counter, token_a, service_s, household_a, open_s):
    open_s.by_appointment = True
    open_s.save()
    assert counter(token_a).reason == "appointment_required"

    Appointment.objects.create(
        service=service_s, household=household_a, starts_at=at(date(2026, 3, 2), 11)
    )
    assert counter(token_a, moment=MONDAY + timedelta(minutes=1)).accepted


def test_an_appointment_on_another_day_does_not_count(
    counter, token_a, service_s, household_a, open_s
):
    open_s.by_appointment = True
    open_s.save()
    Appointment.objects.create(
        service=service_s, household=household_a, starts_at=at(date(2026, 3, 3), 11)
    )
    assert counter(token_a).reason == "appointment_required"


def test_a_typed_human_code_is_accepted_with_dashes_and_lowercase(counter, pass_a):
    code = pass_current_card(access_pass=pass_a).human_code
    assert counter(f" {code[:3].lower()}-{code[3:6]} {code[6:]}\n").accepted


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("ABCD", "code_length"),
        ("K7M4QXP0A", "code_characters"),
        ("CP1" + "A" * 122, "malformed"),
        ("https://example.org/?pass=123", "code_length"),
        ("<script>alert(1)</script>", "code_length"),
        ("'; DROP TABLE counter_visit; --", "code_length"),
        ("\x00" * 9, "code_characters"),
        ("ÉÇÀÈÙÂÊÎÔ", "code_characters"),
        ("X" * 10_000, "code_length"),
    ],
)
def test_hostile_or_broken_input_is_one_clear_refusal(counter, text, reason):
    verdict = counter(text)
    assert (verdict.accepted, verdict.reason) == (False, reason)
    assert verdict.message
    assert Visit.objects.get().access_pass is None


def test_an_unknown_code_and_a_forged_signature(counter, token_a, pass_a):
    code = pass_current_card(access_pass=pass_a).human_code
    PassCard.objects.filter(human_code=code).update(human_code="ZZZZZZZZZ")
    assert counter(code).reason == "unknown_code"
    forged = token_a[:-3] + ("A" if token_a[-3] != "A" else "B") + token_a[-2:]
    assert counter(forged).reason in {"bad_signature", "malformed"}


def test_a_token_for_a_pass_that_does_not_exist(counter, token_a, pass_a):
    Visit.objects.all().delete()
    PassCard.objects.filter(access_pass=pass_a).delete()
    pass_a.services.clear()
    AccessPass.objects.filter(pk=pass_a.pk).delete()
    assert counter(token_a).reason == "unknown_pass"


REASONS = [
    "empty",
    "malformed",
    "other_deployment",
    "unknown_key",
    "bad_signature",
    "code_length",
    "code_characters",
    "code_typo",
    "unknown_code",
    "unknown_pass",
    "replaced",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "convention_ended",
    "not_valid_here",
    "counter_closed",
    "appointment_required",
    "already_served",
    "quota_used_up",
]


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_every_refusal_has_its_sentence_in_french_dutch_and_english(counter, language):
    from counter.verdict import Allowance, Verdict
    from schedules.selectors import Session

    sentences = set()
    for reason in REASONS:
        verdict = Verdict(
            Visit(reason=reason, accepted=False, at=MONDAY),
            next_session=Session(at(date(2026, 3, 3), 9), at(date(2026, 3, 3), 17), False),
            exhausted=Allowance("visits", "week", quantity=2, used=2, next_on=date(2026, 3, 9)),
        )
        with translation.override(language):
            sentence = verdict.message
        assert sentence and "%(" not in sentence
        if language != "fr":
            assert sentence != verdict.message, f"{reason} is not translated to {language}"
        sentences.add(sentence)
    assert len(sentences) == len(REASONS)
    with translation.override(language):
        french = translation.gettext("Cet accès-pass a été révoqué.")
    assert (french == "Cet accès-pass a été révoqué.") == (language == "fr")
