"""The stock's tests (and the shop's, which reuse them): a service open all day, a small
catalogue with prices, a scanned household."""

import uuid
from datetime import date, time
from decimal import Decimal

import pytest

from counter.models import Visit
from counter.services import visit_record
from passes.selectors import pass_token
from schedules.models import OpeningRule
from stock.models import Product
from stock.services import ReceiptLine, product_create, service_price_set, stock_receive
from tests.passes.conftest import (  # noqa: F401  (fixtures, found by name)
    convention_a,
    convention_b,
    frozen_day,
    household_a,
    household_b,
    make_convention,
    make_household,
    pass_a,
    pass_b,
    pass_keys,
)

D = Decimal
# Real EAN-13 check digits (python-stdnum verifies them).
PASTA_EAN = "5410000000019"
OIL_EAN = "5410000000026"
NAPPIES_EAN = "5410000000033"


@pytest.fixture
def open_s(service_s):
    return OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )


@pytest.fixture
def catalogue(frozen_day, manager_s, service_s):  # noqa: F811
    """Pasta (1.29 €, sold at 30 %), oil (3.49 €, fixed 1.00 €), nappies (12.90 €, 2.50 €),
    received from the food bank; pasta also has an older EU food-aid lot (free)."""

    def make(name, market, ean, category="dry"):
        return product_create(
            actor=manager_s,
            service=service_s,
            name=name,
            category=category,
            unit="piece",
            market_price=D(market),
            barcodes=[ean],
        )

    pasta = make("Pâtes 500 g", "1.29", PASTA_EAN)
    oil = make("Huile de tournesol 1 l", "3.49", OIL_EAN)
    nappies = make("Langes taille 4", "12.90", NAPPIES_EAN, "baby")
    service_price_set(actor=manager_s, service=service_s, product=pasta, percent=D(30))
    service_price_set(actor=manager_s, service=service_s, product=oil, price=D("1.00"))
    service_price_set(actor=manager_s, service=service_s, product=nappies, price=D("2.50"))
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="food_bank",
        supplier="Banque alimentaire de Namur",
        lines=[
            ReceiptLine(pasta, D(20), date(2026, 9, 1)),
            ReceiptLine(oil, D(5), date(2026, 12, 1)),
            ReceiptLine(nappies, D(10), None),
        ],
    )
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="eu_food_aid",
        supplier="SPP Intégration sociale (FSE+)",
        lines=[ReceiptLine(pasta, D(2), date(2026, 6, 1))],
    )
    return {"pasta": pasta, "oil": oil, "nappies": nappies}


def scan(service, user, access_pass) -> Visit:
    verdict = visit_record(
        text=pass_token(access_pass=access_pass),
        service=service,
        user=user,
        idempotency_key=uuid.uuid4().hex,
    )
    return verdict.visit


@pytest.fixture
def visit_a(frozen_day, pass_keys, open_s, service_s, volunteer_s, pass_a) -> Visit:  # noqa: F811
    """Household A (3 persons: a 70 € monthly budget) scanned and accepted at the shop."""
    visit = scan(service_s, volunteer_s, pass_a)
    assert visit.accepted, visit.reason
    return visit


def product_named(name: str) -> Product:
    return Product.objects.get(name=name)
