"""The statistics benchmark at one size, in a process of its own (`bench.stats` starts it
with DATABASE_URL naming that size's database): seed, measure, print, and hand the
figures back on a last line `RESULT {json}`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import (
    PYTHON,
    ROOT,
    bench_env,
    database_create_if_missing,
    django_setup,
    machine_line,
    manage,
    postgres_url,
)
from bench.stats_runs import (
    REPEAT,
    PgbenchRun,
    expiry_measure,
    indexes_measure,
    literal_sql,
    median_ms,
    now_of,
    pgbench,
    pgbench_available,
    pgbench_median,
    review_measure,
    script_write,
)

STATEMENTS = ("visits", "persons", "sales", "parcels", "passes")
SERIAL = "-c max_parallel_workers_per_gather=0"
NO_JIT = "-c jit=off"


def database_fresh(url: str, size: dict[str, int], version: int) -> None:
    """Create the database when missing; make it again when seeded at another size."""
    import psycopg
    from psycopg import sql

    database_create_if_missing(url)
    with psycopg.connect(url) as connection:
        found = connection.execute("SELECT to_regclass('bench_stats_seeded')").fetchone()
        row = None
        if found and found[0] is not None:
            row = connection.execute("SELECT size, version FROM bench_stats_seeded").fetchone()
    if row is None or (row[0] == size and row[1] == version):
        return
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"{name} was seeded at another size or by an older version: made it again")


def seed(env: dict[str, str], scale: float) -> None:
    """Migrate, then seed (its progress shown as it goes)."""
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    command = [str(PYTHON), "manage.py", "bench_stats_seed", "--scale", f"{scale:g}"]
    if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode != 0:
        sys.exit("bench_stats_seed failed")
    print(f"bench_stats_seed took {time.perf_counter() - started:.0f} s (wall clock)")


def scalar(sql: str, params: list[Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def context_print(seeded: Any) -> dict[str, Any]:
    """The machine, the server's settings, the database; the month's visits."""
    from django.db import connection

    from reports.compile import Period

    period = Period.of_month(seeded.month)
    print(machine_line(connection))
    settings = ", ".join(
        f"{name} {scalar(f'SHOW {name}')}"
        for name in ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather")
    )
    size = int(scalar("SELECT pg_database_size(current_database())"))
    print(f"server settings: {settings}; database {size / 2**30:.1f} GiB")
    in_month = int(
        scalar(
            "SELECT COUNT(*) FROM counter_visit WHERE at >= %s AND at < %s",
            [period.start, period.end],
        )
    )
    correlation = scalar(
        "SELECT correlation FROM pg_stats WHERE tablename = 'counter_visit' AND attname = 'at'"
    )
    counts = seeded.counts
    print(
        "seeded on {}: {services} services, {partners} partners, {conventions} conventions, "
        "{usage_rules:,} usage rules, {households:,} households with {members:,} other members, "
        "{passes:,} passes ({passes_due:,} due tonight), {pass_events:,} pass history lines, "
        "{visits:,} visits ({visits_accepted:,} accepted), {vouchers:,} vouchers, {sales:,} "
        "sales, {parcels:,} parcels with {parcel_lines:,} lines (corrections included)".format(
            seeded.today, **counts
        )
    )
    print(
        f"the month {seeded.month:%Y-%m} holds {in_month:,} visits; counter_visit.at follows "
        f"the table's physical order with a correlation of {correlation or 0:.2f}"
    )
    return {"visits": counts["visits"], "visits_month": in_month, "database_bytes": size}


def month_measure(seeded: Any, url: str, workdir: Path, repeat: int) -> dict[str, Any]:
    """(a): month_compile, its SELECTs alone, the bare SQL; jit on and off."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.stats_sql import bare_figures, statements, stored_figures
    from reports.compile import INSERT
    from reports.services import month_compile

    month, now = seeded.month, now_of(seeded.today)

    def compile_once() -> float:
        began = time.perf_counter()
        month_compile(month=month, now=now)
        return time.perf_counter() - began

    first = compile_once()
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        compiled = month_compile(month=month, now=now)
        total = time.perf_counter() - began
    inserts = [q for q in captured.captured_queries if INSERT in q["sql"]]
    django_ms = {name: 1000 * float(q["time"]) for name, q in zip(STATEMENTS, inserts, strict=True)}
    with connection.cursor() as cursor:
        bare = bare_figures(cursor, month, now, settings)
        stored = stored_figures(cursor, compiled.report.pk)
    bare_sql = [literal_sql(sql, params) for _n, sql, params in statements(month, now, settings)]
    selects = [q["sql"].replace(INSERT, "") for q in inserts]
    scripts = {
        "selects": script_write(workdir / "compile-selects.pgbench.sql", selects),
        "bare": script_write(workdir / "bare.pgbench.sql", bare_sql),
    }
    ceiling = pgbench_available()
    if not ceiling:
        print("pgbench is not installed: no ceiling (apt-get install postgresql-client)")
    # In turns, the compile then each script once, `repeat` times: a machine busy with
    # something else for a while slows them all, not one of them.
    tried: dict[str, list[PgbenchRun]] = {}
    timed: list[float] = []
    no_jit: list[float] = []
    for jit in (True, False):
        if not jit:
            with connection.cursor() as cursor:
                cursor.execute("SET jit = off")
        for _ in range(repeat):
            (timed if jit else no_jit).append(compile_once())
            variants = (
                (("selects", "selects", ""), ("bare", "bare", ""), ("bare_serial", "bare", SERIAL))
                if jit
                else (("selects_nojit", "selects", NO_JIT), ("bare_nojit", "bare", NO_JIT))
            )
            for name, script, options in variants if ceiling else ():
                tried.setdefault(name, []).append(pgbench(url, scripts[script], 1, options))
    with connection.cursor() as cursor:
        cursor.execute("RESET jit")
    runs = {name: pgbench_median(each) for name, each in tried.items()}

    def cell(name: str, index: int | None = None) -> str:
        run = runs.get(name)
        if run is None or run.failed:
            return f"{'-':>12}"
        value = run.latency_ms if index is None else run.statements_ms[index]
        return f"{value:>12.0f}"

    compile_ms = median_ms(timed)
    print(
        f"\n(a) one month's statistics, {month:%Y-%m}: month_compile wrote {compiled.figures:,} "
        f"figures (first run, cold: {1000 * first:.0f} ms)"
    )
    print(
        f"  {'ms (month_compile: one run)':<30}{'month_compile':>14}{'its SELECTs':>12}"
        f"{'bare SQL':>12}{'1 worker':>12}"
    )
    print(f"  {'':<30}{'(Django)':>14}{'(pgbench)':>12}{'(pgbench)':>12}{'(pgbench)':>12}")
    for index, name in enumerate(STATEMENTS):
        print(
            f"  {name:<30}{django_ms[name]:>14.0f}{cell('selects', index)}{cell('bare', index)}"
            f"{cell('bare_serial', index)}"
        )
    others = [q for q in captured.captured_queries if INSERT not in q["sql"]]

    def spent(prefix: str) -> float:
        return sum(1000 * float(q["time"]) for q in others if q["sql"].startswith(prefix))

    rest = sum(1000 * float(q["time"]) for q in others) - spent("DELETE") - spent("COMMIT")
    for label, value in (
        ("delete the draft's figures", spent("DELETE")),
        ("lock, update, count", rest),
        ("commit (the figures' keys)", spent("COMMIT")),
        (
            "Django between statements",
            1000 * total - sum(1000 * float(q["time"]) for q in captured.captured_queries),
        ),
    ):
        print(f"  {label:<30}{value:>14.0f}")
    print(
        f"  {'total (median of ' + str(repeat) + ')':<30}{compile_ms:>14.0f}{cell('selects')}"
        f"{cell('bare')}{cell('bare_serial')}"
    )
    print(
        f"  {'total with jit = off':<30}{median_ms(no_jit):>14.0f}{cell('selects_nojit')}"
        f"{cell('bare_nojit')}"
    )
    for name, run in runs.items():
        if run.failed:
            print(f"  pgbench {name} FAILED: {run.failed}")
    same = "yes" if bare == stored else f"NO: {len(bare - stored)} only bare, {len(stored - bare)}"
    print(
        f"  the bare SQL gives the same figures as reports_figure holds: {same} "
        f"({sum(stored.values()):,} figures); scripts in {workdir}"
    )
    bare_ms = runs["bare"].latency_ms if "bare" in runs and not runs["bare"].failed else 0.0
    if bare_ms:
        print(f"  month_compile / bare SQL: {compile_ms / bare_ms:.2f}× (target <= 2×)")
    return {
        "compile_ms": compile_ms,
        "compile_first_ms": 1000 * first,
        "compile_nojit_ms": median_ms(no_jit),
        "statements_ms": django_ms,
        "bare_ms": bare_ms,
        "same_figures": bare == stored,
        "figures": compiled.figures,
        "inserts": {name: q["sql"] for name, q in zip(STATEMENTS, inserts, strict=True)},
        **{f"{k}_ms": v.latency_ms for k, v in runs.items()},
    }


def child_main(scale: float, indexes: bool) -> None:
    url = postgres_url("bench-stats", "the seeding and the ceiling are PostgreSQL SQL")
    workdir, env = bench_env("comptoir-bench-stats-", url)
    django_setup(env)
    from demo.bench.stats import COORDINATOR, SEED_VERSION, StatsSize, seeded_read

    size = StatsSize.at_scale(scale)
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    print(
        f"\n=== scale {scale:g}: {size.households:,} households, {size.visits:,} visits, "
        f"database {name} ===",
        flush=True,
    )
    database_fresh(url, asdict(size), SEED_VERSION)
    seed(env, scale)
    seeded = seeded_read()
    assert seeded is not None
    result: dict[str, Any] = {"scale": scale, **context_print(seeded)}
    result.update(month_measure(seeded, url, workdir, REPEAT))
    expiry = expiry_measure(seeded.today, url, workdir, REPEAT)
    print(
        f"\n(b) the nightly expiry of {expiry.due:,} due passes (ended in the 3 days before "
        f"{seeded.today}), each run from the same passes"
    )
    expired = ", ".join(map(str, expiry.expired))
    print(
        f"  passes.services.passes_expire_due: {expiry.service_ms:.0f} ms "
        f"(median of {REPEAT}; expired {expired})"
    )
    print(
        "  bare SQL, UPDATE ... RETURNING + INSERT of the history lines, one statement "
        f"(pgbench): {expiry.bare_ms:.0f} ms"
    )
    print(f"  bare SQL, the UPDATE alone (pgbench): {expiry.update_ms:.0f} ms")
    if expiry.bare_ms:
        print(f"  passes_expire_due / bare SQL: {expiry.service_ms / expiry.bare_ms:.2f}×")
    result.update(
        due=expiry.due,
        expiry_ms=expiry.service_ms,
        expiry_bare_ms=expiry.bare_ms,
        expiry_update_ms=expiry.update_ms,
    )
    pages = review_measure(seeded.month, COORDINATOR)
    if pages is None:
        print("\n(c) review page: not built yet (no URL named reports:month)")
    else:
        print(f"\n(c) the review of {seeded.month:%Y-%m}, logged in as the coordinator")
        for page in pages:
            print(
                f"  {page.label} {page.path}: HTTP {page.status}, {page.queries} queries "
                f"({page.sql_ms:.0f} ms of SQL), "
                f"p50 {page.p50_ms:.0f} ms, p95 {page.p95_ms:.0f} ms, max {page.max_ms:.0f} ms"
                + (f", {page.error}" if page.error else "")
            )
    result["pages"] = None if pages is None else [asdict(p) for p in pages]
    if indexes:
        index_print(seeded, result["inserts"], workdir, REPEAT)
    del result["inserts"]
    print("RESULT " + json.dumps(result), flush=True)


def index_print(seeded: Any, inserts: dict[str, str], workdir: Path, repeat: int) -> None:
    """(d): the compile with no index on counter_visit(at), a btree, a BRIN."""
    from reports.services import month_compile

    month, now = seeded.month, now_of(seeded.today)

    def compile_timed() -> float:
        month_compile(month=month, now=now)
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            month_compile(month=month, now=now)
            times.append(time.perf_counter() - began)
        return median_ms(times)

    reading = {name: inserts[name] for name in ("visits", "persons")}
    runs = indexes_measure(compile_timed, reading, workdir)
    print(
        f"\n(d) an index on counter_visit(at)? month_compile (median of {repeat}) and EXPLAIN "
        f"(ANALYZE, BUFFERS) of its two INSERTs that read the visits (rolled back; plans in "
        f"{workdir})"
    )
    header = (
        f"  {'index':<20}{'build s':>8}{'MiB':>7}{'compile ms':>11}  {'statement':<9}"
        f"{'ms':>7}{'JIT ms':>8}  {'counter_visit read by':<42}{'ms':>7}{'hit':>9}{'read':>9}"
    )
    print(header + "\n  " + "-" * (len(header) - 2))
    for run in runs:
        for n, (name, plan) in enumerate(run.plans.items()):
            lead = (
                f"  {run.label:<20}{run.build_s:>8.1f}{run.size_mb:>7.0f}{run.compile_ms:>11.0f}"
                if n == 0
                else f"  {'':<46}"
            )
            print(
                f"{lead}  {name:<9}{plan.ms:>7.0f}{plan.jit_ms:>8.0f}  {plan.scan[:41]:<42}"
                f"{plan.scan_ms:>7.0f}{plan.hit:>9,}{plan.read:>9,}"
            )
