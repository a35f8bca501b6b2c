"""Dates a person types get sensible bounds and a clear error, in the pages and the API."""

from datetime import date

import pytest

from passes.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_and_keys(frozen_day, pass_keys):
    return frozen_day


@pytest.mark.parametrize(
    ("assessed_on", "code", "words"),
    [
        ("1999-03-02", "assessment_too_old", "plus d'un an"),
        ("2025-02-28", "assessment_too_old", "au plus tôt le 01/03/2025"),
        ("2026-03-03", "assessment_in_future", "dans le futur"),
    ],
)
def test_an_assessment_dated_out_of_bounds_is_refused_in_the_api_and_the_page(
    api, client, social_worker_a, household_a, assessed_on, code, words
):
    before = household_a.assessments.count()
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/households/{household_a.pk}/assessments/",
        {"assessed_on": assessed_on, "outcome": "granted"},
        format="json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, "assessed_on")

    client.force_login(social_worker_a)
    page = client.post(
        f"/households/{household_a.pk}/assessments/new/",
        {"assessed_on": assessed_on, "outcome": "granted"},
    )
    assert page.status_code == 422
    assert words in page.content.decode().replace("&#x27;", "'")
    assert household_a.assessments.count() == before


def test_an_assessment_of_a_year_ago_is_still_accepted(api, social_worker_a, household_a):
    api.force_authenticate(social_worker_a)
    response = api.post(
        f"/api/households/{household_a.pk}/assessments/",
        {"assessed_on": "2025-03-02", "outcome": "granted"},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("year", [1900, 1915, 2027])
def test_a_birth_year_out_of_bounds_is_refused(api, social_worker_a, partner_a, year):
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/households/",
        {
            "first_name": "Rose",
            "last_name": "Lenoir",
            "birth_year": year,
            "postal_code": "5000",
            "commune": "Namur",
            "legal_basis": "consent",
            "legal_basis_recorded_on": "2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "birth_year" in response.json()["errors"]


def test_the_household_services_refuse_dates_out_of_bounds_whoever_calls_them(
    social_worker_a, partner_a, household_a
):
    from comptoir.errors import ErrorKind
    from passes.services import PassRefused, household_register, household_update

    fields = {
        "first_name": "Rose",
        "last_name": "Lenoir",
        "birth_year": 1850,
        "postal_code": "5000",
        "commune": "Namur",
        "legal_basis": "consent",
        "legal_basis_recorded_on": date(2026, 3, 2),
    }
    with pytest.raises(PassRefused) as refused:
        household_register(actor=social_worker_a, partner=partner_a, fields=fields)
    assert (refused.value.code, refused.value.field, refused.value.kind) == (
        "birth_year_out_of_range",
        "birth_year",
        ErrorKind.INVALID,
    )
    tomorrow = {**fields, "birth_year": 1980, "legal_basis_recorded_on": date(2026, 3, 3)}
    with pytest.raises(PassRefused) as refused:
        household_register(actor=social_worker_a, partner=partner_a, fields=tomorrow)
    assert refused.value.code == "legal_basis_in_future"

    # A file whose year has since left the bounds can still have its address corrected.
    Household.objects.filter(pk=household_a.pk).update(birth_year=1900)
    household_update(actor=social_worker_a, household=household_a, fields={"commune": "Jambes"})
    with pytest.raises(PassRefused):
        household_update(actor=social_worker_a, household=household_a, fields={"birth_year": 1899})
