"""Every operation of the API's own schema, walked: each one refuses the anonymous
caller (401) and the user without a role (403), and a volunteer the household collections."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from counter.services import visit_record
from foodaid.handouts import HandoutItem, handout_record
from foodaid.services import distribution_record, parcel_template_set
from passes.selectors import pass_token
from schedules.models import OpeningRule
from shop.services import basket_open, basket_put, sale_checkout
from stock.models import Lot
from stock.services import (
    ReceiptLine,
    inventory_start,
    product_create,
    receipt_start,
    stock_receive,
)
from tests.factories import (
    assess,
    convention_make,
    household_make,
    membership,
    organisation,
    pass_make,
    user,
)

pytestmark = pytest.mark.django_db

# Public by design: a device trades a password for a token. The schema marks it so itself
# (`security: [{}]`); naming it here makes an operation turned public by mistake fail.
# The schema and its docs are served to anyone too, but are not operations of it.
PUBLIC_OPERATIONS = {("post", "/api/auth/token/")}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

# Who is refused what: (status, code, the operations walked).
EVERY, HOUSEHOLD_COLLECTIONS = "every", "household collections"
REFUSALS = {
    "anonymous": (401, "not_authenticated", EVERY),
    "user_without_role": (403, "no_active_membership", EVERY),
    # A counter volunteer never deals with households: the collections refuse. One of
    # them by id is a 404 instead, as for anyone outside the partner (NOT_A_PARTNER).
    "volunteer_s": (403, "permission_denied", HOUSEHOLD_COLLECTIONS),
}


@pytest.fixture
def real_ids(world, service_s, volunteer_s, manager_s) -> dict[str, int]:
    """A real row behind every `{id}` of the API, so that no refusal is a 404 in disguise."""
    w = world
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    verdict = visit_record(
        text=pass_token(access_pass=w.access_pass),
        service=service_s,
        user=volunteer_s,
        idempotency_key="schema-walk",
    )
    rice = product_create(
        actor=manager_s,
        service=service_s,
        name="Riz",
        category="dry",
        unit="piece",
        market_price=Decimal("2.00"),
        price=Decimal("0.50"),
    )
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="donation",
        lines=[ReceiptLine(rice, Decimal(5))],
    )
    basket = basket_open(actor=volunteer_s, service=service_s, visit_id=verdict.visit.pk)
    basket_put(
        actor=volunteer_s,
        service=service_s,
        basket_id=basket.pk,
        product_id=rice.pk,
        quantity=Decimal(1),
    )
    sale = sale_checkout(
        actor=volunteer_s, service=service_s, basket_id=basket.pk, payment="card"
    ).sale
    receipt = receipt_start(actor=manager_s, service=service_s, origin="donation")
    count = inventory_start(actor=manager_s, service=service_s)
    # A food-aid point beside the shop, with a template and a parcel given.
    food = organisation(kind="service", name="Colis F", slug="colis-f", service_kind="food_aid")
    food_manager = membership(user("man.f"), food, "manager").user
    food_volunteer = membership(user("vol.f"), food, "volunteer").user
    OpeningRule.objects.create(
        service=food, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    household = household_make(w.social_worker_a, w.partner_a)
    assess(w.social_worker_a, household)
    food_pass = pass_make(w.social_worker_a, household, convention_make(w.partner_a, [food]))
    food_visit = visit_record(
        text=pass_token(access_pass=food_pass),
        service=food,
        user=food_volunteer,
        idempotency_key="schema-walk-parcel",
    ).visit
    stock_receive(
        actor=food_manager, service=food, origin="food_bank", lines=[ReceiptLine(rice, Decimal(3))]
    )
    template = parcel_template_set(
        actor=food_manager,
        service=food,
        min_persons=1,
        max_persons=None,
        lines={rice.pk: Decimal(1)},
    )
    parcel = distribution_record(actor=food_volunteer, service=food, visit_id=food_visit.pk)
    # A vestiaire, and what it gave on a visit.
    vest = organisation(kind="service", name="Vestiaire F", slug="vest-f", service_kind="vestiaire")
    vest_volunteer = membership(user("vol.vest.f"), vest, "volunteer").user
    OpeningRule.objects.create(
        service=vest, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    vest_pass = pass_make(w.social_worker_a, household, convention_make(w.partner_a, [vest]))
    vest_visit = visit_record(
        text=pass_token(access_pass=vest_pass),
        service=vest,
        user=vest_volunteer,
        idempotency_key="schema-walk-vestiaire",
    ).visit
    handout = handout_record(
        actor=vest_volunteer, service=vest, visit_id=vest_visit.pk, items=[HandoutItem("Pull")]
    )
    return {
        "/api/foodaid/handouts/{id}": handout.pk,
        "/api/foodaid/parcel-templates/{id}": template.pk,
        "/api/foodaid/visits/{id}": food_visit.pk,
        "/api/foodaid/distributions/{id}": parcel.distribution.pk,
        "/api/shop/baskets/{id}": basket.pk,
        "/api/stock/catalogue/{id}": rice.pk,
        "/api/stock/receipts/{id}": receipt.pk,
        "/api/stock/counts/{id}": count.pk,
        "/api/stock/lots/{id}": Lot.objects.get(product=rice, service=service_s).pk,
        "/api/shop/sales/{id}": sale.pk,
        "/api/households/{id}": w.household.pk,
        "/api/assessments/{id}": w.assessment.pk,
        "/api/passes/{id}": w.access_pass.pk,
        "/api/vouchers/{id}": w.voucher.pk,
        "/api/counter/visits/{id}": verdict.visit.pk,
    }


def schema_operations(client: APIClient) -> list[tuple[str, str, list[dict]]]:
    """(method, path, security) of every operation the served schema lists."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return [
        (method, path, operation.get("security", []))
        for path, item in response.json()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def with_real_ids(path: str, ids: dict[str, int]) -> str:
    if "{" not in path:
        return path
    for template, pk in ids.items():
        if path.startswith(template):
            return path.replace("{id}", str(pk))
    raise AssertionError(f"no real row for {path}: add one to real_ids")


def table_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.parametrize("persona", REFUSALS)
def test_every_api_operation_refuses_a_caller_without_the_right_with_one_exact_status(
    request, real_ids, persona
):
    status, code, walked = REFUSALS[persona]
    client = APIClient()
    operations = schema_operations(client)  # as an anonymous caller: the schema is public
    public = {(method, path) for method, path, security in operations if {} in security}
    assert public == PUBLIC_OPERATIONS
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))
    calls = [
        (method, with_real_ids(path, real_ids))
        for method, path, _security in operations
        if (method, path) not in public
        and (walked == EVERY or (path.startswith("/api/households/") and "{" not in path))
    ]
    assert len(calls) >= 3
    before = table_counts()

    wrong = []
    for method, url in calls:
        send = getattr(client, method)
        response = send(url) if method == "get" else send(url, {}, format="json")
        is_json = response.get("Content-Type", "").startswith("application/json")
        body = response.json() if is_json else None
        challenge = response.get("WWW-Authenticate")
        if (
            response.status_code != status
            or not body
            or body.keys() != {"code", "detail"}
            or body["code"] != code
            or challenge != ("Token" if status == 401 else None)
        ):
            answer = response.content[:200].decode(errors="replace")
            wrong.append(f"{method.upper()} {url}: {response.status_code} {challenge} {answer}")
    assert not wrong, f"{persona}, expected {status} {code}:\n" + "\n".join(wrong)
    assert table_counts() == before
