"""Seed one partner with many households, for the household list and scan benchmarks.

    manage.py bench_seed --households 100000 --partner-slug bench-cpas
    manage.py bench_seed --households 100000 --partner-slug bench-scan --passes active
    manage.py bench_seed --households 100000 --partner-slug bench-scan --passes active --sale

Idempotent: the partner, its convention, its collective service and the social
worker `bench.assistant` are created once; households are added only up to the
number asked for, so a second run with the same number adds nothing.

`--passes mixed` (the default, for the household list) gives passes in every
state. `--passes active` (for the counter's scan) gives every household one
active pass valid today with one card, a convention allowing one visit a day
at the service, and sets up the counter: the volunteer `bench.benevole` with a
device token, and a session open every day, all day. A later run moves the
passes' dates so that they are still valid on its day.

`--sale` (with `--passes active`, for the checkout) adds the partner's social
shop `<slug>-magasin`, open to every pass: 1,000 products with one EAN-13 each
and a price there, 20,000 lots, the volunteer `bench.vendeur` with a device
token, and a budget rule so large that it never refuses (`demo.bench.shop`).

How the rows are written, and why in bulk, is in `demo.bench.seed`.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from demo.bench.seed import (
    BATCH,
    BenchWorld,
    batch_write,
    counter_setup,
    passes_refresh,
    world_setup,
)
from demo.bench.shop import LOTS_PER_PRODUCT, shop_seed
from passes.models import AccessPass, Household, HouseholdMember, PassCard


class Command(BaseCommand):
    help = "Seed one partner with many households and passes for the benchmark (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--partner-slug", default="bench-cpas")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--passes",
            choices=("mixed", "active"),
            default="mixed",
            help="mixed: passes in every state (the list); active: one valid pass each (the scan)",
        )
        parser.add_argument(
            "--sale",
            action="store_true",
            help="add the partner's shop with its catalogue and stock (the checkout; needs "
            "--passes active)",
        )

    def handle(
        self,
        *args: Any,
        households: int,
        partner_slug: str,
        seed: int,
        passes: str,
        sale: bool,
        **options: Any,
    ) -> None:
        if households < 0:
            raise CommandError("--households must be zero or more.")
        if sale and passes != "active":
            raise CommandError("--sale needs --passes active: a sale follows an accepted scan.")
        world = world_setup(partner_slug, timezone.localdate(), passes)
        if passes == "active":
            counter_setup(world.service)
            moved = passes_refresh(world)
            if moved:
                self.stdout.write(f"  {moved} passes made valid again today")
        self.households_seed(world, households, seed)
        if sale:
            started = time.perf_counter()
            shop, said = shop_seed(world, seed)
            for line in said:
                self.stdout.write(f"  {line}")
            self.stdout.write(
                f"Shop {shop.service.slug}: {len(shop.products)} products, "
                f"{len(shop.products) * LOTS_PER_PRODUCT} lots "
                f"({time.perf_counter() - started:.1f} s)."
            )

    def households_seed(self, world: BenchWorld, households: int, seed: int) -> None:
        """Households up to the number asked for, with their passes."""
        started = time.perf_counter()
        existing = Household.objects.filter(partner=world.partner).count()
        missing = max(households - existing, 0)
        if not missing:
            self.stdout.write(
                f"{existing} benchmark households already present for {world.partner.slug}."
            )
            return
        world.codes = set(PassCard.objects.values_list("human_code", flat=True))
        world.rules = [rule.as_snapshot().as_json() for rule in world.convention.rules.all()]
        rng = random.Random(f"{seed}:{existing}")  # noqa: S311  (names, not secrets)
        counts = {"households": 0, "members": 0, "passes": 0}
        for first in range(0, missing, BATCH):
            size = min(BATCH, missing - first)
            with transaction.atomic():
                batch_write(world, size, rng, counts)
            done = first + size
            if done % (BATCH * 4) == 0 or done == missing:
                self.stdout.write(
                    f"  {existing + done} households ({time.perf_counter() - started:.1f} s)"
                )
        if connection.vendor == "postgresql":
            # Vacuumed, with fresh statistics, as autovacuum would leave it a little later:
            # the planner must know the tables hold 100,000 rows, not the handful it saw.
            with connection.cursor() as cursor:
                for model in (Household, HouseholdMember, AccessPass, PassCard):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
                cursor.execute(f"VACUUM ANALYZE {AccessPass.services.through._meta.db_table}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts['households']} households, {counts['members']} other members "
                f"and {counts['passes']} passes for {world.partner.slug} in "
                f"{time.perf_counter() - started:.1f} s."
            )
        )
