"""Retention: households without a valid pass for the network's retention period are
anonymised once, audited, shown as such, and the statistics do not move."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from counter.services import visit_record
from demo.world import assessment_make
from network.models import AuditEntry
from network.services import network_settings_update
from passes.models import AccessPass, Assessment, Household, PassEvent, Voucher
from passes.selectors import pass_token
from passes.services import (
    MemberData,
    PassRefused,
    assessment_record,
    household_update,
    households_anonymise_due,
    households_anonymised_register,
    pass_issue,
    pass_renew,
    pass_replace,
    pass_revoke,
    retention_due,
)
from passes.services.retention import _on_anonymised, months_before
from passes.services.vouchers import referral_issue
from reports.models import Figure
from reports.services import month_compile
from schedules.models import OpeningRule
from tests.concurrency import run_together
from tests.factories import convention_make, household_make, organisation

BRUSSELS = ZoneInfo("Europe/Brussels")
TODAY = date(2026, 3, 2)
PAST = date(2023, 6, 1)  # the old pass runs from here for 90 days: to 29/08/2023
OLD_PASS_END = date(2023, 8, 29)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def on(day: date):
    return time_machine.travel(at(day), tick=False)


@pytest.fixture(autouse=True)
def _keys(pass_keys):
    return pass_keys


def open_daily_since_2023(service):
    OpeningRule.objects.create(
        service=service,
        recurrence="FREQ=DAILY",
        starts_at=time(8),
        ends_at=time(20),
        valid_from=date(2023, 1, 1),
    )
    return service


@pytest.fixture
def vestiaire_2023(db):
    return open_daily_since_2023(
        organisation(kind="service", name="Vestiaire V", slug="vest-v", service_kind="vestiaire")
    )


@pytest.fixture
def convention_2023(partner_a, service_s, vestiaire_2023):
    open_daily_since_2023(service_s)
    return convention_make(
        partner_a,
        [service_s, vestiaire_2023],
        starts_on=date(2023, 1, 1),
        ends_on=date(2023, 12, 31),
        max_active_passes=50,
    )


def old_household(actor, partner, convention, *, first_name="Marie", visits=True, **fields):
    """A household registered in June 2023, assessed, given a pass, a referral, a new card
    (with a reason) and two visits in July 2023."""
    with on(PAST):
        household = household_make(
            actor,
            partner,
            first_name=first_name,
            last_name="Dupont",
            birth_year=1950,
            recorded_on=PAST,
            postal_code="5000",
            commune="Namur",
            members=[MemberData("3-15", "f"), MemberData("65+", "m")],
            holder_sex="f",
            persons_homeless=1,
            **fields,
        )
        assessment_make(
            actor=actor,
            household=household,
            on=date(2023, 5, 30),
            notes="Loyer impayé, séparation récente.",
            today=PAST,
        )
        access_pass = pass_issue(actor=actor, household=household, convention=convention)
        pass_replace(actor=actor, access_pass=access_pass, reason="Carte perdue chez sa sœur")
        referral_issue(
            actor=actor,
            household=household,
            service=convention.services.get(service_kind="vestiaire"),
            covers="Manteau d'hiver pour Marie",
            valid_days=14,
        )
    return household


def the_visits(household, service, volunteer):
    access_pass = AccessPass.objects.get(household=household)
    for number, day in enumerate([date(2023, 7, 5), date(2023, 7, 12)]):
        with on(day):
            visit_record(
                text=pass_token(access_pass=access_pass),
                service=service,
                user=volunteer,
                idempotency_key=f"retention-{household.pk}-{number}",
            )


@pytest.fixture
def marie(social_worker_a, partner_a, convention_2023, service_s, volunteer_s):
    household = old_household(social_worker_a, partner_a, convention_2023)
    the_visits(household, service_s, volunteer_s)
    return household


def anonymise(day: date = TODAY) -> int:
    with on(day):
        return households_anonymise_due()


def audit_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="household.anonymise").order_by("id"))


# --- what goes, what stays -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_household_without_a_valid_pass_for_24_months_is_anonymised(marie):
    assert anonymise() == 1

    household = Household.objects.get(pk=marie.pk)
    assert (household.first_name, household.last_name) == ("Anonymisé", "Anonymisé")
    assert (household.first_name_key, household.last_name_key) == ("", "")
    assert (household.postal_code, household.commune) == ("", "")
    assert household.anonymised_at == at(TODAY)
    assert list(Assessment.objects.filter(household=marie).values_list("notes", flat=True)) == [""]
    assert list(Voucher.objects.filter(household=marie).values_list("covers", flat=True)) == [""]
    reasons = PassEvent.objects.filter(access_pass__household=marie).values_list(
        "reason", flat=True
    )
    assert set(reasons) == {""}


@pytest.mark.django_db
def test_what_the_statistics_need_stays(marie):
    assessment = Assessment.objects.get(household=marie)
    reasons_before = list(assessment.reasons.values_list("code", flat=True))

    anonymise()

    household = Household.objects.get(pk=marie.pk)
    assert household.birth_year == 1950
    assert (household.holder_sex, household.persons_homeless) == ("f", 1)
    assert household.partner_id == marie.partner_id
    members = household.members.order_by("id").values_list("age_band", "sex")
    assert list(members) == [("3-15", "f"), ("65+", "m")]
    assert AccessPass.objects.filter(household=marie).count() == 1
    assert AccessPass.objects.get(household=marie).visits.filter(accepted=True).count() == 2
    assessment.refresh_from_db()
    assert assessment.outcome == "granted"
    assert list(assessment.reasons.values_list("code", flat=True)) == reasons_before


@pytest.mark.django_db
def test_a_months_statistics_are_the_same_before_and_after_anonymising(marie, coordinator):
    def figures() -> list[tuple]:
        with on(TODAY):
            compiled = month_compile(month=date(2023, 7, 1))
        rows = Figure.objects.filter(report=compiled.report).values_list(
            "convention_id", "service_id", "indicator", "detail", "value"
        )
        return sorted(rows, key=lambda row: tuple(str(value) for value in row))

    before = figures()
    assert anonymise() == 1
    after = figures()

    assert after == before
    counted = {(indicator, detail): value for _c, _s, indicator, detail, value in before}
    assert counted[("visits_accepted", "")] == 2
    assert counted[("households", "")] == 1
    assert counted[("persons", "")] == 3  # the reference person and two members


@pytest.mark.django_db
def test_anonymising_writes_one_audit_entry_per_household_with_ids_only(
    marie, social_worker_a, partner_a, convention_2023
):
    other = old_household(social_worker_a, partner_a, convention_2023, first_name="Lucie")

    assert anonymise() == 2

    entries = audit_entries()
    assert sorted(int(e.target_id) for e in entries) == sorted([marie.pk, other.pk])
    for entry in entries:
        assert entry.actor is None
        assert entry.organisation == partner_a
        assert entry.target_type.model == "household"
        text = str(entry.detail)
        for private in ("Marie", "Lucie", "Dupont", "Namur", "5000"):
            assert private not in text


@pytest.mark.django_db
def test_anonymising_twice_gives_the_same_state(marie):
    anonymise()
    first = Household.objects.values().get(pk=marie.pk)

    assert anonymise() == 0
    assert anonymise(date(2026, 3, 3)) == 0

    assert Household.objects.values().get(pk=marie.pk) == first
    assert len(audit_entries()) == 1


# --- who is kept ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pass_that_ended_less_than_24_months_ago_keeps_the_household(marie):
    # 29/08/2023 + 24 months: kept on 29/08/2025 (its last valid day is the cut-off),
    # anonymised the day after.
    assert months_before(date(2025, 8, 29), 24) == OLD_PASS_END
    assert anonymise(date(2025, 8, 29)) == 0
    assert Household.objects.get(pk=marie.pk).first_name == "Marie"

    assert anonymise(date(2025, 8, 30)) == 1


@pytest.mark.django_db
def test_the_retention_period_comes_from_the_network_settings(marie, coordinator, network_org):
    network_settings_update(actor=coordinator, network=network_org, retention_months=36)

    assert anonymise() == 0

    network_settings_update(actor=coordinator, network=network_org, retention_months=12)
    assert anonymise(date(2024, 8, 30)) == 1


@pytest.mark.django_db
def test_a_renewed_pass_keeps_the_household(marie, social_worker_a, partner_a, service_s):
    convention_2026 = convention_make(partner_a, [service_s])
    assessment_make(
        actor=social_worker_a, household=marie, on=date(2026, 2, 20), today=date(2026, 2, 20)
    )
    with on(date(2026, 2, 25)):
        pass_renew(
            actor=social_worker_a,
            access_pass=AccessPass.objects.get(household=marie),
            reason="Nouvelle demande",
            convention=convention_2026,
        )

    assert anonymise() == 0


@pytest.mark.django_db
def test_a_pass_revoked_early_counts_until_its_revocation(
    social_worker_a, partner_a, convention_2023
):
    kept = old_household(social_worker_a, partner_a, convention_2023, first_name="Kept")
    revoked = old_household(social_worker_a, partner_a, convention_2023, first_name="Revoked")
    with on(date(2023, 6, 10)):
        pass_revoke(
            actor=social_worker_a,
            access_pass=AccessPass.objects.get(household=revoked),
            reason="Déménagement",
        )

    # On 01/07/2025 the cut-off is 01/07/2023: the revoked pass ended on 10/06/2023, the
    # other one runs to 29/08/2023.
    assert anonymise(date(2025, 7, 1)) == 1

    assert Household.objects.get(pk=revoked.pk).anonymised_at is not None
    assert Household.objects.get(pk=kept.pk).anonymised_at is None


@pytest.mark.django_db
def test_a_household_never_given_a_pass_is_anonymised_24_months_after_its_last_change(
    social_worker_a, partner_a
):
    with on(PAST):
        household = household_make(social_worker_a, partner_a, first_name="Sans", recorded_on=PAST)
    with on(date(2024, 1, 10)):
        household_update(actor=social_worker_a, household=household, fields={"commune": "Jambes"})

    assert anonymise(date(2026, 1, 10)) == 0
    assert anonymise(date(2026, 1, 11)) == 1


@pytest.mark.django_db
def test_a_recent_assessment_keeps_the_household(social_worker_a, partner_a):
    with on(PAST):
        household = household_make(social_worker_a, partner_a, first_name="Refus", recorded_on=PAST)
    assessment_make(
        actor=social_worker_a,
        household=household,
        on=date(2025, 6, 1),
        outcome="refused",
        today=date(2025, 6, 1),
    )

    assert anonymise() == 0
    assert retention_due(cutoff=months_before(TODAY, 24)).count() == 0


@pytest.mark.django_db
def test_a_household_registered_recently_is_kept(household_a):
    assert anonymise() == 0
    assert anonymise(date(2027, 1, 1)) == 0  # registered on 02/03/2026 (frozen) or today


@pytest.mark.django_db
def test_many_households_are_anonymised_batch_by_batch_and_the_kept_ones_stay(
    monkeypatch, social_worker_a, partner_a, convention_2023
):
    monkeypatch.setattr("passes.services.retention.BATCH_SIZE", 3)
    due, kept = [], []
    for index in range(8):
        with on(PAST):
            household = household_make(social_worker_a, partner_a, recorded_on=PAST)
        (kept if index % 3 == 0 else due).append(household)
    for household in kept:
        assessment_make(
            actor=social_worker_a, household=household, on=TODAY, today=TODAY, outcome="refused"
        )

    assert anonymise() == len(due)

    anonymised = Household.objects.filter(anonymised_at__isnull=False)
    assert sorted(anonymised.values_list("pk", flat=True)) == sorted(h.pk for h in due)
    assert len(audit_entries()) == len(due)


@pytest.mark.django_db
def test_the_apps_above_blank_their_own_free_text_through_the_hook(marie):
    seen: list[list[int]] = []
    households_anonymised_register("test", seen.append)
    try:
        anonymise()
        anonymise()
    finally:
        _on_anonymised.pop("test")

    assert seen == [[marie.pk]]


@pytest.mark.django_db
def test_the_counter_the_shop_and_food_aid_blank_what_they_wrote_about_the_household(marie):
    from counter.models import Visit
    from foodaid.models import Distribution, Handout, HandoutLine
    from shop.models import Sale

    first, second = Visit.objects.filter(access_pass__household=marie).order_by("at")
    # The rows as an undo, a voucher's scan, a handout and corrections leave them.
    Visit.objects.filter(pk=first.pk).update(
        undo_reason="Erreur : c'était sa sœur Jeanne",
        answer={**first.answer, "voucher": {"kind": "referral", "covers": "Manteau pour Marie"}},
    )
    handout = Handout.objects.create(
        service=second.service, visit=second, given_by=second.recorded_by, at=second.at
    )
    HandoutLine.objects.create(handout=handout, text="Manteau taille M pour Marie", count=1)

    anonymise()

    first.refresh_from_db()
    assert first.undo_reason == "Anonymisé"
    assert first.answer["voucher"]["covers"] == ""
    assert first.answer["household_size"] == 3  # what the statistics read stays
    assert list(HandoutLine.objects.values_list("text", flat=True)) == ["Anonymisé"]
    assert not Sale.objects.exclude(reason__in=["", "Anonymisé"]).exists()
    assert not Distribution.objects.exclude(reason__in=["", "Anonymisé"]).exists()


# --- an anonymised household's file is closed ------------------------------------------------


@pytest.fixture
def anonymised(marie):
    anonymise()
    return Household.objects.get(pk=marie.pk)


@pytest.mark.django_db
def test_an_anonymised_file_can_no_longer_change(anonymised, social_worker_a, partner_a, service_s):
    convention_2026 = convention_make(partner_a, [service_s])
    attempts = [
        lambda: household_update(
            actor=social_worker_a, household=anonymised, fields={"first_name": "Marie"}
        ),
        lambda: assessment_record(
            actor=social_worker_a,
            household=anonymised,
            assessed_on=TODAY,
            outcome="granted",
            today=TODAY,
        ),
        lambda: pass_issue(
            actor=social_worker_a, household=anonymised, convention=convention_2026, today=TODAY
        ),
        lambda: pass_renew(
            actor=social_worker_a,
            access_pass=AccessPass.objects.get(household=anonymised),
            reason="Retour",
            convention=convention_2026,
            today=TODAY,
        ),
    ]
    before = Household.objects.values().get(pk=anonymised.pk)
    with on(TODAY):
        for attempt in attempts:
            with pytest.raises(PassRefused) as refused:
                attempt()
            assert refused.value.code == "household_anonymised"
            assert "nouveau ménage" in refused.value.message

    assert Household.objects.values().get(pk=anonymised.pk) == before
    assert AccessPass.objects.filter(household=anonymised).count() == 1


@pytest.mark.django_db
def test_the_household_page_shows_an_anonymised_household_sensibly(
    client, anonymised, social_worker_a
):
    client.force_login(social_worker_a)

    with on(TODAY):
        page = client.get(f"/households/{anonymised.pk}/").content.decode()

    assert "Ménage anonymisé" in page
    assert "Dossier anonymisé le 02/03/2026" in page
    assert "1950" in page  # what stays is still shown
    for gone in ("Marie", "Dupont", "DUPONT", "Namur", "ANONYMISÉ"):
        assert gone not in page
    for action in ("edit/", "assessments/new/", "passes/new/"):
        assert f"/households/{anonymised.pk}/{action}" not in page


@pytest.mark.django_db
def test_the_household_list_shows_an_anonymised_household_and_its_old_name_finds_nothing(
    client, anonymised, social_worker_a
):
    client.force_login(social_worker_a)

    with on(TODAY):
        listed = client.get("/households/").content.decode()
        searched = client.post(
            "/households/",
            {"q": "dupont"},
            headers={"HX-Request": "true", "HX-Target": "household-results"},
        ).content.decode()

    assert "Ménage anonymisé" in listed and "ANONYMISÉ" not in listed
    assert f"/households/{anonymised.pk}/" not in searched


@pytest.mark.django_db
def test_editing_an_anonymised_household_on_its_page_is_refused_with_422(
    client, anonymised, social_worker_a
):
    client.force_login(social_worker_a)
    form = {
        "first_name": "Marie",
        "last_name": "Dupont",
        "birth_year": "1950",
        "postal_code": "5000",
        "commune": "Namur",
        "language": "fr",
        "legal_basis": "public_task",
        "legal_basis_recorded_on": "2023-06-01",
    }

    with on(TODAY):
        response = client.post(f"/households/{anonymised.pk}/edit/", form)

    assert response.status_code == 422
    assert "anonymisé" in response.content.decode()
    assert Household.objects.get(pk=anonymised.pk).first_name == "Anonymisé"


@pytest.mark.django_db
def test_the_api_tells_the_household_is_anonymised_and_refuses_a_change(
    anonymised, social_worker_a
):
    api = APIClient()
    api.force_authenticate(social_worker_a)

    with on(TODAY):
        body = api.get(f"/api/households/{anonymised.pk}/").json()
        patched = api.patch(
            f"/api/households/{anonymised.pk}/", {"postal_code": "5100"}, format="json"
        )

    assert body["anonymised_at"] is not None
    assert (body["first_name"], body["commune"]) == ("Anonymisé", "")
    assert patched.status_code == 409
    assert patched.json()["code"] == "household_anonymised"
    assert Household.objects.get(pk=anonymised.pk).postal_code == ""


@pytest.mark.django_db
def test_another_partner_does_not_see_an_anonymised_household(client, anonymised, social_worker_b):
    client.force_login(social_worker_b)

    with on(TODAY):
        response = client.get(f"/households/{anonymised.pk}/")

    assert response.status_code == 404


# --- two workers at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_anonymise_each_household_once(
    postgres, social_worker_a, partner_a, convention_2023
):
    households = [
        old_household(social_worker_a, partner_a, convention_2023, first_name=f"P{index}")
        for index in range(12)
    ]

    with on(TODAY):
        first = run_together(2, lambda _index: households_anonymise_due())
        again = run_together(2, lambda _index: households_anonymise_due())

    assert not [r for r in first + again if isinstance(r, Exception)], first + again
    assert sum(first) == len(households)
    assert sum(again) == 0
    assert Household.objects.filter(anonymised_at__isnull=False).count() == len(households)
    assert sorted(int(e.target_id) for e in audit_entries()) == sorted(h.pk for h in households)
