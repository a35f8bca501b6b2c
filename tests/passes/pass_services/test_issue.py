"""Passes services: issuing refuses each broken rule on purpose, and what an issue makes."""

from datetime import date, timedelta

import pytest

from comptoir.errors import ErrorKind
from network.models import AuditEntry, UsageRule
from passes.models import AccessPass, Assessment, Household
from passes.selectors import pass_token
from passes.services import (
    PassRefused,
    household_has_pass_elsewhere,
    household_register,
    pass_renew,
    pass_resume,
    pass_revoke,
    pass_suspend,
)
from passes.tokens import human_code_check
from tests.factories import assess, convention_make, household_make, organisation
from tests.passes.pass_services.helpers import TODAY, check, current_card, issue, refused

# --- pass_issue refusals ------------------------------------------------------------


def test_issue_refuses_a_convention_of_another_partner(
    social_worker_a, household, partner_b, service_s
):
    other = convention_make(partner_b, [service_s])
    error = refused(issue, social_worker_a, household, other)
    assert (error.code, error.field, error.kind) == (
        "convention_other_partner",
        "convention",
        ErrorKind.INVALID,
    )


def test_issue_refuses_a_convention_that_has_ended(
    social_worker_a, household, partner_a, service_s
):
    ended = convention_make(
        partner_a, [service_s], starts_on=date(2025, 1, 1), ends_on=date(2026, 3, 1)
    )
    error = refused(issue, social_worker_a, household, ended)
    assert (error.code, error.field) == ("convention_ended", "convention")


def test_issue_refuses_a_convention_that_has_not_started(
    social_worker_a, household, partner_a, service_s
):
    future = convention_make(
        partner_a, [service_s], starts_on=date(2026, 3, 3), ends_on=date(2026, 12, 31)
    )
    error = refused(issue, social_worker_a, household, future, valid_from=date(2026, 3, 3))
    assert (error.code, error.field) == ("convention_not_started", "convention")


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "code", "field"),
    [
        (date(2026, 3, 10), date(2026, 3, 9), "dates_inverted", "valid_until"),
        (date(2026, 3, 1), date(2026, 3, 20), "starts_in_past", "valid_from"),
        (date(2026, 12, 1), date(2027, 1, 1), "beyond_convention", "valid_until"),
        (TODAY, TODAY + timedelta(days=90), "too_long", "valid_until"),
    ],
)
def test_issue_refuses_bad_dates(
    social_worker_a, household, convention, valid_from, valid_until, code, field
):
    error = refused(
        issue,
        social_worker_a,
        household,
        convention,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    assert (error.code, error.field, error.kind) == (code, field, ErrorKind.INVALID)


def test_issue_accepts_exactly_the_longest_validity(social_worker_a, household, convention):
    access_pass = issue(
        social_worker_a, household, convention, valid_until=TODAY + timedelta(days=89)
    )
    assert (access_pass.valid_until - access_pass.valid_from).days + 1 == 90


def test_a_pass_cannot_start_before_its_convention(
    social_worker_a, household, partner_a, service_s
):
    # `before_convention` cannot come out of pass_issue: a start before the
    # convention is either in the past (starts_in_past) or the convention has not
    # started yet (convention_not_started). The check stays for a direct call.
    from passes.services.checks import dates_check

    convention = convention_make(
        partner_a, [service_s], starts_on=date(2026, 3, 10), ends_on=date(2026, 12, 31)
    )
    error = refused(issue, social_worker_a, household, convention, valid_from=TODAY)
    assert error.code == "convention_not_started"
    with pytest.raises(PassRefused) as refusal:
        dates_check(
            convention=convention,
            valid_from=date(2026, 3, 5),
            valid_until=date(2026, 3, 20),
            today=TODAY,
        )
    assert (refusal.value.code, refusal.value.field) == ("before_convention", "valid_from")


def test_issue_refuses_an_empty_choice_of_services(social_worker_a, household, convention):
    error = refused(issue, social_worker_a, household, convention, services=[])
    assert (error.code, error.field) == ("no_service", "services")


def test_issue_refuses_a_service_outside_the_convention(social_worker_a, household, convention):
    elsewhere = organisation(kind="service", name="Coop U", slug="coop-u", service_kind="coop")
    error = refused(issue, social_worker_a, household, convention, services=[elsewhere])
    assert (error.code, error.field) == ("service_not_in_convention", "services")


def test_issue_refuses_a_household_never_assessed(social_worker_a, partner_a, convention):
    household = household_make(social_worker_a, partner_a)
    error = refused(issue, social_worker_a, household, convention)
    assert (error.code, error.field) == ("no_granted_assessment", "household")


def test_issue_follows_the_latest_assessment_not_an_earlier_grant(
    social_worker_a, household, convention
):
    assess(social_worker_a, household, Assessment.Outcome.REFUSED, on=date(2026, 2, 20))
    error = refused(issue, social_worker_a, household, convention)
    assert (error.code, error.field) == ("no_granted_assessment", "household")

    assess(social_worker_a, household, Assessment.Outcome.GRANTED, on=date(2026, 2, 25))
    assert issue(social_worker_a, household, convention).status == AccessPass.Status.ACTIVE


def test_issue_refuses_a_second_open_pass_under_the_same_convention(
    social_worker_a, household, convention
):
    first = issue(social_worker_a, household, convention)
    error = refused(issue, social_worker_a, household, convention)
    assert (error.code, error.field) == ("already_has_pass", "household")

    pass_suspend(actor=social_worker_a, access_pass=first, reason="absent")
    error = refused(issue, social_worker_a, household, convention)
    assert error.code == "already_has_pass"


def test_issue_refuses_past_the_convention_quota(social_worker_a, partner_a, service_s):
    convention = convention_make(partner_a, [service_s], max_active_passes=2)
    households = [household_make(social_worker_a, partner_a) for _ in range(3)]
    for household in households:
        assess(social_worker_a, household)
    issue(social_worker_a, households[0], convention)
    issue(social_worker_a, households[1], convention)
    error = refused(issue, social_worker_a, households[2], convention)
    assert (error.code, error.field) == ("quota_reached", "convention")


def test_a_suspended_pass_keeps_its_place_and_a_revoked_one_frees_it(
    social_worker_a, partner_a, service_s
):
    convention = convention_make(partner_a, [service_s], max_active_passes=1)
    first, second = (household_make(social_worker_a, partner_a) for _ in range(2))
    assess(social_worker_a, first)
    assess(social_worker_a, second)
    held = issue(social_worker_a, first, convention)
    pass_suspend(actor=social_worker_a, access_pass=held, reason="absent")
    assert refused(issue, social_worker_a, second, convention).code == "quota_reached"
    pass_revoke(actor=social_worker_a, access_pass=held, reason="moved away")
    assert issue(social_worker_a, second, convention).status == AccessPass.Status.ACTIVE


# --- pass_issue: what it makes --------------------------------------------------------


def test_issue_defaults_to_today_for_the_longest_validity_and_every_service(
    social_worker_a, household, convention, service_s, service_t
):
    access_pass = issue(social_worker_a, household, convention)
    assert access_pass.valid_from == TODAY
    assert access_pass.valid_until == TODAY + timedelta(days=89)
    assert set(access_pass.services.all()) == {service_s, service_t}
    assert access_pass.card_version == 1
    assert access_pass.partner_id == household.partner_id
    card = current_card(access_pass)
    assert human_code_check(card.human_code) == card.human_code
    assert card.retired_at is None
    assert list(access_pass.events.values_list("action", flat=True)) == ["issue"]
    assert AuditEntry.objects.filter(action="pass.issue", target_id=str(access_pass.pk)).exists()


def test_issue_stops_the_default_validity_at_the_convention_end(
    social_worker_a, household, partner_a, service_s
):
    convention = convention_make(
        partner_a, [service_s], ends_on=date(2026, 4, 15), max_pass_days=90
    )
    access_pass = issue(social_worker_a, household, convention)
    assert access_pass.valid_until == date(2026, 4, 15)

    later = household_make(social_worker_a, household.partner)
    assess(social_worker_a, later)
    starts_later = issue(social_worker_a, later, convention, valid_from=date(2026, 4, 1))
    assert starts_later.valid_until == date(2026, 4, 15)


def test_issue_with_chosen_services_snapshots_only_their_rules(
    social_worker_a, household, convention, service_s
):
    access_pass = issue(social_worker_a, household, convention, services=[service_s])
    assert list(access_pass.services.all()) == [service_s]
    assert [rule["service_id"] for rule in access_pass.rules] == [service_s.pk]


def test_a_pass_keeps_its_rules_when_the_convention_is_amended_until_it_is_renewed(
    social_worker_a, household, convention, service_s
):
    access_pass = issue(social_worker_a, household, convention, services=[service_s])
    old_token = pass_token(access_pass=access_pass)
    assert [r["quantity"] for r in access_pass.rules] == [1]

    UsageRule.objects.filter(convention=convention, service=service_s).update(quantity=2)
    convention.version = 2
    convention.save(update_fields=["version"])

    access_pass.refresh_from_db()
    assert [r["quantity"] for r in access_pass.rules] == [1]
    assert access_pass.convention_version == 1

    renewed = pass_renew(actor=social_worker_a, access_pass=access_pass, reason="new year")
    renewed.refresh_from_db()
    assert [r["quantity"] for r in renewed.rules] == [2]
    assert renewed.convention_version == 2
    assert renewed.card_version == 2
    assert check(old_token) == "replaced"
    assert check(pass_token(access_pass=renewed)) == "ok"
    assert list(renewed.services.all()) == [service_s]


# --- households -----------------------------------------------------------------------


def test_a_pass_elsewhere_is_seen_for_the_same_person_whatever_accents_and_case(
    social_worker_a, social_worker_b, partner_a, partner_b, service_s
):
    mine = household_make(social_worker_a, partner_a, first_name="Hélène", last_name="DUPONT")
    theirs = household_make(social_worker_b, partner_b, first_name="helene", last_name="dupont")
    assert not household_has_pass_elsewhere(household=mine, today=TODAY)

    assess(social_worker_b, theirs)
    their_pass = issue(social_worker_b, theirs, convention_make(partner_b, [service_s]))
    assert household_has_pass_elsewhere(household=mine, today=TODAY)
    # The partner that holds the pass is not told about its own pass.
    assert not household_has_pass_elsewhere(household=theirs, today=TODAY)

    pass_suspend(actor=social_worker_b, access_pass=their_pass, reason="absent")
    assert not household_has_pass_elsewhere(household=mine, today=TODAY)
    pass_resume(actor=social_worker_b, access_pass=their_pass, reason="back")
    assert not household_has_pass_elsewhere(
        household=mine, today=their_pass.valid_until + timedelta(days=1)
    )
    pass_revoke(actor=social_worker_b, access_pass=their_pass, reason="moved")
    assert not household_has_pass_elsewhere(household=mine, today=TODAY)


def test_a_pass_elsewhere_needs_the_same_birth_year_and_names(
    social_worker_a, social_worker_b, partner_a, partner_b, service_s
):
    theirs = household_make(social_worker_b, partner_b, first_name="Ana", last_name="Lopes")
    assess(social_worker_b, theirs)
    issue(social_worker_b, theirs, convention_make(partner_b, [service_s]))
    older = household_make(
        social_worker_a, partner_a, first_name="Ana", last_name="Lopes", birth_year=1979
    )
    cousin = household_make(social_worker_a, partner_a, first_name="Ana", last_name="Lopez")
    assert not household_has_pass_elsewhere(household=older, today=TODAY)
    assert not household_has_pass_elsewhere(household=cousin, today=TODAY)


def test_a_partner_cannot_register_the_same_person_twice(
    social_worker_a, social_worker_b, partner_a, partner_b
):
    household_make(social_worker_a, partner_a, first_name="Hélène", last_name="Dupont-Leroy")
    before = Household.objects.count(), AuditEntry.objects.count()
    with pytest.raises(PassRefused) as refusal:
        household_make(social_worker_a, partner_a, first_name="HELENE", last_name="dupont leroy")
    assert (refusal.value.code, refusal.value.field) == ("household_exists", "last_name")
    assert (Household.objects.count(), AuditEntry.objects.count()) == before
    # Another partner may follow the same person.
    assert household_make(
        social_worker_b, partner_b, first_name="Hélène", last_name="Dupont-Leroy"
    ).pk
    # A person of the same name born another year is someone else.
    assert household_make(
        social_worker_a, partner_a, first_name="Hélène", last_name="Dupont-Leroy", birth_year=1990
    ).pk


def test_register_keeps_the_folded_names(social_worker_a, partner_a):
    household = household_register(
        actor=social_worker_a,
        partner=partner_a,
        fields={
            "first_name": "  Zoë ",
            "last_name": "N'Diaye",
            "birth_year": 1990,
            "postal_code": "5000",
            "commune": "Namur",
            "legal_basis": "consent",
            "legal_basis_recorded_on": TODAY,
        },
    )
    assert (household.first_name_key, household.last_name_key) == ("zoe", "n diaye")
