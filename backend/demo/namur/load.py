"""Load the demo network in one transaction; idempotent, so every run of the app may call it."""

from __future__ import annotations

from datetime import date

from django.db import models, transaction

from counter.models import Visit
from demo.namur.culture import culture_load
from demo.namur.food_aid import food_aid_load
from demo.namur.meals import meals_load
from demo.namur.open_counter import open_counter_load
from demo.namur.organisations import appointments_load, network_load
from demo.namur.referrals import referrals_load
from demo.namur.shop import shop_load
from demo.namur.statistics import statistics_load
from demo.namur.stories import households_load
from foodaid.models import Distribution, DistributionLine, ParcelTemplate, ParcelTemplateLine
from network.models import Convention, Membership, Organisation, UsageRule, User
from passes import services as passes
from passes.models import AccessPass, Assessment, Household, PassCard, PassEvent, Voucher
from schedules.models import Appointment, OpeningRule
from shop.models import Basket, BasketLine, Sale, SaleLine
from stock.models import Barcode, Lot, PriceBand, Product, ServicePrice, StockMovement

# What the demo makes, counted before and after to tell whether a run added anything.
MADE: tuple[type[models.Model], ...] = (
    Organisation,
    OpeningRule,
    Convention,
    UsageRule,
    User,
    Membership,
    Household,
    Assessment,
    AccessPass,
    PassCard,
    PassEvent,
    Appointment,
    Product,
    Barcode,
    PriceBand,
    ServicePrice,
    Lot,
    StockMovement,
    Visit,
    Basket,
    BasketLine,
    Sale,
    SaleLine,
    ParcelTemplate,
    ParcelTemplateLine,
    Distribution,
    DistributionLine,
    Voucher,
)


def records_count() -> int:
    return sum(model._default_manager.count() for model in MADE)


def demo_load(*, today: date) -> tuple[int, list[str]]:
    """Load what is missing of the demo network; returns (records added, notes to print)."""
    before = records_count()
    with transaction.atomic():
        demo = network_load(today)
        households_load(demo)
        # The nightly job's work: passes whose end has passed are marked expired.
        passes.passes_expire_due(today=today)
        open_counter_load(demo)
        appointments_load(demo)
        shop_load(demo)
        food_aid_load(demo)
        meals_load(demo)
        referrals_load(demo)
        culture_load(demo)
        statistics_load(today)
    return records_count() - before, demo.notes
