"""The EU food-aid categories of a household: recorded by its partner only, checked
against the household's size, counted per distribution by `persons_reached`, and
never shown outside the partner (the audit keeps field names, never values)."""

import html
import importlib
from datetime import date

import pytest
from django.apps import apps
from django.utils import translation

from network.audit import audit_trail_for
from network.models import AuditEntry
from passes.apps import food_aid_bands_check
from passes.models import Household, HouseholdMember
from passes.selectors import PersonsReached, household_get_for_user, persons_reached
from passes.services import MemberData, PassRefused, household_update
from tests.factories import household_make
from tests.passes.api.common import NEW_HOUSEHOLD

pytestmark = pytest.mark.django_db

CATEGORIES = {
    "holder_sex": "f",
    "persons_with_disability": 1,
    "persons_of_foreign_background": 0,
    "persons_homeless": None,
}
NOT_RECORDED = {
    "holder_sex": "",
    "persons_with_disability": None,
    "persons_of_foreign_background": None,
    "persons_homeless": None,
}


@pytest.fixture(autouse=True)
def _day_keys_and_language(frozen_day, pass_keys):
    with translation.override("fr"):
        yield


def categories_of(household: Household) -> dict:
    household.refresh_from_db()
    return {name: getattr(household, name) for name in Household.FOOD_AID_FIELDS}


# --- the API ------------------------------------------------------------------------


def test_a_household_is_registered_with_its_categories(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.post("/api/households/", {**NEW_HOUSEHOLD, **CATEGORIES}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert {name: body[name] for name in CATEGORIES} == CATEGORIES
    assert categories_of(Household.objects.get(pk=body["id"])) == CATEGORIES


def test_categories_are_not_recorded_unless_the_partner_records_them(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    body = api.post("/api/households/", NEW_HOUSEHOLD, format="json").json()

    assert {name: body[name] for name in NOT_RECORDED} == NOT_RECORDED
    assert categories_of(Household.objects.get(pk=body["id"])) == NOT_RECORDED


def test_a_social_worker_records_the_categories_and_the_audit_keeps_only_their_names(
    api, social_worker_a, household_a
):
    api.force_authenticate(social_worker_a)
    response = api.patch(
        f"/api/households/{household_a.pk}/",
        {"holder_sex": "f", "persons_homeless": 3, "persons_with_disability": 2},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["holder_sex"], body["persons_homeless"], body["persons_with_disability"]) == (
        "f",
        3,
        2,
    )
    assert body["persons_of_foreign_background"] is None
    entry = AuditEntry.objects.get(action="household.update")
    assert entry.detail == {
        "fields": ["holder_sex", "persons_homeless", "persons_with_disability"],
        "members": False,
    }
    # Not a value anywhere in the trail of the household (register, view, update).
    trail = audit_trail_for(household_a)
    assert {e.action for e in trail} == {"household.register", "household.update"}
    for detail in trail.values_list("detail", flat=True):
        assert set(detail) <= {"fields", "members"}
        assert all(isinstance(name, str) for name in detail.get("fields", []))


def test_a_partner_head_may_clear_a_category_back_to_not_recorded(
    api, partner_head_a, social_worker_a, household_a
):
    household_update(actor=social_worker_a, household=household_a, fields=CATEGORIES)
    api.force_authenticate(partner_head_a)
    response = api.patch(
        f"/api/households/{household_a.pk}/",
        {"holder_sex": "", "persons_with_disability": None},
        format="json",
    )

    assert response.status_code == 200
    assert categories_of(household_a)["holder_sex"] == ""
    assert categories_of(household_a)["persons_with_disability"] is None


def test_a_count_above_the_households_size_is_refused_and_nothing_is_saved(
    api, social_worker_a, household_a
):
    api.force_authenticate(social_worker_a)
    response = api.patch(
        f"/api/households/{household_a.pk}/",
        {"commune": "Jambes", "holder_sex": "f", "persons_homeless": 4},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "category_above_size",
        "detail": "4 personnes sans abri : le ménage n'en compte que 3.",
        "field": "persons_homeless",
    }
    household_a.refresh_from_db()
    assert household_a.commune == "Namur"
    assert categories_of(household_a) == NOT_RECORDED
    assert not AuditEntry.objects.filter(action="household.update").exists()


def test_fewer_members_cannot_leave_a_count_above_the_size(api, social_worker_a, household_a):
    household_update(
        actor=social_worker_a, household=household_a, fields={"persons_of_foreign_background": 2}
    )
    api.force_authenticate(social_worker_a)
    response = api.patch(f"/api/households/{household_a.pk}/", {"members": []}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "category_above_size"
    assert body["field"] == "persons_of_foreign_background"
    assert body["detail"] == (
        "2 personnes migrantes, d'origine étrangère ou d'une minorité : "
        "le ménage ne compte qu'une personne."
    )
    assert household_a.members.count() == 2


def test_a_registration_with_a_count_above_its_size_saves_nothing(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.post(
        "/api/households/", {**NEW_HOUSEHOLD, "persons_with_disability": 4}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "4 personnes en situation de handicap : le ménage n'en compte que 3."
    )
    assert Household.objects.count() == 0
    assert HouseholdMember.objects.count() == 0
    assert not AuditEntry.objects.filter(action="household.register").exists()


def test_a_negative_count_or_an_unknown_sex_is_refused_with_a_sentence(
    api, social_worker_a, household_a
):
    api.force_authenticate(social_worker_a)
    response = api.patch(
        f"/api/households/{household_a.pk}/",
        {"persons_with_disability": -1, "holder_sex": "q"},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["persons_with_disability"] == [
        "Indiquez un nombre de personnes : 0 ou plus, ou laissez vide."
    ]
    assert errors["holder_sex"] == ["«\xa0q\xa0» n'est pas un choix valide."]
    assert categories_of(household_a) == NOT_RECORDED


def test_the_service_refuses_a_negative_count_whoever_calls_it(social_worker_a, household_a):
    with pytest.raises(PassRefused) as refused:
        household_update(
            actor=social_worker_a, household=household_a, fields={"persons_homeless": -1}
        )

    assert (refused.value.code, refused.value.field) == ("category_negative", "persons_homeless")
    assert categories_of(household_a) == NOT_RECORDED


def test_another_partners_social_worker_cannot_set_the_categories(
    api, client, social_worker_b, household_a
):
    api.force_authenticate(social_worker_b)
    response = api.patch(
        f"/api/households/{household_a.pk}/", {"persons_homeless": 1}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Non trouvé."}
    client.force_login(social_worker_b)
    page = client.post(
        f"/households/{household_a.pk}/edit/", {"holder_sex": "m", "persons_homeless": "1"}
    )
    assert page.status_code == 404
    assert categories_of(household_a) == NOT_RECORDED
    assert not AuditEntry.objects.filter(action="household.update").exists()


# --- the pages ----------------------------------------------------------------------


def household_form(**changes) -> dict:
    data = {
        "first_name": "Amina",
        "last_name": "El Idrissi",
        "birth_year": "1988",
        "postal_code": "5000",
        "commune": "Namur",
        "language": "fr",
        "legal_basis": "consent",
        "legal_basis_recorded_on": "2026-03-01",
        "members_3_15_f": "1",
        "holder_sex": "",
        "persons_with_disability": "",
        "persons_of_foreign_background": "",
        "persons_homeless": "",
    }
    return {**data, **changes}


def test_the_form_explains_the_categories_and_records_them(client, social_worker_a):
    client.force_login(social_worker_a)
    page = html.unescape(client.get("/households/new/").content.decode())
    assert "Catégories de l'aide alimentaire européenne (facultatif)" in page
    assert "Seule l'équipe sociale de votre service voit ces informations" in page
    assert 'name="persons_homeless"' in page

    response = client.post(
        "/households/new/", household_form(holder_sex="f", persons_with_disability="2")
    )

    assert response.status_code == 302
    household = Household.objects.get()
    assert categories_of(household) == {
        **NOT_RECORDED,
        "holder_sex": "f",
        "persons_with_disability": 2,
    }
    detail = html.unescape(client.get(response["Location"]).content.decode())
    assert "Sexe de la personne de référence</dt><dd>Femme</dd>" in detail
    assert "En situation de handicap</dt><dd>2</dd>" in detail
    assert "Sans abri</dt><dd>non indiqué</dd>" in detail


def test_the_form_refuses_a_count_above_the_size_next_to_the_field(client, social_worker_a):
    client.force_login(social_worker_a)
    response = client.post("/households/new/", household_form(persons_homeless="3"))

    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["persons_homeless"] == [
        "3 personnes sans abri : le ménage n'en compte que 2."
    ]
    assert Household.objects.count() == 0
    response = client.post("/households/new/", household_form(persons_homeless="-2"))
    assert response.context["form"].errors["persons_homeless"] == [
        "Indiquez un nombre de personnes : 0 ou plus, ou laissez vide."
    ]


def test_the_edit_form_shows_what_was_recorded(client, social_worker_a, household_a):
    household_update(actor=social_worker_a, household=household_a, fields=CATEGORIES)
    client.force_login(social_worker_a)
    form = client.get(f"/households/{household_a.pk}/edit/").context["form"]
    assert {name: form[name].value() for name in CATEGORIES} == CATEGORIES


def test_the_card_shows_none_of_the_categories(client, social_worker_a, household_a, pass_a):
    household_update(
        actor=social_worker_a,
        household=household_a,
        fields={"holder_sex": "f", "persons_homeless": 1, "persons_with_disability": 1},
    )
    client.force_login(social_worker_a)
    card = html.unescape(client.get(f"/passes/{pass_a.pk}/card/").content.decode()).lower()
    for word in ("abri", "handicap", "étrangère", "homeless", "disability", "holder_sex"):
        assert word not in card


# --- persons reached ----------------------------------------------------------------


def family(actor, partner, **categories) -> Household:
    """A woman born in 1956 (70 in 2026), a girl of 3-15, a young man of 16-24, a man of 65+."""
    members = [MemberData("3-15", "f"), MemberData("16-24", "m"), MemberData("65+", "m")]
    return household_make(actor, partner, birth_year=1956, members=members, **categories)


def test_persons_reached_counts_each_person_in_every_category_that_applies(
    social_worker_a, partner_a
):
    household = family(
        social_worker_a,
        partner_a,
        holder_sex="f",
        persons_with_disability=1,
        persons_of_foreign_background=0,
    )

    reached = persons_reached(household, date(2026, 3, 2))

    # The holder is a woman and a senior; the girl a child and a woman; the man of 65+ a
    # senior; the one with a disability is counted again there.
    assert reached == PersonsReached(
        persons=4,
        children=1,
        seniors=2,
        women=2,
        with_disability=1,
        foreign_background=0,
        homeless=0,
        recorded=("women", "with_disability", "foreign_background"),
    )


def test_a_category_not_recorded_counts_zero_and_says_so(social_worker_a, partner_a):
    household = family(social_worker_a, partner_a)

    reached = persons_reached(household, date(2026, 3, 2))

    assert (reached.women, reached.with_disability, reached.homeless) == (1, 0, 0)
    assert reached.recorded == ()


def test_the_holders_age_is_reached_in_the_year_of_the_distribution(social_worker_a, partner_a):
    born_2011 = household_make(social_worker_a, partner_a, birth_year=2011)
    born_1961 = household_make(social_worker_a, partner_a, birth_year=1961)
    born_1962 = household_make(social_worker_a, partner_a, birth_year=1962)

    assert persons_reached(born_2011, date(2026, 1, 1)).children == 1  # 15 this year
    assert persons_reached(born_2011, date(2027, 1, 1)).children == 0
    assert persons_reached(born_1961, date(2026, 1, 1)).seniors == 1  # 65 this year
    assert persons_reached(born_1962, date(2026, 12, 31)).seniors == 0


def test_persons_reached_reads_the_members_once_or_not_at_all_when_prefetched(
    social_worker_a, partner_a, django_assert_num_queries
):
    household = Household.objects.get(pk=family(social_worker_a, partner_a).pk)
    with django_assert_num_queries(1):
        persons_reached(household, date(2026, 3, 2))
    prefetched = household_get_for_user(user=social_worker_a, household_id=household.pk)
    with django_assert_num_queries(0):
        assert persons_reached(prefetched, date(2026, 3, 2)).persons == 4


def test_the_age_cut_offs_are_settings(settings, social_worker_a, partner_a):
    household = family(social_worker_a, partner_a)
    settings.FOOD_AID_CHILD_BANDS = ("0-2", "3-15", "16-24")
    settings.FOOD_AID_CHILD_MAX_AGE = 24

    assert persons_reached(household, date(2026, 3, 2)).children == 2


def test_a_snapshot_goes_to_json_and_back_and_reads_older_ones():
    reached = PersonsReached(
        persons=3, children=1, seniors=0, women=2, homeless=3, recorded=("women", "homeless")
    )

    data = reached.as_json()

    assert data == {
        "persons": 3,
        "children": 1,
        "seniors": 0,
        "women": 2,
        "with_disability": 0,
        "foreign_background": 0,
        "homeless": 3,
        "recorded": ["women", "homeless"],
    }
    assert PersonsReached.from_json(data) == reached
    assert PersonsReached.from_json({"persons": 2}) == PersonsReached(2, 0, 0, 0)


# --- the age bands ------------------------------------------------------------------


def test_the_old_bands_move_to_the_bands_around_15(social_worker_a, partner_a):
    household = household_make(social_worker_a, partner_a)
    # Rows as the old bands left them (the database holds any code).
    HouseholdMember.objects.bulk_create(
        HouseholdMember(household=household, age_band=band, sex="f")
        for band in ("0-2", "3-14", "15-24", "65+")
    )
    migration = importlib.import_module("passes.migrations.0004_age_bands_around_15")

    migration.bands_map(migration.FORWARDS)(apps, None)

    bands = sorted(household.members.values_list("age_band", flat=True))
    assert bands == ["0-2", "16-24", "3-15", "65+"]


@pytest.mark.parametrize(
    "wrong",
    [
        {"FOOD_AID_CHILD_BANDS": ("0-2",)},
        {"FOOD_AID_CHILD_MAX_AGE": 14},
        {"FOOD_AID_SENIOR_BANDS": ("25-64", "65+")},
        {"FOOD_AID_SENIOR_MIN_AGE": 60},
    ],
)
def test_bands_that_do_not_meet_the_cut_offs_stop_the_start(settings, wrong, capsys):
    food_aid_bands_check()  # the settings as shipped
    for name, value in wrong.items():
        setattr(settings, name, value)

    with pytest.raises(SystemExit):
        food_aid_bands_check()
    assert "Comptoir configuration error: FOOD_AID_" in capsys.readouterr().err
