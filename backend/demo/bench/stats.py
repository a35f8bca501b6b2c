"""The statistics benchmark's world: a network of collective services, conventions,
households with their passes, and a year of visits, vouchers, sales and parcels.

At full size (`StatsSize.at_scale(1)`): 200 services, 100 partners, 1,000
conventions, 1,000,000 households and 10,000,000 visits over the twelve months
before the month of the first seeding. The network's people (the coordinator, a
social worker, a volunteer) come from the world-builder; everything else is
written by set-based SQL (`demo.bench.stats_sql`, `demo.bench.stats_visits_sql`)
in one transaction. While the large tables fill, their indexes, unique and foreign
keys are set aside and put back at the end, as pg_restore does: PostgreSQL then
builds each index once and checks each foreign key in one join, and the rows
obey every constraint of the migrations as any other row would.

PostgreSQL only. A table `bench_stats_seeded` records the size seeded: a later run
at the same size seeds nothing; another size is refused (the benchmark drops its
database first). `bench_stats_due` lists the passes left for the nightly expiry.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from counter.models import Visit
from demo.bench.names import COMMUNES, FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from demo.bench.seed import bench_password
from demo.bench.stats_sql import (
    CONVENTIONS,
    HOUSEHOLDS,
    NETWORK,
    PARTNER_KINDS,
    PASSES,
    PRODUCT_CATEGORIES,
    PRODUCT_NAMES,
    SERVICE_KINDS,
    STOCK,
)
from demo.bench.stats_visits_sql import (
    ACCEPTED,
    PARCELS,
    SALES,
    UNDONE_SHARE,
    VISITS,
    VISITS_STAGED,
    VOUCHER_ACCEPTED,
    VOUCHER_SHARE,
)
from demo.world import organisation_make, user_make
from foodaid.models import Distribution, DistributionLine
from network.models import Convention, Organisation, Role, UsageRule
from passes.models import AccessPass, Household, HouseholdMember, PassEvent, Voucher, name_key
from shop.models import Sale
from stock.models import Lot, Product

SEED_VERSION = 2
NETWORK_SLUG = "bench-stats-reseau"
COORDINATOR = "bench.coordination"
ASSISTANT = "bench.stats.assistant"
VOLUNTEER = "bench.stats.benevole"
# Shares of the households: with the EU food-aid categories recorded; with a pass the
# nightly job has still to expire (ended in the last three days).
EU_SHARE = 0.1
DUE_SHARE = 0.005

# Filled in bulk: their indexes and keys are set aside meanwhile.
BULK = (
    Household,
    HouseholdMember,
    AccessPass,
    PassEvent,
    Voucher,
    Visit,
    Sale,
    Distribution,
    DistributionLine,
)
# Written with explicit ids: their sequences move on afterwards.
NUMBERED = (Organisation, Convention, Product, Household, AccessPass, Voucher, Visit, Sale)
NUMBERED_TOO = (Distribution,)
SMALL = (Organisation, Convention, UsageRule, Product, Lot)
TEMPORARY = ("bs_cs", "bs_rules", "bs_hh", "bs_persons", "bs_pass", "bs_vis", "bs_visit")
TEMPORARY_TOO = ("bs_sale", "bs_parcel", "bs_pline", "bs_pfix")


@dataclass(frozen=True)
class StatsSize:
    """How much to seed; the network stays the same at every scale, the people grow."""

    households: int
    visits: int
    services: int = 200
    partners: int = 100
    conventions: int = 1000
    products: int = 200

    @classmethod
    def at_scale(cls, scale: float) -> StatsSize:
        return cls(households=round(1_000_000 * scale), visits=round(10_000_000 * scale))

    @classmethod
    def tiny(cls) -> StatsSize:
        """For the test: every kind of service, a few hundred households."""
        return cls(
            households=600, visits=6000, services=12, partners=4, conventions=10, products=12
        )


@dataclass(frozen=True)
class Seeded:
    size: StatsSize
    today: date  # the day of the seeding: the months, the nightly expiry count from it
    counts: dict[str, int]
    seconds: float
    already: bool = False

    @property
    def month(self) -> date:
        """The month the benchmark compiles: the last one before `today`'s."""
        return month_add(self.today.replace(day=1), -1)


class SeedMismatch(Exception):
    """The database holds the benchmark at another size (or an older seeding)."""


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quiet(_line: str) -> None:
    return None


def seeded_read() -> Seeded | None:
    """What the marker says was seeded in this database, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_stats_seeded') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT size, version, today, counts, seconds FROM bench_stats_seeded")
        row = cursor.fetchone()
    if row is None:
        return None
    size, version, today, counts, seconds = (
        json.loads(x) if isinstance(x, str) else x for x in row
    )
    if version != SEED_VERSION:
        raise SeedMismatch(f"seeded by an older version ({version}) of the benchmark")
    return Seeded(StatsSize(**size), today, counts, seconds, already=True)


def stats_seed(*, size: StatsSize, today: date, say: Callable[[str], None] = _quiet) -> Seeded:
    """Seed the world at `size` for a benchmark run on `today` (idempotent at one size).

    Raises SeedMismatch when the database holds another size.
    """
    found = seeded_read()
    if found is not None:
        if found.size != size:
            raise SeedMismatch(f"seeded at another size: {found.size}")
        return found
    started = time.perf_counter()
    # A test runs inside a transaction: no VACUUM then, and temporary tables may be in use.
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:
            cursor.execute("SET LOCAL temp_buffers = '2GB'")
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        # Checked as each statement ends: nothing waits for the commit, and the keys set
        # aside can be put back in the same transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_stats_seeded (size jsonb NOT NULL, "
            "version integer NOT NULL, today date NOT NULL, counts jsonb NOT NULL, "
            "seconds double precision NOT NULL, seeded_at timestamptz NOT NULL)"
        )
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_stats_due (pass_id bigint PRIMARY KEY)")
        network = organisation_make(
            kind=Organisation.Kind.NETWORK, slug=NETWORK_SLUG, name="Réseau de Benchmark"
        )
        params = seed_params(cursor, size, today)
        steps_run(cursor, NETWORK, params, say)
        params.update(people_make(network, params))
        steps_run(cursor, CONVENTIONS + STOCK, params, say)
        restore = constraints_lift(cursor, [m._meta.db_table for m in BULK])
        steps_run(cursor, HOUSEHOLDS + PASSES + VISITS, params, say)
        cursor.execute("SELECT SUM(days * f) FROM bs_vis")
        weighted = float(cursor.fetchone()[0] or 1)
        params["rate"] = size.visits / weighted
        steps_run(cursor, VISITS_STAGED, params, say)
        # Staged first, then counted: a correction's id comes after all the sales' (parcels').
        steps_run(cursor, SALES[:1], params, say)
        params["sales"] = _count(cursor, "bs_sale")
        steps_run(cursor, SALES[1:] + PARCELS[:1], params, say)
        params["parcels"] = _count(cursor, "bs_parcel")
        steps_run(cursor, PARCELS[1:], params, say)
        for model in NUMBERED + NUMBERED_TOO:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
        began = time.perf_counter()
        for statement in restore:
            cursor.execute(statement)
        say(
            f"  {len(restore)} indexes, unique and foreign keys put back and checked "
            f"({time.perf_counter() - began:.1f} s)"
        )
        cursor.execute("DROP TABLE " + ", ".join(TEMPORARY + TEMPORARY_TOO))
        counts = counts_read(cursor, params)
        seconds = time.perf_counter() - started
        cursor.execute(
            "INSERT INTO bench_stats_seeded (size, version, today, counts, seconds, seeded_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [
                json.dumps(asdict(size)),
                SEED_VERSION,
                today,
                json.dumps(counts),
                seconds,
                timezone.now(),
            ],
        )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if own_transaction:
        began = time.perf_counter()
        vacuum_analyze([m._meta.db_table for m in SMALL + BULK])
        say(f"  VACUUM ANALYZE ({time.perf_counter() - began:.1f} s)")
    return Seeded(size, today, counts, time.perf_counter() - started)


def seed_params(cursor: CursorWrapper, size: StatsSize, today: date) -> dict[str, Any]:
    """The statements' parameters: the size, the dates, where each table's new ids start."""
    if size.services < 6 or size.products < 8 or size.conventions < size.partners:
        raise ValueError("at least 6 services, 8 products, and a convention per partner")
    month = month_add(today.replace(day=1), -1)

    def base(model: Any) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
        return int(cursor.fetchone()[0])

    svc_base = base(Organisation)
    return {
        **asdict(size),
        "tz": settings.TIME_ZONE,
        "today": today,
        "w0": month_add(month, -11),
        "we": today.replace(day=1),
        "created": datetime(2020, 1, 6, 9, tzinfo=timezone.get_default_timezone()),
        "quota": max(10, math.ceil(1.5 * size.households / size.conventions)),
        "eu_share": EU_SHARE,
        "due_share": DUE_SHARE,
        "accepted": ACCEPTED,
        "voucher_accepted": VOUCHER_ACCEPTED,
        "voucher_share": VOUCHER_SHARE,
        "undone_share": UNDONE_SHARE,
        "child_bands": list(settings.FOOD_AID_CHILD_BANDS),
        "senior_bands": list(settings.FOOD_AID_SENIOR_BANDS),
        "child_max_age": settings.FOOD_AID_CHILD_MAX_AGE,
        "senior_min_age": settings.FOOD_AID_SENIOR_MIN_AGE,
        "kinds": list(SERVICE_KINDS),
        "partner_kinds": list(PARTNER_KINDS),
        "categories": list(PRODUCT_CATEGORIES),
        "product_names": list(PRODUCT_NAMES),
        **_names(),
        "svc_base": svc_base,
        "partner_base": svc_base + size.services,
        "conv_base": base(Convention),
        "product_base": base(Product),
        "hh_base": base(Household),
        "pass_base": base(AccessPass),
        "voucher_base": base(Voucher),
        "visit_base": base(Visit),
        "sale_base": base(Sale),
        "dist_base": base(Distribution),
    }


def _names() -> dict[str, Any]:
    return {
        "first_f": list(FIRST_NAMES_F),
        "first_f_key": [name_key(n) for n in FIRST_NAMES_F],
        "n_first_f": len(FIRST_NAMES_F),
        "first_m": list(FIRST_NAMES_M),
        "first_m_key": [name_key(n) for n in FIRST_NAMES_M],
        "n_first_m": len(FIRST_NAMES_M),
        "last": list(LAST_NAMES),
        "last_key": [name_key(n) for n in LAST_NAMES],
        "n_last": len(LAST_NAMES),
        "postal": [postal for postal, _commune in COMMUNES],
        "commune": [commune for _postal, commune in COMMUNES],
        "n_communes": len(COMMUNES),
    }


def people_make(network: Organisation, params: dict[str, Any]) -> dict[str, int]:
    """The coordinator, a social worker of the first partner, a volunteer of the first
    service (through the world-builder); their ids for the rows they wrote."""
    partner = Organisation.objects.get(pk=params["partner_base"] + 1)
    service = Organisation.objects.get(pk=params["svc_base"] + 1)
    password = bench_password()
    user_make(
        username=COORDINATOR,
        password=password,
        first_name="Bench",
        last_name="Coordination",
        roles=[(network, Role.COORDINATOR)],
    )
    worker = user_make(username=ASSISTANT, password=password, roles=[(partner, Role.SOCIAL_WORKER)])
    volunteer = user_make(username=VOLUNTEER, password=password, roles=[(service, Role.VOLUNTEER)])
    return {"worker": worker.pk, "volunteer": volunteer.pk}


def steps_run(
    cursor: CursorWrapper,
    steps: Iterable[tuple[str, str]],
    params: dict[str, Any],
    say: Callable[[str], None],
) -> None:
    """Each statement in turn; the labelled ones say how many rows and how long."""
    for label, sql in steps:
        began = time.perf_counter()
        cursor.execute(sql, params)
        if label:
            say(f"  {cursor.rowcount:>10,} {label} ({time.perf_counter() - began:.1f} s)")


def _count(cursor: CursorWrapper, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
    return int(cursor.fetchone()[0])


def constraints_lift(cursor: CursorWrapper, tables: Sequence[str]) -> list[str]:
    """Drop the indexes, unique and foreign keys of `tables` (their primary keys and checks
    stay); return the statements that put them back, foreign keys last."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
        "FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u') "
        "ORDER BY c.contype, c.conname",
        [list(tables)],
    )
    keys = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
        "AND c.contype IN ('p', 'u', 'x'))",
        [list(tables)],
    )
    indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for table, name, _definition, _kind in keys:  # foreign keys first ('f' < 'u')
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    return (
        [definition for _name, definition in indexes]
        + [
            f"ALTER TABLE {quote(t)} ADD CONSTRAINT {quote(n)} {d}"
            for t, n, d, kind in keys
            if kind == "u"
        ]
        + [
            f"ALTER TABLE {quote(t)} ADD CONSTRAINT {quote(n)} {d}"
            for t, n, d, kind in keys
            if kind == "f"
        ]
    )


def counts_read(cursor: CursorWrapper, params: dict[str, Any]) -> dict[str, int]:
    """How many rows of each kind this seeding wrote."""
    queries = {
        "services": ("network_organisation", "kind = 'service' AND id > %(svc_base)s"),
        "partners": ("network_organisation", "kind = 'partner' AND id > %(svc_base)s"),
        "conventions": ("network_convention", "id > %(conv_base)s"),
        "usage_rules": ("network_usagerule", "convention_id > %(conv_base)s"),
        "households": ("passes_household", "id > %(hh_base)s"),
        "members": ("passes_householdmember", "household_id > %(hh_base)s"),
        "passes": ("passes_accesspass", "id > %(pass_base)s"),
        "pass_events": ("passes_passevent", "access_pass_id > %(pass_base)s"),
        "passes_due": ("bench_stats_due", "pass_id > %(pass_base)s"),
        "vouchers": ("passes_voucher", "id > %(voucher_base)s"),
        "visits": ("counter_visit", "id > %(visit_base)s"),
        "visits_accepted": ("counter_visit", "id > %(visit_base)s AND accepted"),
        "sales": ("shop_sale", "id > %(sale_base)s"),
        "parcels": ("foodaid_distribution", "id > %(dist_base)s"),
        "parcel_lines": ("foodaid_distributionline", "distribution_id > %(dist_base)s"),
    }
    counts = {}
    for name, (table, where) in queries.items():
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)  # noqa: S608
        counts[name] = int(cursor.fetchone()[0])
    return counts


def vacuum_analyze(tables: Iterable[str]) -> None:
    """Vacuumed, with fresh statistics, as autovacuum would leave the tables a little later."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
