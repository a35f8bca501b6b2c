"""The manager's parcel templates pages, the panel on their home, and the day's parcels at
the counter; and who may see them."""

from decimal import Decimal
from html import unescape

import pytest

from foodaid.models import Distribution, ParcelTemplate
from foodaid.services import distribution_correct, distribution_record, parcel_template_set
from tests.factories import membership, organisation, user

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, manager_s, catalogue):
    client.force_login(manager_s)
    return client


def template_form(low, high, lines, *, initial=0, blank=1):
    """The template form as a browser posts it: the band, then the lines and blank rows."""
    data = {
        "min_persons": str(low),
        "max_persons": "" if high is None else str(high),
        "lines-TOTAL_FORMS": str(len(lines) + blank),
        "lines-INITIAL_FORMS": str(initial),
    }
    for index, (product, quantity) in enumerate(lines):
        data[f"lines-{index}-product"] = "" if product is None else str(product.pk)
        data[f"lines-{index}-quantity"] = quantity
    return data


def text(response) -> str:
    return unescape(response.content.decode())


def lines_of(template):
    return sorted((line.product.name, line.quantity) for line in template.lines.all())


def test_a_manager_creates_a_template_and_sees_what_the_stock_allows(desk, catalogue):
    pasta, oil = catalogue["pasta"], catalogue["oil"]
    page = text(desk.get("/manage/parcels/new/"))
    assert "Pâtes 500 g · 22 en stock" in page and "<optgroup" in page

    created = desk.post(
        "/manage/parcels/new/", template_form(1, 2, [(pasta, "2"), (oil, "1"), (pasta, "0,5")])
    )
    assert created.status_code == 302, text(created)
    assert created["Location"] == "/manage/parcels/"
    template = ParcelTemplate.objects.get()
    assert (template.min_persons, template.max_persons) == (1, 2)
    # The same product on two lines adds up; "0,5" is read in French.
    assert lines_of(template) == [("Huile de tournesol 1 l", D(1)), ("Pâtes 500 g", D("2.5"))]

    listing = text(desk.get("/manage/parcels/"))
    assert "Colis « 1 à 2 personnes » enregistré." in listing
    assert 'data-template="1 à 2 personnes"' in listing
    # Five litres of oil: five complete parcels; the sixth lacks one litre of oil.
    assert 'data-capacity="5"' in listing
    assert "Pour un colis de plus, il manque :" in listing
    assert "<strong>1</strong> × Huile de tournesol 1 l" in listing


def test_a_template_the_stock_cannot_fill_says_what_is_missing(
    desk, catalogue, manager_s, service_s
):
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["nappies"].pk: D(12)},
    )
    listing = text(desk.get("/manage/parcels/"))
    assert 'data-capacity="0"' in listing and "Il manque aujourd'hui :" in listing
    assert "<strong>2</strong> × Langes taille 4" in listing


def test_a_manager_edits_a_template_with_the_same_form(desk, catalogue, manager_s, service_s):
    pasta, oil, nappies = catalogue["pasta"], catalogue["oil"], catalogue["nappies"]
    template = parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=3,
        max_persons=4,
        lines={pasta.pk: D(3), oil.pk: D(1)},
    )
    page = text(desk.get(f"/manage/parcels/{template.pk}/"))
    assert 'value="3"' in page and 'value="4"' in page
    assert f'<option value="{oil.pk}" selected>' in page

    changed = desk.post(
        f"/manage/parcels/{template.pk}/",
        template_form(3, None, [(pasta, "4"), (oil, ""), (nappies, "1")], initial=2),
    )
    # The oil's line left empty: its product is taken out only with its quantity.
    assert changed.status_code == 422
    assert "Combien ?" in text(changed)
    changed = desk.post(
        f"/manage/parcels/{template.pk}/",
        template_form(3, None, [(pasta, "4"), (None, ""), (nappies, "1")], initial=2),
    )
    assert changed.status_code == 302
    template.refresh_from_db()
    assert template.max_persons is None
    assert lines_of(template) == [("Langes taille 4", D(1)), ("Pâtes 500 g", D(4))]


@pytest.mark.parametrize(
    ("low", "high", "lines", "words"),
    [
        (1, 1, [], "Un colis sans produit ne donne rien"),
        (3, 2, [("pasta", "1")], "la plus petite d'abord"),
        (0, None, [("pasta", "1")], "la plus petite d'abord"),
        (2, 3, [("pasta", "1")], "chevauchent le colis « 1 à 2 personnes »"),
        (5, None, [("pasta", "-1")], "Indiquez une quantité plus grande que zéro"),
        (5, None, [(None, "2")], "Choisissez un produit."),
    ],
)
def test_a_template_refused_shows_why_next_to_the_field_and_saves_nothing(
    desk, catalogue, manager_s, service_s, low, high, lines, words
):
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=2,
        lines={catalogue["oil"].pk: D(1)},
    )
    posted = [(catalogue[name] if name else None, quantity) for name, quantity in lines]
    refused = desk.post("/manage/parcels/new/", template_form(low, high, posted))
    assert refused.status_code == 422
    page = text(refused)
    assert words in page
    assert "rien n'a été enregistré" in page or "data-lines-error" in page
    assert ParcelTemplate.objects.count() == 1


def test_more_lines_come_without_saving_anything(desk, catalogue):
    data = template_form(1, 1, [(catalogue["pasta"], "2")], blank=0) | {"more": "1"}
    fragment = desk.post("/manage/parcels/new/", data, **HTMX)
    html = text(fragment)
    assert fragment.status_code == 200 and 'id="parcel-lines"' in html
    assert "<html" not in html and html.count("data-line-row") == 4
    assert f'<option value="{catalogue["pasta"].pk}" selected>' in html
    whole = text(desk.post("/manage/parcels/new/", data))
    assert "<html" in whole and 'value="1"' in whole
    assert not ParcelTemplate.objects.exists()


def test_a_template_is_deleted_after_a_confirmation_and_given_parcels_stay(
    desk, catalogue, manager_s, service_s, volunteer_s, visit_a
):
    template = parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["pasta"].pk: D(2)},
    )
    given = distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    confirm = text(desk.get(f"/manage/parcels/{template.pk}/delete/"))
    assert "Supprimer le colis « 1 personne et plus » ?" in confirm
    assert ParcelTemplate.objects.exists()
    deleted = desk.post(f"/manage/parcels/{template.pk}/delete/")
    assert deleted["Location"] == "/manage/parcels/"
    assert not ParcelTemplate.objects.exists()
    parcel = Distribution.objects.get(pk=given.distribution.pk)
    assert parcel.template is None and parcel.lines.exists()
    assert desk.post(f"/manage/parcels/{template.pk}/delete/").status_code == 404


def test_a_shop_manager_is_told_templates_are_for_food_aid_points(client, catalogue):
    shop = organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")
    client.force_login(membership(user("man.t"), shop, "manager").user)
    page = client.get("/manage/parcels/")
    assert page.status_code == 200
    assert "Épicerie T n'est pas un point d'aide alimentaire" in text(page)
    assert "data-new-template" not in text(page)
    refused = client.post("/manage/parcels/new/", template_form(1, 1, [(catalogue["pasta"], "1")]))
    assert refused.status_code == 409
    assert "n'est pas un point d'aide alimentaire" in text(refused)
    assert not ParcelTemplate.objects.exists()
    assert "data-manager-parcels" not in text(client.get("/manage/"))


def test_another_services_template_is_not_found(desk, catalogue):
    other = organisation(kind="service", name="Colis T", slug="colis-t", service_kind="food_aid")
    manager_t = membership(user("man.t"), other, "manager").user
    theirs = parcel_template_set(
        actor=manager_t,
        service=other,
        min_persons=1,
        max_persons=None,
        lines={catalogue["pasta"].pk: D(1)},
    )
    assert desk.get(f"/manage/parcels/{theirs.pk}/").status_code == 404
    assert desk.post(f"/manage/parcels/{theirs.pk}/delete/").status_code == 404
    assert ParcelTemplate.objects.filter(pk=theirs.pk).exists()


def test_a_volunteer_cannot_open_the_templates(client, volunteer_s, catalogue):
    client.force_login(volunteer_s)
    assert client.get("/manage/parcels/").status_code == 403
    refused = client.post("/manage/parcels/new/", template_form(1, 1, [(catalogue["oil"], "1")]))
    assert refused.status_code == 403
    assert not ParcelTemplate.objects.exists()


def test_the_manager_home_shows_the_templates_and_todays_parcels(
    desk, catalogue, manager_s, service_s, volunteer_s, visit_a
):
    home = text(desk.get("/manage/"))
    assert 'data-templates-count="0"' in home and 'data-parcels-today="0"' in home
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["oil"].pk: D(2)},
    )
    given = distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    home = text(desk.get("/manage/"))
    assert 'data-templates-count="1"' in home and 'data-parcels-today="1"' in home
    assert "6,98" in home  # two litres of oil at 3,49 €
    assert 'href="/manage/parcels/"' in home and 'href="/counter/parcels/"' in home
    assert given.distribution.market_total == D("6.98")


def test_the_counter_lists_todays_parcels_with_their_corrections(
    client, catalogue, manager_s, service_s, volunteer_s, visit_a
):
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={catalogue["oil"].pk: D(2)},
    )
    client.force_login(volunteer_s)
    empty = text(client.get("/counter/parcels/"))
    assert "Aucun colis donné aujourd'hui" in empty
    parcel = distribution_record(
        actor=volunteer_s, service=service_s, visit_id=visit_a.pk
    ).distribution
    distribution_correct(
        actor=volunteer_s,
        service=service_s,
        distribution_id=parcel.pk,
        reason="huile refusée",
        returns={catalogue["oil"].pk: D(1)},
    )
    page = text(client.get("/counter/parcels/"))
    assert f'data-parcel-given="{parcel.pk}"' in page
    assert "Marie · 3 personnes" in page and "huile refusée" in page
    assert "<dd data-parcels-count>1</dd>" in page
    assert "<dd data-parcels-value>3,49\xa0€</dd>" in page
    # The counter links to it beside the verdict.
    assert 'href="/counter/parcels/"' in text(client.get("/counter/"))
