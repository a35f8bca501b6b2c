"""The demo loader tells every pass story and every counter's history through the
services, whatever the date."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from stdnum import ean

from comptoir.dates import local_midnight
from counter.models import Visit
from counter.services import visit_record
from demo.namur.open_counter import try_now
from foodaid.models import Distribution, ParcelTemplate
from network.models import Organisation, UsageRule, User
from passes.models import AccessPass, Assessment, Household, PassEvent, Voucher
from passes.tokens import human_code_display
from schedules.models import Appointment
from shop.models import Sale
from shop.selectors import basket_quote
from shop.services import basket_open, basket_put, sale_checkout
from stock.models import Barcode, Lot, Product, StockMovement
from stock.services import stock_check


@pytest.mark.parametrize(
    "day",
    [date(2027, 1, 1), date(2027, 1, 6), date(2027, 2, 20), date(2027, 6, 15), date(2027, 12, 31)],
)
def test_the_demo_shows_passes_in_every_state_on_any_day(db, capsys, day):
    with time_machine.travel(day.isoformat() + " 10:00", tick=False):
        call_command("demo_load")
        first = capsys.readouterr().out
        counts = (Household.objects.count(), AccessPass.objects.count(), PassEvent.objects.count())
        call_command("demo_load")
        second = capsys.readouterr().out

    assert "Demo data loaded" in first and "Demo data already present." in second
    assert (
        Household.objects.count(),
        AccessPass.objects.count(),
        PassEvent.objects.count(),
    ) == counts
    assert Household.objects.count() == 14
    assert not Household.objects.filter(last_name_key="").exists()
    assert Household.objects.filter(language="nl").count() == 1
    assert Household.objects.filter(language="en").count() == 1
    outcomes = set(Assessment.objects.values_list("outcome", flat=True))
    assert outcomes == {"granted", "refused", "referred"}
    statuses = set(AccessPass.objects.values_list("status", flat=True))
    assert {"active", "suspended", "revoked", "expired"} <= statuses
    assert PassEvent.objects.filter(action="renew").count() == 1
    replaced = AccessPass.objects.get(events__action="replace")
    assert replaced.card_version == 2
    assert replaced.cards.filter(retired_at__isnull=False).count() == 1
    ending_soon = [
        p
        for p in AccessPass.objects.filter(status="active")
        if 0 <= (p.valid_until - day).days <= 10
    ]
    assert len(ending_soon) >= 2
    expired_this_year = AccessPass.objects.filter(status="expired", valid_until__year=day.year)
    if (day - date(day.year, 1, 1)).days >= 10:
        assert expired_this_year.exists()
    else:
        assert "Note: " in first
    assert "Households: 14" in second and "Passes: " in second
    # La Cigogne's Monday session is by appointment: two households are booked into it
    # (in late December the next Monday is beyond this year's conventions).
    booked = Appointment.objects.filter(service__slug="la-cigogne", cancelled_at=None)
    if day.month < 12:
        assert booked.count() == 2
        assert {a.starts_at.weekday() for a in booked} == {0}


def shop_figures(slug: str, today: date) -> tuple[int, int]:
    """(lots on the shelf ending within five days, products under their minimum) at a shop."""
    lots = Lot.objects.filter(service__slug=slug, on_hand__gt=0)
    ending = lots.filter(best_before__gte=today, best_before__lte=today + timedelta(days=5))
    on_hand = dict(lots.values("product").annotate(n=Sum("on_hand")).values_list("product", "n"))
    sold_here = Product.objects.filter(prices__service__slug=slug)
    under = [p for p in sold_here if on_hand.get(p.pk, Decimal(0)) < p.minimum_stock]
    return ending.count(), len(under)


@pytest.mark.parametrize(
    "when",
    ["2027-01-06 10:00", "2027-03-10 23:59:30", "2027-06-15 03:00", "2027-12-31 10:00"],
)
def test_the_demo_shops_have_a_catalogue_stock_and_weeks_of_sales(db, capsys, when):
    with time_machine.travel(when + "+01:00", tick=False):
        today = timezone.localdate()
        call_command("demo_load")
        first = capsys.readouterr().out
        counts = [model.objects.count() for model in (Product, Lot, StockMovement, Sale, Visit)]
        call_command("demo_load")
        second = capsys.readouterr().out

    assert "Demo data loaded" in first and "Demo data already present." in second
    assert [m.objects.count() for m in (Product, Lot, StockMovement, Sale, Visit)] == counts
    with_barcodes = Product.objects.filter(barcodes__isnull=False).distinct()
    assert with_barcodes.count() >= 90
    assert all(ean.is_valid(code) for code in Barcode.objects.values_list("code", flat=True))
    assert set(Product.objects.values_list("category", flat=True)) == set(Product.Category)
    assert stock_check() == []
    for slug in ("la-cigogne", "la-fourmi"):
        eu_aid = Lot.objects.filter(service__slug=slug, origin="eu_food_aid")
        assert eu_aid.exists()
        assert set(eu_aid.values_list("household_price", flat=True)) == {Decimal(0)}
        assert set(eu_aid.values_list("supplier", flat=True)) == {"SPP Intégration sociale — FSE+"}
        assert {"food_bank", "donation", "purchase", "recovery"} <= set(
            Lot.objects.filter(service__slug=slug).values_list("origin", flat=True)
        )
        ending, under = shop_figures(slug, today)
        assert ending and under
    assert not Lot.objects.filter(on_hand__gt=0, best_before__lt=today).exists()

    # The history keeps clear of this week's visit and this month's budget, which the
    # cards offered to try today still have whole; its visits were all accepted.
    visits = Visit.objects.all()
    assert not visits.filter(accepted=False).exists()
    current = min(today - timedelta(days=today.weekday()), today.replace(day=1))
    assert not visits.filter(at__gte=local_midnight(current)).exists()
    sales = Sale.objects.filter(corrects__isnull=True)
    if today.month == 1:
        # This year's passes began on 1 January: none was valid before this week and month.
        assert not sales.exists()
        assert "Note: the shops have no sales history" in first
        return
    for slug in ("la-cigogne", "la-fourmi"):
        here = sales.filter(service__slug=slug)
        assert here.count() >= 3
        assert {"cash", "card"} <= set(here.values_list("payment", flat=True))
        assert Sale.objects.filter(service__slug=slug, corrects__isnull=False).count() == 1
    assert not sales.filter(payment="cash", tendered__isnull=True).exists()


def test_a_card_the_demo_offers_buys_at_the_open_counter_today(db, capsys):
    """The shop's first sale today: a full budget, goods near their date first out."""
    with time_machine.travel("2027-06-15 11:00+01:00", tick=False):
        call_command("demo_load")
        now = try_now()
        service = Organisation.objects.get(name=now.counter.name)
        volunteer = User.objects.get(username=now.counter.volunteers[0])
        verdict = visit_record(
            text=now.cards[0].code,
            service=service,
            user=volunteer,
            idempotency_key="first-sale-today",
        )
        assert verdict.accepted, verdict.reason
        basket = basket_open(actor=volunteer, service=service, visit_id=verdict.visit.pk)
        yoghurt = Product.objects.get(name="Yaourt nature 4 × 125 g")
        basket_put(
            actor=volunteer,
            service=service,
            basket_id=basket.pk,
            quantity=Decimal(2),
            barcode=yoghurt.barcodes.first().code,
        )
        quote = basket_quote(basket)
        sale = sale_checkout(
            actor=volunteer, service=service, basket_id=basket.pk, payment="cash"
        ).sale

    assert quote.budget is not None and quote.budget.used == 0
    line = sale.lines.get()
    assert line.lot.best_before <= date(2027, 6, 20)
    assert stock_check() == []


def made_counts() -> list[int]:
    return [
        model.objects.count()
        for model in (Lot, StockMovement, Visit, ParcelTemplate, Distribution, Voucher)
    ]


@pytest.mark.parametrize(
    "when",
    ["2027-01-02 10:00", "2027-03-10 23:59:30", "2027-06-15 03:00", "2027-12-31 10:00"],
)
def test_the_food_aid_point_restaurant_vestiaire_and_article_27_have_their_history(
    db, capsys, when
):
    with time_machine.travel(when + "+01:00", tick=False):
        today = timezone.localdate()
        call_command("demo_load")
        first = capsys.readouterr().out
        counts = made_counts()
        call_command("demo_load")
        second = capsys.readouterr().out

    assert "Demo data loaded" in first and "Demo data already present." in second
    assert made_counts() == counts
    assert stock_check() == []
    current = min(today - timedelta(days=today.weekday()), today.replace(day=1))
    visits = Visit.objects.all()
    assert not visits.filter(accepted=False).exists()
    assert not visits.filter(at__gte=local_midnight(current)).exists()
    for username in (
        "benevole.saintvincent",
        "gerant.saintvincent",
        "benevole.sauverdias",
        "benevole.vestiaire",
        "benevole.article27",
    ):
        assert username in second

    # Saint-Vincent: templates for 1, 2, 3–4 and 5+ persons, food bank and EU lots, some
    # near their date; parcels before the last fortnight, with their persons reached.
    point = Organisation.objects.get(slug="saint-vincent-jambes")
    bands = ParcelTemplate.objects.filter(service=point).order_by("min_persons")
    assert list(bands.values_list("min_persons", "max_persons")) == [
        (1, 1),
        (2, 2),
        (3, 4),
        (5, None),
    ]
    lots = Lot.objects.filter(service=point)
    assert {"food_bank", "eu_food_aid"} <= set(lots.values_list("origin", flat=True))
    eu_aid = lots.filter(origin="eu_food_aid")
    assert set(eu_aid.values_list("household_price", flat=True)) == {Decimal(0)}
    ending = lots.filter(on_hand__gt=0, best_before__gte=today)
    assert ending.filter(best_before__lte=today + timedelta(days=5)).count() >= 3
    assert not lots.filter(on_hand__gt=0, best_before__lt=today).exists()
    parcels = Distribution.objects.filter(service=point, corrects__isnull=True)
    assert not parcels.filter(at__gte=local_midnight(today - timedelta(days=13))).exists()

    # Les Sauverdias: a sheet of ten paper meal tickets, some used, the rest good today.
    restaurant = Organisation.objects.get(slug="les-sauverdias")
    sheets = Voucher.objects.filter(service=restaurant, kind="meal")
    history = sheets.filter(issued_at__date__lt=today)
    assert history.count() == 10
    assert history.filter(used_at__isnull=False).count() == 4
    assert set(sheets.values_list("household__first_name", flat=True)) == {"Jean-Pierre"}
    # Tickets good today: the rest of that sheet, or, when it ended with last year's
    # convention (early January), a new sheet given at the load.
    good = sheets.filter(used_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
    assert good.count() in (6, 10)

    # The vestiaire: one referral used, one expired, one good today (its code printed).
    vestiaire = Organisation.objects.get(slug="vestiaire-soeurs-charite")
    referrals = Voucher.objects.filter(service=vestiaire, kind="referral")
    assert sorted(r.state_on(today) for r in referrals) == ["expired", "used", "valid"]
    to_try = referrals.get(used_at__isnull=True, valid_until__gte=today)
    assert to_try.valid_from <= today and to_try.covers
    assert human_code_display(to_try.human_code) in second

    # Article 27: a yearly count of uses and a yearly cap on the amounts covered.
    culture = Organisation.objects.get(slug="article-27-namur")
    assert culture.service_kind == "other"
    rules = UsageRule.objects.filter(service=culture, convention__reference__endswith="CPAS")
    assert {(r.kind, r.period) for r in rules} == {("uses", "year"), ("budget", "year")}

    if today.month == 1:
        # This year's passes began on 1 January: no card was valid before this week and
        # month, so only the paper tickets have a history.
        assert not parcels.exists() and not visits.filter(access_pass__isnull=False).exists()
        return
    assert parcels.count() >= 3
    assert Distribution.objects.filter(service=point, corrects__isnull=False).count() == 2
    assert parcels.filter(lines__eu_food_aid=True).exists()
    assert parcels.filter(foreign_background__gt=0).exists()
    assert parcels.filter(with_disability__gt=0).exists()
    assert not parcels.filter(persons=0).exists()
    meals = Visit.objects.filter(service=restaurant, access_pass__isnull=False)
    assert meals.count() >= 5 and meals.filter(units__gt=1).exists()
    uses = Visit.objects.filter(service=culture)
    assert uses.count() >= 3
    assert not uses.filter(amount_cents__isnull=True).exists()
    assert not uses.filter(reference="").exists()
