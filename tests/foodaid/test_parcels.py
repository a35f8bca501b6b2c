"""Parcels: templates by household size, the parcel from the stock, its correction."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from counter.services import UndoRefused, visit_undo
from foodaid.models import Distribution
from foodaid.selectors import parcel_lots, parcel_plan, template_for
from foodaid.services import (
    distribution_correct,
    distribution_record,
    parcel_template_set,
)
from stock.models import Lot, StockMovement
from stock.services import ReceiptLine, StockRefused, product_create, stock_check, stock_receive
from tests.factories import membership, organisation, user

D = Decimal


def refusal_of(call) -> str:
    with pytest.raises(StockRefused) as refused:
        call()
    return refused.value.code


@pytest.fixture
def bands(manager_s, service_s, catalogue):
    """Four templates: 1, 2, 3–4 and 5+ persons."""
    pasta, oil, nappies = catalogue["pasta"], catalogue["oil"], catalogue["nappies"]

    def band(low, high, lines):
        return parcel_template_set(
            actor=manager_s, service=service_s, min_persons=low, max_persons=high, lines=lines
        )

    return {
        "1": band(1, 1, {pasta.pk: D(1)}),
        "2": band(2, 2, {pasta.pk: D(2), oil.pk: D(1)}),
        "3-4": band(3, 4, {pasta.pk: D(3), oil.pk: D(2), nappies.pk: D(1)}),
        "5+": band(5, None, {pasta.pk: D(5), oil.pk: D(3), nappies.pk: D(2)}),
    }


def test_templates_cover_bands_of_household_sizes(bands, service_s):
    assert [t.band_label() for t in bands.values()] == [
        "1 personne",
        "2 personnes",
        "3 à 4 personnes",
        "5 personnes et plus",
    ]
    assert template_for(service_s, 4) == bands["3-4"]
    assert template_for(service_s, 9) == bands["5+"]


def test_a_template_is_refused_when_empty_overlapping_or_out_of_order(
    bands, manager_s, service_s, catalogue
):
    pasta = catalogue["pasta"].pk
    common = {"actor": manager_s, "service": service_s}
    assert refusal_of(
        lambda: parcel_template_set(**common, min_persons=6, max_persons=7, lines={})
    ) == ("template_empty")
    assert (
        refusal_of(
            lambda: parcel_template_set(**common, min_persons=4, max_persons=6, lines={pasta: D(1)})
        )
        == "band_overlap"
    )
    assert (
        refusal_of(
            lambda: parcel_template_set(**common, min_persons=3, max_persons=2, lines={pasta: D(1)})
        )
        == "band_invalid"
    )
    assert (
        refusal_of(
            lambda: parcel_template_set(
                **common, min_persons=0, max_persons=None, lines={pasta: D(1)}
            )
        )
        == "band_invalid"
    )
    assert (
        refusal_of(
            lambda: parcel_template_set(
                **common,
                min_persons=1,
                max_persons=1,
                lines={pasta: D(-1)},
                template_id=bands["1"].pk,
            )
        )
        == "quantity_invalid"
    )
    # Nothing half-saved: the 1-person template still gives one pasta.
    assert [(line.product_id, line.quantity) for line in bands["1"].lines.all()] == [(pasta, D(1))]


def test_only_a_manager_of_a_food_aid_point_sets_templates(service_s, volunteer_s, catalogue):
    pasta = catalogue["pasta"].pk
    assert (
        refusal_of(
            lambda: parcel_template_set(
                actor=volunteer_s,
                service=service_s,
                min_persons=1,
                max_persons=1,
                lines={pasta: D(1)},
            )
        )
        == "not_allowed"
    )
    shop = organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")
    shop_manager = membership(user("man.t"), shop, "manager").user
    assert (
        refusal_of(
            lambda: parcel_template_set(
                actor=shop_manager, service=shop, min_persons=1, max_persons=1, lines={pasta: D(1)}
            )
        )
        == "not_food_aid_point"
    )


def test_a_parcel_leaves_the_stock_first_expired_first_and_counts_the_persons(
    bands, visit_a, volunteer_s, service_s
):
    # Household A: Marie (born 1980), a girl aged 3–15, a man aged 25–64: 3 persons.
    given = distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    parcel = given.distribution
    assert not given.replayed and parcel.template == bands["3-4"]
    lines = [(line.product.name, line.quantity, line.eu_food_aid) for line in parcel.lines.all()]
    # Pasta: the EU lot (dated June) goes first, then one from the food bank's.
    assert sorted(lines) == sorted(
        [
            ("Pâtes 500 g", D(2), True),
            ("Pâtes 500 g", D(1), False),
            ("Huile de tournesol 1 l", D(2), False),
            ("Langes taille 4", D(1), False),
        ]
    )
    assert parcel.market_total == D("3.87") + D("6.98") + D("12.90")
    assert (parcel.persons, parcel.children, parcel.seniors, parcel.women) == (3, 1, 0, 1)
    assert parcel.movements.filter(kind=StockMovement.Kind.DISTRIBUTION).count() == 4
    assert Lot.objects.filter(origin="eu_food_aid").get().on_hand == 0
    assert stock_check() == []


def test_a_second_request_for_the_same_visit_gets_the_same_parcel(
    bands, visit_a, volunteer_s, service_s
):
    first = distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    again = distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    assert again.replayed and again.distribution == first.distribution
    assert Distribution.objects.count() == 1


def test_a_product_short_is_made_up_within_its_category_or_shown_short(
    manager_s, service_s, catalogue, visit_a, volunteer_s
):
    pasta, oil = catalogue["pasta"], catalogue["oil"]
    rice = product_create(
        actor=manager_s,
        service=service_s,
        name="Riz 1 kg",
        category="dry",
        unit="piece",
        market_price=D("2.10"),
    )
    stock_receive(
        actor=manager_s,
        service=service_s,
        origin="food_bank",
        lines=[ReceiptLine(rice, D(2), date(2026, 8, 1))],
    )
    template = parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={oil.pk: D(8), pasta.pk: D(1)},
    )
    preview = parcel_plan(template, parcel_lots(service_s, template, date(2026, 3, 2)))
    shown = [
        (line.product.name, line.quantity, line.substitutes, line.short) for line in preview.lines
    ]
    # Oil: 5 in stock, 2 rice stand in, 1 still short; pasta whole.
    assert shown == [
        ("Huile de tournesol 1 l", D(5), None, D(1)),
        ("Riz 1 kg", D(2), oil, D(0)),
        ("Pâtes 500 g", D(1), None, D(0)),
    ]
    parcel = distribution_record(
        actor=volunteer_s, service=service_s, visit_id=visit_a.pk
    ).distribution
    rice_line = parcel.lines.get(product=rice)
    assert rice_line.substitutes == oil and rice_line.quantity == 2


def test_a_parcel_is_refused_without_a_template_stock_or_accepted_visit(
    catalogue, manager_s, service_s, visit_a, volunteer_s, pass_a
):
    assert (
        refusal_of(
            lambda: distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
        )
        == "no_template"
    )
    nappies = catalogue["nappies"]
    parcel_template_set(
        actor=manager_s,
        service=service_s,
        min_persons=1,
        max_persons=None,
        lines={nappies.pk: D(1)},
    )
    for lot in Lot.objects.filter(product=nappies):
        from stock.services import stock_lose

        stock_lose(actor=manager_s, lot=lot, quantity=lot.on_hand, reason="inondation")
    assert (
        refusal_of(
            lambda: distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
        )
        == "out_of_stock"
    )
    visit_undo(visit_id=visit_a.pk, service=service_s, user=volunteer_s, reason="erreur de carte")
    assert (
        refusal_of(
            lambda: distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
        )
        == "visit_not_accepted"
    )
    assert not Distribution.objects.exists()
    assert not StockMovement.objects.filter(kind="distribution").exists()


def test_a_shop_gives_no_parcel(catalogue, pass_a, volunteer_s, service_s):
    shop = organisation(kind="service", name="Épicerie T", slug="epicerie-t", service_kind="shop")
    seller = membership(user("vol.t"), shop, "volunteer").user
    assert (
        refusal_of(lambda: distribution_record(actor=seller, service=shop, visit_id=1))
        == "not_food_aid_point"
    )


def test_a_visit_with_a_parcel_cannot_be_undone(bands, visit_a, volunteer_s, service_s):
    distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    with pytest.raises(UndoRefused) as refused:
        visit_undo(visit_id=visit_a.pk, service=service_s, user=volunteer_s, reason="erreur")
    assert refused.value.code == "visit_in_use"


def test_a_parcel_is_corrected_the_same_day_back_into_its_lots(
    bands, visit_a, volunteer_s, manager_s, service_s, catalogue
):
    parcel = distribution_record(
        actor=volunteer_s, service=service_s, visit_id=visit_a.pk
    ).distribution
    nappies = catalogue["nappies"]
    assert (
        refusal_of(
            lambda: distribution_correct(
                actor=volunteer_s, service=service_s, distribution_id=parcel.pk, reason="x"
            )
        )
        == "reason_required"
    )
    assert (
        refusal_of(
            lambda: distribution_correct(
                actor=volunteer_s,
                service=service_s,
                distribution_id=parcel.pk,
                reason="langes refusés",
                returns={nappies.pk: D(2)},
            )
        )
        == "return_too_much"
    )
    correction = distribution_correct(
        actor=volunteer_s,
        service=service_s,
        distribution_id=parcel.pk,
        reason="langes refusés",
        returns={nappies.pk: D(1)},
    )
    assert correction.market_total == D("-12.90")
    assert Lot.objects.get(product=nappies).on_hand == 10
    everything = distribution_correct(
        actor=manager_s, service=service_s, distribution_id=parcel.pk, reason="ménage reparti"
    )
    assert everything.market_total == -(parcel.market_total - D("12.90"))
    assert Lot.objects.filter(origin="eu_food_aid").get().on_hand == 2
    assert (
        refusal_of(
            lambda: distribution_correct(
                actor=manager_s, service=service_s, distribution_id=parcel.pk, reason="encore"
            )
        )
        == "already_cancelled"
    )
    assert stock_check() == []


def test_a_parcel_is_corrected_only_the_same_day(bands, visit_a, volunteer_s, service_s):
    parcel = distribution_record(
        actor=volunteer_s, service=service_s, visit_id=visit_a.pk
    ).distribution
    with time_machine.travel(parcel.at + timedelta(days=1), tick=False):
        assert (
            refusal_of(
                lambda: distribution_correct(
                    actor=volunteer_s, service=service_s, distribution_id=parcel.pk, reason="oubli"
                )
            )
            == "correction_too_late"
        )


def test_the_tablet_shows_the_parcel_then_gives_it_then_takes_it_back(
    client, bands, visit_a, volunteer_s, service_s
):
    client.force_login(volunteer_s)
    page = client.get(f"/counter/visits/{visit_a.pk}/parcel/").content.decode()
    assert "Colis « 3 à 4 personnes »" in page and "Langes taille 4" in page
    given = client.post(f"/counter/visits/{visit_a.pk}/parcel/give/")
    parcel = Distribution.objects.get()
    assert given["Location"] == f"/counter/parcels/{parcel.pk}/"
    # A second tap (or a reload of the preview) leads to the same parcel.
    assert client.get(f"/counter/visits/{visit_a.pk}/parcel/")["Location"] == given["Location"]
    summary = client.get(given["Location"]).content.decode()
    assert "aide européenne" in summary and "Personnes atteintes" in summary
    client.post(f"/counter/parcels/{parcel.pk}/correct/", {"reason": "ménage absent", "whole": "1"})
    assert parcel.corrections.get().market_total == -parcel.market_total
    assert stock_check() == []


def test_the_verdict_at_a_food_aid_point_leads_to_the_parcel(
    client, bands, pass_a, pass_keys, open_s, volunteer_s, service_s
):
    from passes.selectors import pass_token

    client.force_login(volunteer_s)
    html = client.post(
        "/counter/scan/", {"code": pass_token(access_pass=pass_a), "idempotency_key": "k" * 16}
    ).content.decode()
    assert "Colis du ménage" in html


def test_the_household_page_lists_the_parcel_for_its_social_worker(
    client, bands, visit_a, volunteer_s, service_s, social_worker_a, household_a
):
    distribution_record(actor=volunteer_s, service=service_s, visit_id=visit_a.pk)
    client.force_login(social_worker_a)
    page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "Colis : 6 articles, 23,75" in page


def test_a_parcel_taken_back_whole_lets_the_visit_be_undone(bands, visit_a, volunteer_s, service_s):
    parcel = distribution_record(
        actor=volunteer_s, service=service_s, visit_id=visit_a.pk
    ).distribution
    distribution_correct(
        actor=volunteer_s, service=service_s, distribution_id=parcel.pk, reason="mauvaise carte"
    )
    undone = visit_undo(
        visit_id=visit_a.pk, service=service_s, user=volunteer_s, reason="mauvaise carte"
    )
    assert undone.undone_at is not None


def test_odd_numbers_in_a_correction_form_are_refused_not_a_crash(
    client, bands, visit_a, volunteer_s, service_s
):
    parcel = distribution_record(
        actor=volunteer_s, service=service_s, visit_id=visit_a.pk
    ).distribution
    client.force_login(volunteer_s)
    answer = client.post(
        f"/counter/parcels/{parcel.pk}/correct/", {"reason": "test", "return-²": "1"}
    )
    assert answer.status_code == 302
