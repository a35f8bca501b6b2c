"""The basket without the network: the catalogue and budgets in the day's list, the sales
a tablet made offline recorded at their moment, and what cannot be recorded kept for the
manager (never lost: the goods left the shelves)."""

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from comptoir.errors import DomainError
from counter.models import Visit
from shop.models import Sale
from shop.offline import offline_sale_retry
from shop.services import sale_correct
from stock.models import Lot, OfflineHandout
from stock.services import ReceiptLine, stock_receive
from tests.offline_sync import BRUSSELS, SNAPSHOT, at, scanned_offline, tablet_client
from tests.stock.conftest import NAPPIES_EAN

pytestmark = pytest.mark.django_db
D = Decimal
SALES = "/api/shop/offline/sales/"


@pytest.fixture
def device(volunteer_s, open_s, catalogue, pass_keys):
    return tablet_client(volunteer_s)


def sale(visit_key, moment, lines, payment="cash", asked=None, key=None):
    return {
        "idempotency_key": key or uuid.uuid4().hex,
        "visit_key": visit_key,
        "at": moment.isoformat(),
        "lines": [
            {"product": product.pk, "quantity": str(quantity)} for product, quantity in lines
        ],
        "payment": payment,
        "amount_asked": asked,
    }


def on_hand(product) -> Decimal:
    return sum((lot.on_hand for lot in Lot.objects.filter(product=product)), D(0))


def test_the_days_list_carries_the_catalogue_and_each_budget_left(device, catalogue, pass_a):
    shop = device.get(SNAPSHOT).json()["extras"]["shop"]

    assert shop["sync_url"] == SALES
    assert shop["cash_step"] == "0.05"  # Belgium rounds cash to 5 cents
    by_name = {product["name"]: product for product in shop["products"]}
    assert by_name["Pâtes 500 g"]["price"] == "0.39"
    assert by_name["Pâtes 500 g"]["available"] == "22.000"
    assert by_name["Langes taille 4"]["barcodes"] == [NAPPIES_EAN]
    assert shop["budgets"][str(pass_a.pk)] == [7000, 0]
    # No personal data in the catalogue part.
    assert "Marie" not in str(shop)


def test_a_sale_made_offline_is_recorded_at_its_moment_once(device, catalogue, pass_a):
    visit_key = scanned_offline(device, pass_a, at(9, 30))
    sent = sale(
        visit_key, at(9, 32), [(catalogue["nappies"], 2), (catalogue["oil"], 1)], asked="6.00"
    )

    first = device.post(SALES, {"handouts": [sent]}, format="json")
    again = device.post(SALES, {"handouts": [sent]}, format="json")

    assert first.json() == [
        {"idempotency_key": sent["idempotency_key"], "status": "recorded", "message": ""}
    ]
    assert again.json()[0]["status"] == "replayed"
    recorded = Sale.objects.get()
    assert recorded.at == at(9, 32)
    assert recorded.amount_due == D("6.00") and recorded.payment == "cash"
    assert recorded.visit == Visit.objects.get(idempotency_key=visit_key)
    assert on_hand(catalogue["nappies"]) == D(8)
    handout = OfflineHandout.objects.get()
    assert handout.status == "recorded" and handout.source == recorded
    # The budget left in the next list counts it.
    budget = device.get(SNAPSHOT).json()["extras"]["shop"]["budgets"][str(pass_a.pk)]
    assert budget == [7000, 600]


def test_a_sale_the_shelves_no_longer_hold_waits_for_the_manager_then_is_recorded(
    device, client, catalogue, pass_a, pass_b, manager_s, service_s
):
    # Two tablets each sold 6 of the 10 nappies offline.
    first = sale(scanned_offline(device, pass_a, at(9, 30)), at(9, 31), [(catalogue["nappies"], 6)])
    second = sale(
        scanned_offline(device, pass_b, at(9, 35)), at(9, 36), [(catalogue["nappies"], 6)]
    )

    results = device.post(SALES, {"handouts": [second, first]}, format="json").json()

    assert [r["status"] for r in results] == ["pending", "recorded"]
    assert "plus assez en stock (4 disponible)" in results[0]["message"]
    assert Sale.objects.count() == 1
    assert on_hand(catalogue["nappies"]) == D(4)
    client.force_login(manager_s)
    home = client.get("/manage/").content.decode()
    assert "1 remise hors ligne à régulariser" in home
    assert "plus assez en stock" in home
    pending = OfflineHandout.objects.get(status="pending")

    # A volunteer cannot record it again; the manager can, once the delivery is entered.
    volunteer = APIClient()
    volunteer.force_login(pending.handed_by)
    assert volunteer.post(f"/manage/offline/{pending.pk}/sale/").status_code in (302, 403)
    pending.refresh_from_db()
    assert pending.status == "pending"
    retry = client.post(f"/manage/offline/{pending.pk}/sale/", follow=True)
    assert "plus assez en stock" in retry.content.decode()  # still short
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="purchase",
        supplier="Colruyt",
        lines=[ReceiptLine(catalogue["nappies"], D(6), None)],
    )
    retry = client.post(f"/manage/offline/{pending.pk}/sale/", follow=True)

    assert "Remise hors ligne enregistrée" in retry.content.decode()
    pending.refresh_from_db()
    assert pending.status == "recorded"
    assert pending.source.at == at(9, 36)
    assert on_hand(catalogue["nappies"]) == D(4)
    assert "remise hors ligne à régulariser" not in client.get("/manage/").content.decode()


def test_a_sale_past_the_budget_is_recorded_and_shown_to_the_manager(
    device, client, catalogue, pass_a, manager_s
):
    # Earlier sales this month drew 60 € of the 70 € budget; a second visit today (let
    # through by the rules) buys for 17.50 € on a tablet that believed otherwise.
    one = sale(scanned_offline(device, pass_a, at(9, 0)), at(9, 1), [(catalogue["nappies"], 5)])
    assert device.post(SALES, {"handouts": [one]}, format="json").json()[0]["status"] == "recorded"
    Sale.objects.update(amount_due=D("60.00"))
    visit = Visit.objects.get(idempotency_key=one["visit_key"])
    second_key = uuid.uuid4().hex
    Visit.objects.create(
        service=visit.service,
        access_pass=pass_a,
        card_version=pass_a.card_version,
        at=at(9, 40),
        accepted=True,
        recorded_by=visit.recorded_by,
        idempotency_key=second_key,
        answer=visit.answer,
    )
    big = sale(second_key, at(9, 41), [(catalogue["nappies"], 5)], asked="12.50")
    big["lines"].append({"product": catalogue["oil"].pk, "quantity": "5"})

    result = device.post(SALES, {"handouts": [big]}, format="json").json()[0]

    assert result["status"] == "differs"
    assert "Budget de la période dépassé de 7,50" in result["message"]
    assert "La tablette a demandé 12,50" in result["message"]
    assert Sale.objects.count() == 2
    # What changed hands is what the tablet asked; the budget counts what was due.
    recorded = Sale.objects.get(visit__idempotency_key=second_key)
    assert (recorded.amount_due, recorded.amount_paid) == (D("17.50"), D("12.50"))
    client.force_login(manager_s)
    assert "dépassé" in client.get("/manage/").content.decode()
    handout = OfflineHandout.objects.get(status="differs")
    refused = client.post(f"/manage/offline/{handout.pk}/settle/", {"note": ""}, follow=True)
    assert "Dites en quelques mots" in refused.content.decode()
    client.post(f"/manage/offline/{handout.pk}/settle/", {"note": "Vu avec Marie"})
    handout.refresh_from_db()
    assert handout.status == "settled" and handout.settle_note == "Vu avec Marie"
    assert handout.settled_by == manager_s


def test_a_sale_after_a_conflicting_scan_or_a_scan_not_received_waits(device, catalogue, pass_a):
    served = scanned_offline(device, pass_a, at(9, 0))
    conflict = scanned_offline(device, pass_a, at(9, 5))  # the other tablet: refused on sync
    assert Visit.objects.get(idempotency_key=conflict).offline_conflict

    results = device.post(
        SALES,
        {
            "handouts": [
                sale(served, at(9, 1), [(catalogue["oil"], 1)]),
                sale(conflict, at(9, 6), [(catalogue["oil"], 1)]),
                sale("never-arrived-0001", at(9, 7), [(catalogue["oil"], 1)]),
            ]
        },
        format="json",
    ).json()

    assert [r["status"] for r in results] == ["recorded", "pending", "pending"]
    assert "passage accepté" in results[1]["message"]
    assert "n'est pas arrivé" in results[2]["message"]
    assert OfflineHandout.objects.count() == 3
    assert Sale.objects.count() == 1


def test_bad_offline_sales_are_refused_clearly_or_kept_for_the_manager(
    device, catalogue, pass_a, manager_s, service_s
):
    visit_key = scanned_offline(device, pass_a, at(9, 0))

    old = device.post(
        SALES,
        {
            "handouts": [
                sale(visit_key, datetime(2026, 2, 1, 9, tzinfo=BRUSSELS), [(catalogue["oil"], 1)])
            ]
        },
        format="json",
    ).json()[0]
    bad_key = device.post(
        SALES,
        {"handouts": [sale(visit_key, at(9, 1), [(catalogue["oil"], 1)], key="x")]},
        format="json",
    ).json()[0]
    no_quantity = device.post(
        SALES,
        {
            "handouts": [
                {**sale(visit_key, at(9, 1), []), "lines": [{"product": 1, "quantity": "0"}]}
            ]
        },
        format="json",
    )
    other_counter = device.post(SALES, {"service": 999999, "handouts": []}, format="json")
    oil = catalogue["oil"]
    twice = device.post(
        SALES, {"handouts": [sale(visit_key, at(9, 1), [(oil, 1), (oil, 2)])]}, format="json"
    )
    unknown = sale(visit_key, at(9, 2), [(oil, 1)])
    unknown["lines"][0]["product"] = 999999
    unknown = device.post(SALES, {"handouts": [unknown]}, format="json").json()[0]

    assert bad_key["status"] == "rejected" and "Clé d'idempotence" in bad_key["message"]
    assert no_quantity.status_code == 400
    assert twice.status_code == 400
    assert "Chaque produit une seule fois" in str(twice.json())
    assert other_counter.status_code == 404
    assert Sale.objects.count() == 0
    # Kept for the manager rather than dropped: a sale too old to record, an unknown product.
    assert old["status"] == "pending" and "plus vieux que 7 jours" in old["message"]
    assert (
        unknown["status"] == "pending" and "Produit inconnu ici (n° 999999)" in unknown["message"]
    )
    kept = OfflineHandout.objects.get(idempotency_key=old["idempotency_key"])
    assert kept.at == datetime(2026, 2, 1, 9, tzinfo=BRUSSELS)
    # And the manager cannot record it into a month that may be reviewed, only settle it.
    with pytest.raises(DomainError) as refused:
        offline_sale_retry(actor=manager_s, service=service_s, handout_id=kept.pk)
    assert refused.value.code == "offline_at_invalid"


def test_the_counter_page_of_a_shop_carries_the_offline_basket(client, volunteer_s, catalogue):
    client.force_login(volunteer_s)
    page = client.get("/counter/").content.decode()
    assert "offline_basket" in page and 'id="offline-basket-words"' in page
    assert "offline_parcel" not in page


def test_an_offline_sale_records_what_changed_hands(
    device, catalogue, pass_a, volunteer_s, service_s
):
    # Pasta's free EU lot leaves first: the server counts 0 € where the tablet asked
    # 0.80 € in cash (2 × 0.39 €, rounded); and a basket the tablet gave for nothing.
    paid = sale(scanned_offline(device, pass_a, at(9, 0)), at(9, 1), [(catalogue["pasta"], 2)])
    paid["amount_asked"] = "0.78"

    result = device.post(SALES, {"handouts": [paid]}, format="json").json()[0]

    recorded = Sale.objects.get()
    assert result["status"] == "differs"
    assert (recorded.amount_due, recorded.amount_paid, recorded.payment) == (
        D("0.00"),
        D("0.80"),
        "cash",
    )
    assert (recorded.market_total - recorded.amount_due) == D("2.58")  # the aid given

    # Cancelled the same day: what was paid goes back, not what the server counted due.
    correction = sale_correct(
        actor=volunteer_s, service=service_s, sale_id=recorded.pk, reason="Erreur de produit"
    )
    assert (correction.amount_due, correction.amount_paid) == (D("0.00"), D("-0.80"))


def test_a_basket_given_for_nothing_offline_refunds_nothing(
    device, catalogue, pass_a, volunteer_s, service_s
):
    free = sale(scanned_offline(device, pass_a, at(9, 0)), at(9, 1), [(catalogue["oil"], 1)])
    free.update(payment="none", amount_asked="0.00")
    device.post(SALES, {"handouts": [free]}, format="json")
    recorded = Sale.objects.get()
    assert (recorded.amount_due, recorded.amount_paid, recorded.payment) == (
        D("1.00"),
        D("0.00"),
        "none",
    )

    correction = sale_correct(
        actor=volunteer_s, service=service_s, sale_id=recorded.pk, reason="Erreur de produit"
    )

    assert (correction.amount_due, correction.amount_paid) == (D("-1.00"), D("0.00"))
