"""A small month to compile: November 2026 at four counters under two conventions, built
through the services with the clock set to each moment (time-machine).

The fixture `november` is offered to the reports' tests by their conftest.

Brussels is on winter time all of November 2026 (UTC+1): the month runs from
31 October 23:00 UTC to 30 November 23:00 UTC. Its weeks start on Mondays 26 October,
2, 9, 16, 23 and 30 November.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from counter.models import Visit
from counter.services import UseRecorded, visit_record, visit_undo
from demo import world
from foodaid.services import distribution_correct, distribution_record, parcel_template_set
from network.models import Convention, Organisation, User
from passes.keys import keyring
from passes.models import AccessPass, Household
from passes.selectors import pass_token, voucher_token
from passes.services import (
    MemberData,
    pass_issue,
    pass_renew,
    pass_resume,
    pass_revoke,
    pass_suspend,
    passes_expire_due,
)
from passes.services.vouchers import meal_tickets_issue
from passes.tokens import TokenClaims, token_decode, token_encode_raw, token_sign
from reports.models import Figure, MonthReport
from shop.services import basket_open, basket_put, sale_checkout, sale_correct
from stock.services import ReceiptLine, product_create, stock_receive
from tests.factories import assess, household_make, membership, organisation, user
from tests.stock.conftest import OIL_EAN, PASTA_EAN

BRUSSELS = ZoneInfo("Europe/Brussels")
NOVEMBER = date(2026, 11, 1)
D = Decimal


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BRUSSELS)


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """The whole system's clock at `moment` (row timestamps, `today` of every service)."""
    with time_machine.travel(moment, tick=False):
        yield


def scan(service: Organisation, volunteer: User, text: str, moment: datetime, **extra) -> Visit:
    with clock(moment):
        verdict = visit_record(
            text=text,
            service=service,
            user=volunteer,
            idempotency_key=uuid.uuid4().hex,
            moment=moment,
            **extra,
        )
    return verdict.visit


def card(access_pass: AccessPass) -> str:
    access_pass.refresh_from_db()
    return pass_token(access_pass=access_pass)


def forged(access_pass: AccessPass) -> str:
    """The pass's genuine token with one byte of its signature changed."""
    raw = bytearray(token_decode(card(access_pass)))
    raw[-1] ^= 0x01
    return token_encode_raw(bytes(raw))


def unknown_pass_card() -> str:
    """A genuinely signed card naming a pass that does not exist."""
    ring = keyring()
    claims = TokenClaims(
        deployment=ring.deployment,
        key_id=ring.signing_key_id,
        pass_id=999_999,
        card_version=1,
        valid_until=date(2026, 12, 31),
    )
    return token_sign(claims, ring)


@dataclass
class Month:
    """What the seeded month is made of, by the names the expected figures use."""

    shop: Organisation
    food_aid: Organisation
    restaurant: Organisation
    culture: Organisation
    convention_a: Convention
    convention_b: Convention
    households: dict[str, Household]
    passes: dict[str, AccessPass]
    volunteers: dict[str, User]
    managers: dict[str, User]
    social_workers: dict[str, User]


def figures_of(report: MonthReport) -> dict[tuple[str | None, str | None, str, str], int]:
    """The report's figures as {(convention reference, service slug, indicator, detail):
    value}, leaving out zeros: a figure that is not there reads as 0 on every page."""
    rows = Figure.objects.filter(report=report).select_related("convention", "service")
    figures: dict[tuple[str | None, str | None, str, str], int] = {}
    for row in rows:
        key = (
            row.convention.reference if row.convention else None,
            row.service.slug if row.service else None,
            row.indicator,
            row.detail,
        )
        assert key not in figures, f"two rows for {key}"
        if row.value:
            figures[key] = row.value
    return figures


def rows_of(report: MonthReport) -> list[tuple]:
    """The report's rows as sorted tuples (what two compilations must share)."""
    return sorted(
        Figure.objects.filter(report=report).values_list(
            "convention_id", "service_id", "indicator", "detail", "value"
        ),
        key=lambda row: tuple((value is None, value) for value in row),
    )


def _organisations(service_s: Organisation) -> dict[str, Organisation]:
    food_aid = organisation(kind="service", name="Colis F", slug="colis-f", service_kind="food_aid")
    restaurant = organisation(
        kind="service", name="Resto M", slug="resto-m", service_kind="restaurant"
    )
    culture = organisation(kind="service", name="Culture O", slug="culture-o", service_kind="other")
    services = {"shop": service_s, "food_aid": food_aid, "restaurant": restaurant}
    services["culture"] = culture
    for service in services.values():
        # Open day and night, public holidays too: 1 November is one, and the month's
        # first minutes are tested.
        world.counter_open_all_day(service)
    return services


def _conventions(partner_a, partner_b, s: dict[str, Organisation]) -> tuple[Convention, ...]:
    rule = world.RuleSpec
    convention_a = world.convention_make(
        partner=partner_a,
        services=[s["shop"], s["food_aid"], s["restaurant"], s["culture"]],
        reference="CONV-A",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        max_active_passes=10,
        max_pass_days=90,
    )
    convention_b = world.convention_make(
        partner=partner_b,
        services=[s["shop"], s["restaurant"]],
        reference="CONV-B",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        max_active_passes=5,
        max_pass_days=90,
    )
    for convention in (convention_a, convention_b):
        world.usage_rule_make(convention=convention, service=s["shop"], rule=rule.visits(1))
        world.usage_rule_make(
            convention=convention, service=s["restaurant"], rule=rule.meal_tickets(2)
        )
    world.usage_rule_make(convention=convention_a, service=s["food_aid"], rule=rule.parcels(1))
    world.usage_rule_make(
        convention=convention_a, service=s["culture"], rule=rule.uses(6, period="year")
    )
    world.usage_rule_make(
        convention=convention_a,
        service=s["culture"],
        rule=rule.budget(15000, 0, period="year"),
    )
    return convention_a, convention_b


def _households(social_worker_a, social_worker_b, partner_a, partner_b) -> dict[str, Household]:
    """Who is who, counted with 2026 as the year of the ages:

    - H1 (partner A), 4 persons: Awa, born 1980 (46: 25-64), a woman; a girl of 3-15, a
      boy of 0-2, a man of 25-64; 1 person with a disability, 4 of foreign background.
    - H2 (partner A), 1 person: Bernard, born 1955 (71: 65+), a man; homeless.
    - H3 (partner B), 3 persons: Chloé, born 2005 (21: 16-24), a woman; a man of 16-24
      and a woman of 65+; 2 persons with a disability.
    - H4 (partner A), 2 persons: Dimitri, born 1990 (36: 25-64), sex not recorded; a boy
      of 3-15. No pass: a sheet of paper meal tickets.
    - H5, H6, H9 (partner A) and H7, H8 (partner B): passes with a story, never served.
    """
    a, b = (social_worker_a, partner_a), (social_worker_b, partner_b)
    made = {
        "H1": household_make(
            *a,
            first_name="Awa",
            birth_year=1980,
            holder_sex="f",
            members=[MemberData("3-15", "f"), MemberData("0-2", "m"), MemberData("25-64", "m")],
            persons_with_disability=1,
            persons_of_foreign_background=4,
        ),
        "H2": household_make(
            *a, first_name="Bernard", birth_year=1955, holder_sex="m", persons_homeless=1
        ),
        "H3": household_make(
            *b,
            first_name="Chloé",
            birth_year=2005,
            holder_sex="f",
            members=[MemberData("16-24", "m"), MemberData("65+", "f")],
            persons_with_disability=2,
        ),
        "H4": household_make(
            *a, first_name="Dimitri", birth_year=1990, members=[MemberData("3-15", "m")]
        ),
    }
    for name, worker in (("H5", a), ("H6", a), ("H7", b), ("H8", b), ("H9", a)):
        made[name] = household_make(*worker, first_name=name, birth_year=1970)
    for name, household in made.items():
        worker = social_worker_b if name in ("H3", "H7", "H8") else social_worker_a
        assess(worker, household, on=date(2026, 9, 30))
    return made


def _catalogues(managers: dict[str, User], s: dict[str, Organisation]) -> dict[str, object]:
    """The shop sells pasta (market 1.20 €, sold 0.40 €) and oil (3.50 €, sold 1.00 €).

    The food-aid point gives rice by the kilo (2.00 €/kg), milk by the litre (1.00 €/l)
    and tins (1.50 € each): a parcel for 1 person holds 1 kg of rice and 1 tin, one for 3
    to 4 persons 2 kg of rice, 3 l of milk and 2 tins (10.00 €, 5 kg or litres).
    """

    def product(manager, service, name, unit, market, **kw):
        return product_create(
            actor=manager,
            service=service,
            name=name,
            category="dry",
            unit=unit,
            market_price=D(market),
            **kw,
        )

    shop, food_aid = s["shop"], s["food_aid"]
    pasta = product(
        managers["shop"], shop, "Pâtes", "piece", "1.20", price=D("0.40"), barcodes=[PASTA_EAN]
    )
    oil = product(
        managers["shop"], shop, "Huile", "piece", "3.50", price=D("1.00"), barcodes=[OIL_EAN]
    )
    stock_receive(
        actor=managers["shop"],
        service=shop,
        origin="food_bank",
        lines=[ReceiptLine(pasta, D(20), date(2027, 6, 1)), ReceiptLine(oil, D(10), None)],
    )
    rice = product(managers["food_aid"], food_aid, "Riz", "kg", "2.00")
    milk = product(managers["food_aid"], food_aid, "Lait", "litre", "1.00")
    tins = product(managers["food_aid"], food_aid, "Conserves", "piece", "1.50")
    stock_receive(
        actor=managers["food_aid"],
        service=food_aid,
        origin="food_bank",
        lines=[
            ReceiptLine(rice, D(50), date(2027, 6, 1)),
            ReceiptLine(milk, D(50), date(2027, 6, 1)),
            ReceiptLine(tins, D(50), date(2027, 6, 1)),
        ],
    )
    for low, high, lines in (
        (1, 1, {rice.pk: D(1), tins.pk: D(1)}),
        (2, 2, {rice.pk: D(1), milk.pk: D(2), tins.pk: D(1)}),
        (3, None, {rice.pk: D(2), milk.pk: D(3), tins.pk: D(2)}),
    ):
        parcel_template_set(
            actor=managers["food_aid"],
            service=food_aid,
            min_persons=low,
            max_persons=high,
            lines=lines,
        )
    return {"pasta": pasta, "oil": oil}


def _sell(service, volunteer, visit: Visit, moment: datetime, basket: dict[str, int]):
    with clock(moment):
        opened = basket_open(actor=volunteer, service=service, visit_id=visit.pk)
        for barcode, quantity in basket.items():
            basket_put(
                actor=volunteer,
                service=service,
                basket_id=opened.pk,
                barcode=barcode,
                quantity=D(quantity),
            )
        return sale_checkout(
            actor=volunteer, service=service, basket_id=opened.pk, payment="card"
        ).sale


def _parcel(service, volunteer, visit: Visit, moment: datetime):
    with clock(moment):
        return distribution_record(actor=volunteer, service=service, visit_id=visit.pk).distribution


def _accepted(visit: Visit) -> Visit:
    assert visit.accepted, visit.reason
    return visit


def _refused(visit: Visit, reason: str) -> Visit:
    assert (visit.accepted, visit.reason) == (False, reason)
    return visit


def month_seed(
    *,
    service_s: Organisation,
    partner_a: Organisation,
    partner_b: Organisation,
    social_worker_a: User,
    social_worker_b: User,
    volunteer_s: User,
    manager_s: User,
) -> Month:
    """The month, step by step, each at its own moment. See `EXPECTED` in test_compile for
    what each step adds to the figures."""
    with clock(at(10, 1, 9)):
        s = _organisations(service_s)
        convention_a, convention_b = _conventions(partner_a, partner_b, s)
        volunteers = {
            "shop": volunteer_s,
            "food_aid": membership(user("vol.f"), s["food_aid"], "volunteer").user,
            "restaurant": membership(user("vol.m"), s["restaurant"], "volunteer").user,
            "culture": membership(user("vol.o"), s["culture"], "volunteer").user,
        }
        managers = {
            "shop": manager_s,
            "food_aid": membership(user("man.f"), s["food_aid"], "manager").user,
        }
        households = _households(social_worker_a, social_worker_b, partner_a, partner_b)
        _catalogues(managers, s)
        h = households
        # Issued on 1 October, valid 90 days (to 29 December) unless said otherwise.
        passes = {
            "P1": pass_issue(actor=social_worker_a, household=h["H1"], convention=convention_a),
            "P3": pass_issue(
                actor=social_worker_b,
                household=h["H3"],
                convention=convention_b,
                valid_until=date(2026, 11, 15),
            ),
            "P6": pass_issue(
                actor=social_worker_a,
                household=h["H6"],
                convention=convention_a,
                valid_until=date(2026, 10, 31),
            ),
            "P8": pass_issue(actor=social_worker_b, household=h["H8"], convention=convention_b),
            "P9": pass_issue(actor=social_worker_a, household=h["H9"], convention=convention_a),
        }
    with clock(at(10, 20)):
        pass_suspend(actor=social_worker_b, access_pass=passes["P8"], reason="Dossier à revoir")

    shop, food_aid, restaurant, culture = (
        s["shop"],
        s["food_aid"],
        s["restaurant"],
        s["culture"],
    )
    vs, vf, vm, vo = (
        volunteers["shop"],
        volunteers["food_aid"],
        volunteers["restaurant"],
        volunteers["culture"],
    )

    # The previous month's last minutes: a meal that counts in October.
    _accepted(scan(restaurant, vm, card(passes["P1"]), at(10, 31, 23, 30)))

    # 1 November, 00:05: the nightly job expires P6 (valid to 31 October).
    with clock(at(11, 1, 0, 5)):
        assert passes_expire_due() == 1
    # 00:30 on 1 November (23:30 UTC on 31 October): two meals that count in November.
    _accepted(scan(restaurant, vm, card(passes["P1"]), at(11, 1, 0, 30), units=2))

    with clock(at(11, 2, 9)):
        passes["P2"] = pass_issue(actor=social_worker_a, household=h["H2"], convention=convention_a)
        passes["P5"] = pass_issue(actor=social_worker_a, household=h["H5"], convention=convention_a)
        passes["P7"] = pass_issue(actor=social_worker_b, household=h["H7"], convention=convention_b)
        tickets = meal_tickets_issue(
            actor=social_worker_a, household=h["H4"], service=restaurant, count=2
        )

    # Tuesday 3 November.
    parcel_h1 = _accepted(scan(food_aid, vf, card(passes["P1"]), at(11, 3, 9)))
    _parcel(food_aid, vf, parcel_h1, at(11, 3, 9, 5))
    sold_h1 = _accepted(scan(shop, vs, card(passes["P1"]), at(11, 3, 10)))
    sale = _sell(shop, vs, sold_h1, at(11, 3, 10, 5), {PASTA_EAN: 3, OIL_EAN: 1})
    with clock(at(11, 3, 10, 30)):
        sale_correct(
            actor=vs,
            service=shop,
            sale_id=sale.pk,
            reason="Un paquet de pâtes abîmé",
            returns={sale.lines.get(product__name="Pâtes").product_id: D(1)},
        )
    sold_h3 = _accepted(scan(shop, vs, card(passes["P3"]), at(11, 3, 11)))
    _sell(shop, vs, sold_h3, at(11, 3, 11, 5), {OIL_EAN: 2})
    _accepted(scan(restaurant, vm, card(passes["P1"]), at(11, 3, 12), units=3))

    # Wednesday 4 and Thursday 5: a second visit in the week, and two cards of nobody.
    _refused(scan(shop, vs, card(passes["P1"]), at(11, 4, 10)), "already_served")
    _refused(scan(shop, vs, forged(passes["P1"]), at(11, 5, 10)), "bad_signature")
    _refused(scan(shop, vs, unknown_pass_card(), at(11, 5, 10, 15)), "unknown_pass")

    # Monday 9: P8's suspension is lifted. Tuesday 10: a scan undone, a parcel too soon.
    with clock(at(11, 9, 9)):
        pass_resume(actor=social_worker_b, access_pass=passes["P8"], reason="Dossier complet")
    mistake = _accepted(scan(shop, vs, card(passes["P3"]), at(11, 10, 10)))
    with clock(at(11, 10, 10, 2)):
        visit_undo(visit_id=mistake.pk, service=shop, user=vs, reason="Mauvaise carte scannée")
    _refused(scan(food_aid, vf, card(passes["P1"]), at(11, 10, 9)), "parcel_already_given")

    # Thursday 12 and Friday 13: a use with its amount; P3 renewed before it ends.
    _accepted(scan(culture, vo, card(passes["P2"]), at(11, 12, 11), use=UseRecorded(4000, "A27-1")))
    with clock(at(11, 13, 14)):
        pass_renew(actor=social_worker_b, access_pass=passes["P3"], reason="Situation inchangée")

    # Tuesday 17: H2's parcel, taken back whole ten minutes later.
    parcel_h2 = _accepted(scan(food_aid, vf, card(passes["P2"]), at(11, 17, 9)))
    given = _parcel(food_aid, vf, parcel_h2, at(11, 17, 9, 5))
    with clock(at(11, 17, 9, 15)):
        distribution_correct(
            actor=vf, service=food_aid, distribution_id=given.pk, reason="Colis refusé"
        )

    # Thursday 19: two uses, one without an amount.
    _accepted(scan(culture, vo, card(passes["P2"]), at(11, 19, 11), use=UseRecorded(2500, "A27-2")))
    _accepted(scan(culture, vo, card(passes["P1"]), at(11, 19, 11, 30)))

    # Friday 20: P5 suspended; Monday 23 its card is refused.
    with clock(at(11, 20, 15)):
        pass_suspend(actor=social_worker_a, access_pass=passes["P5"], reason="Déménagement")
    _refused(scan(shop, vs, card(passes["P5"]), at(11, 23, 10)), "suspended")

    # Tuesday 24: meals for H3, and one paper meal ticket of H4.
    _accepted(scan(restaurant, vm, card(passes["P3"]), at(11, 24, 12), units=2))
    _accepted(scan(restaurant, vm, voucher_token(voucher=tickets[0]), at(11, 24, 12, 30)))

    # Wednesday 25: P7 revoked; Thursday 26 its card is refused, and a use above the cap.
    with clock(at(11, 25, 16)):
        pass_revoke(actor=social_worker_b, access_pass=passes["P7"], reason="Fraude avérée")
    _refused(scan(shop, vs, card(passes["P7"]), at(11, 26, 10)), "revoked")
    _refused(
        scan(culture, vo, card(passes["P2"]), at(11, 26, 11), use=UseRecorded(9000, "A27-3")),
        "amount_above_cap",
    )

    # Monday 30, the month's last week: H2 at the shop, no sale.
    _accepted(scan(shop, vs, card(passes["P2"]), at(11, 30, 18)))

    # December: a meal at 00:10 on the 1st, and P9 renewed on the 3rd (it was active all
    # November, on its first dates).
    _accepted(scan(restaurant, vm, card(passes["P1"]), at(12, 1, 0, 10)))
    with clock(at(12, 3, 10)):
        pass_renew(actor=social_worker_a, access_pass=passes["P9"], reason="Toujours en difficulté")

    for access_pass in passes.values():
        access_pass.refresh_from_db()
    return Month(
        shop=shop,
        food_aid=food_aid,
        restaurant=restaurant,
        culture=culture,
        convention_a=convention_a,
        convention_b=convention_b,
        households=households,
        passes=passes,
        volunteers=volunteers,
        managers=managers,
        social_workers={"A": social_worker_a, "B": social_worker_b},
    )


@pytest.fixture
def november(
    pass_keys,
    service_s,
    partner_a,
    partner_b,
    social_worker_a,
    social_worker_b,
    volunteer_s,
    manager_s,
) -> Month:
    return month_seed(
        service_s=service_s,
        partner_a=partner_a,
        partner_b=partner_b,
        social_worker_a=social_worker_a,
        social_worker_b=social_worker_b,
        volunteer_s=volunteer_s,
        manager_s=manager_s,
    )
