"""Seed the statistics benchmark's network on PostgreSQL (`demo.bench.stats`).

    manage.py bench_stats_seed --scale 1      # 1,000,000 households, 10,000,000 visits
    manage.py bench_stats_seed --scale 0.1    # a tenth of them

200 collective services, 100 partners and 1,000 conventions at every scale; the
households, their passes and a year of visits, vouchers, sales and parcels grow
with it. Idempotent: a second run at the same scale seeds nothing; a database
seeded at another scale is refused (`make bench-stats` drops and makes it again).
The months count back from the day of the first seeding (`--today`, by default
today), kept for every later run.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from demo.bench.stats import SeedMismatch, StatsSize, stats_seed


class Command(BaseCommand):
    help = "Seed the statistics benchmark's network, households and year of visits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, scale: float, today: date | None, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The statistics benchmark needs PostgreSQL (DATABASE_URL).")
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        size = StatsSize.at_scale(scale)
        try:
            seeded = stats_seed(
                size=size, today=today or timezone.localdate(), say=self.stdout.write
            )
        except SeedMismatch as error:
            raise CommandError(f"This database is {error}: use another one.") from error
        counts = seeded.counts
        verb = "Already seeded" if seeded.already else "Seeded"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} (scale {scale:g}, day {seeded.today}, in {seeded.seconds:.0f} s): "
                f"{counts['services']} services, {counts['conventions']} conventions, "
                f"{counts['households']:,} households, {counts['passes']:,} passes, "
                f"{counts['visits']:,} visits, {counts['sales']:,} sales, "
                f"{counts['parcels']:,} parcels."
            )
        )
