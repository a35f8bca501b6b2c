"""A month's statistics against figures worked out by hand on a small seeded month.

The month is November 2026 (`tests.reports.seed`): two conventions of two partners at a
shop, a food-aid point, a social restaurant and a culture counter. Every figure below
is written by hand, with why; a figure of 0 is a figure with no row.
"""

import uuid
from datetime import date

import pytest

from counter.services import visit_record
from passes.selectors import voucher_token
from passes.services.vouchers import referral_issue
from reports import selectors
from reports.compile import Period
from reports.services import month_compile
from tests.conftest import open_daily
from tests.factories import assess, convention_make, household_make, membership, organisation, user
from tests.reports.seed import NOVEMBER, at, clock, figures_of

pytestmark = pytest.mark.django_db

A, B = "CONV-A", "CONV-B"
SHOP, FOOD_AID, RESTAURANT, CULTURE = "epicerie-s", "colis-f", "resto-m", "culture-o"
PERSONS = (
    "persons",
    "persons_women",
    "persons_children",
    "persons_seniors",
    "persons_with_disability",
    "persons_foreign_background",
    "persons_homeless",
)


def served(convention, service, households, persons, women, children, seniors, categories, bands):
    """The rows of the households served: `categories` are (with a disability, of foreign
    background, homeless); `bands` the persons by age band."""
    values = dict(zip(PERSONS, (persons, women, children, seniors, *categories), strict=True))
    rows = {(convention, service, "households", ""): households}
    rows |= {(convention, service, key, ""): value for key, value in values.items()}
    rows |= {(convention, service, "persons_band", band): n for band, n in bands.items()}
    return {key: value for key, value in rows.items() if value}


# H1 (4 persons) and H2 (1): Awa and her daughter are women; the daughter (3-15) and the
# baby (0-2) are children; Bernard (71) is a senior; H1 counts 1 person with a disability
# and 4 of foreign background, H2 1 homeless person.
H1_H2 = {
    "households": 2,
    "persons": 5,
    "women": 2,
    "children": 2,
    "seniors": 1,
    "categories": (1, 4, 1),
    "bands": {"25-64": 2, "3-15": 1, "0-2": 1, "65+": 1},
}
# H3 (3): Chloé (21) and the woman of 65+ are women; that woman is a senior; 2 persons
# with a disability; Chloé and the man are 16-24.
H3 = {
    "households": 1,
    "persons": 3,
    "women": 2,
    "children": 0,
    "seniors": 1,
    "categories": (2, 0, 0),
    "bands": {"16-24": 2, "65+": 1},
}

EXPECTED = {
    # --- the shop, convention A -------------------------------------------------------
    # H1 on Tuesday 3 (a sale), H2 on Monday 30 (the month's last week, no sale).
    (A, SHOP, "visits_accepted", ""): 2,
    (A, SHOP, "visits_week", "2026-11-02"): 1,
    (A, SHOP, "visits_week", "2026-11-30"): 1,
    # H1 again on the 4th (one visit a week) and P5's card, suspended, on the 23rd.
    (A, SHOP, "visits_refused", ""): 2,
    (A, SHOP, "visits_refused", "already_served"): 1,
    (A, SHOP, "visits_refused", "suspended"): 1,
    **served(A, SHOP, **H1_H2),
    # One sale: 3 pasta and 1 oil, then 1 pasta taken back the same day.
    (A, SHOP, "sales", ""): 1,
    (A, SHOP, "sales_market_cents", ""): 590,  # 3 × 1.20 + 3.50 − 1.20
    (A, SHOP, "sales_paid_cents", ""): 180,  # 3 × 0.40 + 1.00 − 0.40 (by card: no rounding)
    (A, SHOP, "sales_aid_cents", ""): 410,  # 5.90 − 1.80
    # --- the shop, convention B -------------------------------------------------------
    # H3 on the 3rd (2 oils); its scan of the 10th was undone and counts nowhere.
    (B, SHOP, "visits_accepted", ""): 1,
    (B, SHOP, "visits_week", "2026-11-02"): 1,
    # P7's card on the 26th, revoked the day before.
    (B, SHOP, "visits_refused", ""): 1,
    (B, SHOP, "visits_refused", "revoked"): 1,
    **served(B, SHOP, **H3),
    (B, SHOP, "sales", ""): 1,
    (B, SHOP, "sales_market_cents", ""): 700,  # 2 × 3.50
    (B, SHOP, "sales_paid_cents", ""): 200,  # 2 × 1.00
    (B, SHOP, "sales_aid_cents", ""): 500,
    # --- the shop, no convention: a forged card and a card of no pass, on the 5th -----
    (None, SHOP, "visits_refused", ""): 2,
    (None, SHOP, "visits_refused", "bad_signature"): 1,
    (None, SHOP, "visits_refused", "unknown_pass"): 1,
    # --- the food-aid point, convention A ---------------------------------------------
    # H1 on the 3rd (a parcel for 3 or more), H2 on the 17th (its parcel taken back whole:
    # the visit counts, the parcel does not); H1 again on the 10th, within the fortnight.
    (A, FOOD_AID, "visits_accepted", ""): 2,
    (A, FOOD_AID, "visits_week", "2026-11-02"): 1,
    (A, FOOD_AID, "visits_week", "2026-11-16"): 1,
    (A, FOOD_AID, "visits_refused", ""): 1,
    (A, FOOD_AID, "visits_refused", "parcel_already_given"): 1,
    **served(A, FOOD_AID, **H1_H2),
    (A, FOOD_AID, "parcels", ""): 1,
    (A, FOOD_AID, "parcels_market_cents", ""): 1000,  # 2 kg × 2.00 + 3 l × 1.00 + 2 × 1.50
    (A, FOOD_AID, "parcels_grams", ""): 5000,  # 2 kg of rice and 3 l of milk; tins are pieces
    # --- the restaurant, convention A -------------------------------------------------
    # H1: 2 meals at 00:30 on Sunday 1 November (week of Monday 26 October), 3 on the 3rd;
    # H4's paper meal ticket on the 24th (1 meal, partner A's convention). H1's meal at
    # 23:30 on 31 October and at 00:10 on 1 December belong to other months.
    (A, RESTAURANT, "visits_accepted", ""): 3,
    (A, RESTAURANT, "visits_week", "2026-10-26"): 1,
    (A, RESTAURANT, "visits_week", "2026-11-02"): 1,
    (A, RESTAURANT, "visits_week", "2026-11-23"): 1,
    (A, RESTAURANT, "meals", ""): 6,  # 2 + 3 + 1
    (A, RESTAURANT, "vouchers_used", ""): 1,
    (A, RESTAURANT, "vouchers_used", "meal"): 1,
    # H1 (4) and H4 (2): children are H1's two and H4's boy; adults of 25-64 are Awa,
    # H1's man and Dimitri (whose sex is not recorded: not counted among women).
    **served(
        A,
        RESTAURANT,
        households=2,
        persons=6,
        women=2,
        children=3,
        seniors=0,
        categories=(1, 4, 0),
        bands={"25-64": 3, "3-15": 2, "0-2": 1},
    ),
    # --- the restaurant, convention B: H3, 2 meals on the 24th ------------------------
    (B, RESTAURANT, "visits_accepted", ""): 1,
    (B, RESTAURANT, "visits_week", "2026-11-23"): 1,
    (B, RESTAURANT, "meals", ""): 2,
    **served(B, RESTAURANT, **H3),
    # --- the culture counter, convention A --------------------------------------------
    # H2: 40.00 € on the 12th, 25.00 € on the 19th; H1 on the 19th without an amount;
    # H2's 90.00 € on the 26th refused: 85.00 € left of the year's 150.00 €.
    (A, CULTURE, "visits_accepted", ""): 3,
    (A, CULTURE, "visits_week", "2026-11-09"): 1,
    (A, CULTURE, "visits_week", "2026-11-16"): 2,
    (A, CULTURE, "uses", ""): 3,
    (A, CULTURE, "uses_amount_cents", ""): 6500,
    (A, CULTURE, "visits_refused", ""): 1,
    (A, CULTURE, "visits_refused", "amount_above_cap"): 1,
    **served(A, CULTURE, **H1_H2),
    # --- convention A as a whole: H1, H2 and H4 once, whatever their counters ---------
    **served(
        A,
        None,
        households=3,
        persons=7,
        women=2,
        children=3,
        seniors=1,
        categories=(1, 4, 1),
        bands={"25-64": 3, "3-15": 2, "0-2": 1, "65+": 1},
    ),
    # Passes of A: P2 and P5 issued on the 2nd; P5 suspended on the 20th; P6 expired by
    # the night job of the 1st; active on the 30th: P1, P2 and P9 (renewed in December,
    # but valid all November on its first dates). P5 is suspended, P6 expired.
    (A, None, "passes_issued", ""): 2,
    (A, None, "passes_suspended", ""): 1,
    (A, None, "passes_expired", ""): 1,
    (A, None, "passes_active", ""): 3,
    (A, None, "quota", ""): 10,
    # --- convention B as a whole: H3 ---------------------------------------------------
    **served(B, None, **H3),
    # P7 issued on the 2nd and revoked on the 25th; P3 renewed on the 13th; active on the
    # 30th: P3 and P8 (suspended in October, resumed on the 9th).
    (B, None, "passes_issued", ""): 1,
    (B, None, "passes_renewed", ""): 1,
    (B, None, "passes_revoked", ""): 1,
    (B, None, "passes_active", ""): 2,
    (B, None, "quota", ""): 5,
    # --- what each convention opens, for the tables' rows ------------------------------
    (A, SHOP, "covered", ""): 1,
    (A, FOOD_AID, "covered", ""): 1,
    (A, RESTAURANT, "covered", ""): 1,
    (A, CULTURE, "covered", ""): 1,
    (B, SHOP, "covered", ""): 1,
    (B, RESTAURANT, "covered", ""): 1,
}


def test_a_month_compiled_after_it_ended_gives_the_figures_worked_out_by_hand(november):
    with clock(at(12, 5, 10)):
        compiled = month_compile(month=NOVEMBER)

    figures = figures_of(compiled.report)
    assert figures == EXPECTED
    assert compiled.figures == compiled.report.figures.count()
    assert (compiled.report.version, compiled.report.status) == (1, "draft")


def test_the_weeks_of_a_month_start_on_the_monday_before_its_first_day():
    weeks = [monday for _end, monday in Period.of_month(NOVEMBER).weeks()]

    # 1 November 2026 is a Sunday; 30 November a Monday.
    assert weeks == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]


def test_the_review_tables_add_the_stored_figures_up(november):
    with clock(at(12, 5, 10)):
        report = month_compile(month=NOVEMBER).report
    shop = november.shop

    table = selectors.service_table(report, shop)

    # A row per convention (partner A's, then B's), then the cards of nobody.
    assert [
        (row.label, row.value("visits_accepted"), row.value("visits_refused")) for row in table.rows
    ] == [
        ("CPAS A · CONV-A", 2, 2),
        ("Mutualité B · CONV-B", 1, 1),
        ("", 0, 2),
    ]
    assert table.total.value("visits_refused") == 5
    assert table.total.value("sales_aid_cents") == 910
    detail = selectors.convention_month(report, november.convention_a)
    # Persons once across A's four counters, by band and category.
    assert detail.bands == {"25-64": 3, "3-15": 2, "0-2": 1, "65+": 1}
    assert detail.categories["households"] == 3
    assert detail.categories["persons"] == 7
    assert detail.passes["passes_active"] == 3
    assert detail.by_week[november.restaurant.pk][date(2026, 10, 26)] == 1
    assert set(detail.reasons) == {
        "already_served",
        "amount_above_cap",
        "parcel_already_given",
        "suspended",
    }


@pytest.fixture
def vestiaire_without_rules(db, partner_a):
    """A vestiaire that partner A's convention opens without setting any rule there."""
    place = open_daily(
        organisation(
            kind="service", name="Vestiaire W", slug="vestiaire-w", service_kind="vestiaire"
        )
    )
    convention_make(partner_a, [place], visits_per_week=None, reference="CONV-A-W")
    return place


def test_a_voucher_counts_for_its_partners_convention_even_where_it_sets_no_rule(
    pass_keys,
    vestiaire_without_rules,
    partner_a,
    social_worker_a,
):
    """The counter accepts a referral wherever the partner's convention opens the
    service; the statistics must name the same convention, rules or not."""
    vestiaire = vestiaire_without_rules
    dresser = membership(user("vol.w"), vestiaire, "volunteer").user
    with clock(at(11, 2, 9)):
        household = household_make(social_worker_a, partner_a, first_name="Eva")
        assess(social_worker_a, household, on=date(2026, 11, 2))
        referral = referral_issue(
            actor=social_worker_a,
            household=household,
            service=vestiaire,
            covers="Manteau d'hiver",
            valid_days=14,
        )
        verdict = visit_record(
            text=voucher_token(voucher=referral),
            service=vestiaire,
            user=dresser,
            idempotency_key=uuid.uuid4().hex,
        )
    assert verdict.accepted, verdict.reason
    with clock(at(12, 1, 3)):
        figures = figures_of(month_compile(month=NOVEMBER).report)

    opened = ("CONV-A-W", "vestiaire-w")
    assert figures[(*opened, "visits_accepted", "")] == 1
    assert figures[(*opened, "vouchers_used", "referral")] == 1
    assert figures[(*opened, "households", "")] == 1
    assert figures[("CONV-A-W", None, "households", "")] == 1
    assert (None, "vestiaire-w", "visits_accepted", "") not in figures
