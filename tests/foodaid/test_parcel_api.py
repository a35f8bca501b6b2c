"""Food aid's API: the manager's parcel templates, and a parcel given by a counter's device
(preview, distribution, replay, correction); refusals as codes with a sentence."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from foodaid.models import Distribution, ParcelTemplate
from stock.models import Lot
from stock.services import stock_check
from tests.factories import membership, organisation, user

pytestmark = pytest.mark.django_db
TEMPLATES = "/api/foodaid/parcel-templates/"
DISTRIBUTIONS = "/api/foodaid/distributions/"


@pytest.fixture
def desk(manager_s, catalogue):
    client = APIClient()
    client.force_authenticate(manager_s)
    return client


@pytest.fixture
def device(volunteer_s, catalogue):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    return client


def band(low, high, *lines):
    return {
        "min_persons": low,
        "max_persons": high,
        "lines": [{"product": product.pk, "quantity": quantity} for product, quantity in lines],
    }


@pytest.fixture
def templates(desk, catalogue):
    """1–2 persons: pasta and oil; 3 and more: more of both, and nappies."""
    pasta, oil, nappies = catalogue["pasta"], catalogue["oil"], catalogue["nappies"]
    small = desk.post(TEMPLATES, band(1, 2, (pasta, "2"), (oil, "1")), format="json")
    large = desk.post(
        TEMPLATES, band(3, None, (pasta, "3"), (oil, "2"), (nappies, "1")), format="json"
    )
    assert (small.status_code, large.status_code) == (201, 201), (small.json(), large.json())
    return {"small": small.json(), "large": large.json()}


def test_a_manager_lists_creates_changes_and_deletes_templates(desk, templates, catalogue):
    large = templates["large"]
    assert large["band"] == "3 personnes et plus" and large["max_persons"] is None
    assert [(line["name"], line["quantity"]) for line in large["lines"]] == [
        ("Pâtes 500 g", "3.000"),
        ("Huile de tournesol 1 l", "2.000"),
        ("Langes taille 4", "1.000"),
    ]
    listed = desk.get(TEMPLATES).json()
    assert [t["band"] for t in listed] == ["1 à 2 personnes", "3 personnes et plus"]

    changed = desk.put(
        f"{TEMPLATES}{large['id']}/",
        band(3, 4, (catalogue["pasta"], "4"), (catalogue["pasta"], "1")),
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["band"] == "3 à 4 personnes"
    assert [(line["name"], line["quantity"]) for line in changed.json()["lines"]] == [
        ("Pâtes 500 g", "5.000")
    ]
    assert desk.get(f"{TEMPLATES}{large['id']}/").json() == changed.json()

    assert desk.delete(f"{TEMPLATES}{large['id']}/").status_code == 204
    assert desk.delete(f"{TEMPLATES}{large['id']}/").json()["code"] == "not_found"
    assert list(ParcelTemplate.objects.values_list("min_persons", flat=True)) == [1]


def test_a_template_refused_is_a_code_with_a_sentence_and_nothing_saved(desk, templates, catalogue):
    pasta = catalogue["pasta"]
    cases = [
        (band(2, 3, (pasta, "1")), 409, "band_overlap", "min_persons"),
        (band(4, 3, (pasta, "1")), 400, "band_invalid", "min_persons"),
        (band(7, None), 400, "template_empty", "lines"),
        (band(7, None, (pasta, "0")), 400, "quantity_invalid", "lines"),
    ]
    for body, status, code, field in cases:
        refused = desk.post(TEMPLATES, body, format="json")
        assert refused.status_code == status, refused.json()
        assert (refused.json()["code"], refused.json()["field"]) == (code, field)
        assert refused.json()["detail"]
    unknown = desk.post(TEMPLATES, {"min_persons": 7, "lines": [{"product": 0}]}, format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid")
    assert ParcelTemplate.objects.count() == 2


def test_only_a_manager_of_a_food_aid_point_sets_templates(device, catalogue, templates):
    refused = device.post(TEMPLATES, band(7, None, (catalogue["pasta"], "1")), format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert device.get(TEMPLATES).status_code == 403

    shop = organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")
    shop_manager = APIClient()
    shop_manager.force_authenticate(membership(user("man.t"), shop, "manager").user)
    refused = shop_manager.post(TEMPLATES, band(1, 1, (catalogue["pasta"], "1")), format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_food_aid_point")
    assert shop_manager.get(TEMPLATES).json()["code"] == "not_food_aid_point"
    # Another service's template is not found, as if it did not exist.
    theirs = f"{TEMPLATES}{templates['small']['id']}/"
    assert shop_manager.get(theirs).status_code == 404
    assert shop_manager.delete(theirs).status_code == 404
    assert ParcelTemplate.objects.count() == 2


def test_a_device_previews_gives_replays_and_corrects_a_parcel(
    device, templates, visit_a, catalogue
):
    preview = device.get(f"/api/foodaid/visits/{visit_a.pk}/parcel/")
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["persons"], body["template"]["band"], body["distribution"]) == (
        3,
        "3 personnes et plus",
        None,
    )
    assert [(line["name"], line["quantity"], line["short"]) for line in body["lines"]] == [
        ("Pâtes 500 g", "3.000", "0.000"),
        ("Huile de tournesol 1 l", "2.000", "0.000"),
        ("Langes taille 4", "1.000", "0.000"),
    ]
    assert body["market_total"] == "23.75" and body["empty"] is False

    given = device.post(DISTRIBUTIONS, {"visit": visit_a.pk}, format="json")
    assert given.status_code == 201, given.json()
    parcel = given.json()
    assert (parcel["persons"], parcel["market_total"], parcel["replayed"]) == (3, "23.75", False)
    # The EU lot of pasta (two packs, dated first) leaves first, flagged for the EU report.
    assert sorted(
        (line["name"], line["quantity"], line["eu_food_aid"]) for line in parcel["lines"]
    ) == [
        ("Huile de tournesol 1 l", "2.000", False),
        ("Langes taille 4", "1.000", False),
        ("Pâtes 500 g", "1.000", False),
        ("Pâtes 500 g", "2.000", True),
    ]
    again = device.post(DISTRIBUTIONS, {"visit": visit_a.pk}, format="json")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["id"] == parcel["id"] and Distribution.objects.count() == 1
    assert (
        device.get(f"/api/foodaid/visits/{visit_a.pk}/parcel/").json()["distribution"]
        == (parcel["id"])
    )
    assert device.get(f"{DISTRIBUTIONS}{parcel['id']}/").json()["lines"] == parcel["lines"]

    corrections = f"{DISTRIBUTIONS}{parcel['id']}/corrections/"
    nappies = catalogue["nappies"].pk
    too_much = device.post(
        corrections,
        {"reason": "langes refusés", "returns": [{"product": nappies, "quantity": "2"}]},
        format="json",
    )
    assert (too_much.status_code, too_much.json()["code"]) == (400, "return_too_much")
    no_reason = device.post(corrections, {"reason": ""}, format="json")
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "reason_required")
    corrected = device.post(
        corrections,
        {"reason": "langes refusés", "returns": [{"product": nappies, "quantity": "1"}]},
        format="json",
    )
    assert corrected.status_code == 201, corrected.json()
    assert corrected.json()["corrects"] == parcel["id"]
    assert corrected.json()["market_total"] == "-12.90"
    assert [(line["name"], line["quantity"]) for line in corrected.json()["lines"]] == [
        ("Langes taille 4", "-1.000")
    ]
    assert device.get(f"{DISTRIBUTIONS}{parcel['id']}/").json()["corrections"] == [
        corrected.json()["id"]
    ]
    assert Lot.objects.get(product_id=nappies).on_hand == 10
    assert stock_check() == []


def test_a_parcel_is_refused_without_a_template(device, visit_a, catalogue):
    preview = device.get(f"/api/foodaid/visits/{visit_a.pk}/parcel/")
    assert (preview.status_code, preview.json()["code"]) == (409, "no_template")
    refused = device.post(DISTRIBUTIONS, {"visit": visit_a.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "no_template")
    assert "le gestionnaire doit en créer un" in refused.json()["detail"]
    assert not Distribution.objects.exists()


def test_a_shop_gives_no_parcel_by_api(visit_a, catalogue):
    shop = organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")
    seller = APIClient()
    seller.force_authenticate(membership(user("vol.t"), shop, "volunteer").user)
    refused = seller.post(DISTRIBUTIONS, {"visit": visit_a.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_food_aid_point")
    assert "n'est pas un point d'aide alimentaire" in refused.json()["detail"]


def test_another_services_visit_and_parcel_are_not_found(device, templates, visit_a, catalogue):
    parcel = device.post(DISTRIBUTIONS, {"visit": visit_a.pk}, format="json").json()
    other = organisation(kind="service", name="Colis T", slug="colis-t", service_kind="food_aid")
    stranger = APIClient()
    stranger.force_authenticate(membership(user("vol.t"), other, "volunteer").user)
    refused = stranger.post(DISTRIBUTIONS, {"visit": visit_a.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert stranger.get(f"/api/foodaid/visits/{visit_a.pk}/parcel/").status_code == 404
    assert stranger.get(f"{DISTRIBUTIONS}{parcel['id']}/").status_code == 404
    taken_back = stranger.post(
        f"{DISTRIBUTIONS}{parcel['id']}/corrections/", {"reason": "pas chez nous"}, format="json"
    )
    assert taken_back.status_code == 404
    # Naming a counter the caller does not work at is a 404 too.
    assert (
        device.post(
            DISTRIBUTIONS, {"visit": visit_a.pk, "service": other.pk}, format="json"
        ).status_code
        == 404
    )
    assert Distribution.objects.count() == 1
