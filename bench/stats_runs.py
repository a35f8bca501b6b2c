"""The statistics benchmark's measures: pgbench over SQL scripts, the nightly expiry, the
review page, and EXPLAIN (ANALYZE, BUFFERS) of the compile with and without an index on
the visits' time.

Everything here runs in the benchmark's child process, with Django set up on the
database of one size (`bench.stats`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
INDEX_NAME = "bench_stats_visit_at"
INDEX_VARIANTS = (
    ("none (as migrated)", ""),
    ("btree (at)", f"CREATE INDEX {INDEX_NAME} ON counter_visit (at)"),
    ("BRIN (at)", f"CREATE INDEX {INDEX_NAME} ON counter_visit USING brin (at)"),
)


def median_ms(seconds: list[float]) -> float:
    return 1000 * statistics.median(seconds)


def one_line(sql: str) -> str:
    """A statement on one line (pgbench reports each by its first line); comments dropped."""
    return " ".join(line.split("--", 1)[0].strip() for line in sql.splitlines()).strip()


# --- pgbench ---------------------------------------------------------------------------------


@dataclass
class PgbenchRun:
    latency_ms: float = 0.0  # per transaction
    statements_ms: list[float] = field(default_factory=list)  # each statement's average
    failed: str = ""


def pgbench_available() -> bool:
    return shutil.which("pgbench") is not None


def pgbench(
    url: str, script: Path, transactions: int, options: str = "", per_statement: bool = True
) -> PgbenchRun:
    """pgbench, one client, `transactions` runs of `script` (simple protocol: literal SQL).

    `options` are server settings for its session (PGOPTIONS, "-c jit=off").
    """
    parts = urllib.parse.urlsplit(url)
    command = ["pgbench", "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", "-f", str(script), "-M", "simple"]
    command += ["-c", "1", "-t", str(transactions)] + (["-r"] if per_statement else [])
    env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or "")}
    if options:
        env["PGOPTIONS"] = options
    result = subprocess.run(
        [*command, parts.path.lstrip("/")], capture_output=True, text=True, env=env
    )
    run = PgbenchRun()
    if result.returncode != 0:
        run.failed = (result.stderr.strip().splitlines() or ["pgbench failed"])[-1]
        return run
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    run.latency_ms = float(latency.group(1)) if latency else 0.0
    after = result.stdout.split("statement latencies in milliseconds", 1)[-1].splitlines()[1:]
    for line in after:
        first = line.split(None, 1)[0] if line.strip() else ""
        if re.fullmatch(r"[\d.]+", first):
            run.statements_ms.append(float(first))
    return run


def pgbench_median(runs: list[PgbenchRun]) -> PgbenchRun:
    """Runs of one script: the median of their latencies, and of each statement's."""
    failed = next((run.failed for run in runs if run.failed), "")
    if failed or not runs:
        return PgbenchRun(failed=failed or "no run")
    return PgbenchRun(
        latency_ms=statistics.median(run.latency_ms for run in runs),
        statements_ms=[
            statistics.median(each) for each in zip(*(r.statements_ms for r in runs), strict=True)
        ],
    )


def literal_sql(sql: str, params: dict[str, Any]) -> str:
    """The statement with its parameters written in, as psql or pgbench runs it."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    return psycopg.ClientCursor(connection.connection).mogrify(sql, params)


def script_write(path: Path, statements: list[str]) -> Path:
    path.write_text("".join(one_line(s) + ";\n" for s in statements))
    return path


# --- the nightly expiry ----------------------------------------------------------------------

RESET = (
    "UPDATE passes_accesspass SET status = 'active' "
    "WHERE id IN (SELECT pass_id FROM bench_stats_due) AND status <> 'active'",
    "DELETE FROM passes_passevent WHERE action = 'expire' "
    "AND access_pass_id IN (SELECT pass_id FROM bench_stats_due)",
)


def expiry_reset() -> None:
    """The due passes active again and without their expiry line, as seeded."""
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in RESET:
            cursor.execute(statement)


def expiry_bare(today: date) -> tuple[str, str]:
    """The expiry as one statement (passes and their history lines), and the UPDATE alone."""
    update = (
        "UPDATE passes_accesspass SET status = 'expired', updated_at = now() "  # noqa: S608
        f"WHERE status = 'active' AND valid_until < '{today.isoformat()}'"
    )
    with_events = (
        f"WITH due AS ({update} RETURNING id) "  # noqa: S608
        "INSERT INTO passes_passevent (action, at, reason, detail, access_pass_id, actor_id) "
        "SELECT 'expire', now(), '', '{}', id, NULL FROM due"
    )
    return with_events, update


@dataclass
class Expiry:
    due: int
    service_ms: float
    bare_ms: float
    update_ms: float
    expired: list[int]


def expiry_measure(today: date, url: str, workdir: Path, repeat: int) -> Expiry:
    """`passes_expire_due` and its bare SQL, each `repeat` times from the same due passes."""
    from django.db import connection

    from passes.services import passes_expire_due

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_stats_due")
        due = int(cursor.fetchone()[0])
    with_events, update = expiry_bare(today)
    scripts = {
        name: script_write(workdir / f"expiry-{name}.pgbench.sql", [sql])
        for name, sql in (("events", with_events), ("update", update))
    }
    service, expired = [], []
    bare: dict[str, list[float]] = {"events": [], "update": []}
    # In turns, each from the same due passes, so that no way runs on a table the others
    # have left more dead rows in.
    for _ in range(repeat):
        expiry_reset()
        began = time.perf_counter()
        expired.append(passes_expire_due(today=today))
        service.append(time.perf_counter() - began)
        for name, script in scripts.items():
            expiry_reset()
            run = pgbench(url, script, 1, per_statement=False)
            bare[name].append(run.latency_ms / 1000)
    expiry_reset()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) passes_accesspass")
        cursor.execute("VACUUM (ANALYZE) passes_passevent")
    return Expiry(
        due, median_ms(service), median_ms(bare["events"]), median_ms(bare["update"]), expired
    )


# --- the review page -------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    path: str
    status: int = 0
    queries: int = 0
    sql_ms: float = 0.0  # of one request, the time its queries took
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    error: str = ""


def _service_month_path(service_id: int) -> str | None:
    from django.urls import NoReverseMatch, reverse

    tries: list[dict[str, Any]] = [
        {"kwargs": {name: service_id}} for name in ("service_id", "service", "pk", "id")
    ]
    for attempt in [*tries, {"args": [service_id]}, {}]:
        try:
            return reverse("reports:service-month", **attempt)
        except NoReverseMatch:
            continue
    return None


def review_measure(month: date, username: str) -> list[Page] | None:
    """The coordinator's review of `month` (Django test client, logged in): None while the
    pages are not built (no URL named reports:month)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from network.models import User

    try:
        month_path = reverse("reports:month")
    except NoReverseMatch:
        return None
    except Exception as error:  # the app's URLs do not load: say so, measure the rest
        return [Page("reports:month", "", error=f"{type(error).__name__}: {error}"[:200])]
    with connection.cursor() as cursor:
        # The benchmark compiled the month many times over: the figures' table holds
        # their dead rows, which autovacuum clears in a running network.
        cursor.execute("VACUUM ANALYZE reports_figure")
        # The busiest service of the month: its table has the most conventions.
        cursor.execute(
            "SELECT service_id FROM reports_figure WHERE indicator = 'visits_accepted' "
            "AND service_id IS NOT NULL GROUP BY service_id ORDER BY SUM(value) DESC LIMIT 1"
        )
        row = cursor.fetchone()
    query = f"?month={month:%Y-%m}"
    pages = [Page("reports:month", month_path + query)]
    service_path = _service_month_path(row[0]) if row else None
    if service_path is not None:
        pages.append(Page("reports:service-month", service_path + query))
    client = Client()
    client.force_login(User.objects.get(username=username))
    for page in pages:
        latencies = []
        try:
            for attempt in range(REQUESTS + 2):
                began = time.perf_counter()
                response = client.get(page.path)
                if attempt >= 2:  # two not counted: caches and connections warm up
                    latencies.append(time.perf_counter() - began)
                page.status = response.status_code
            with CaptureQueriesContext(connection) as captured:
                client.get(page.path)
            page.queries = len(captured.captured_queries)
            page.sql_ms = sum(1000 * float(q["time"]) for q in captured.captured_queries)
        except Exception as error:  # the page's own failure is what the run reports
            page.error = f"{type(error).__name__}: {error}"[:200]
            continue
        cuts = statistics.quantiles(latencies, n=20, method="inclusive")
        page.p50_ms = median_ms(latencies)
        page.p95_ms = 1000 * cuts[18]
        page.max_ms = 1000 * max(latencies)
    return pages


# --- EXPLAIN and the index on counter_visit(at) ----------------------------------------------


@dataclass
class Explained:
    ms: float
    jit_ms: float
    scan: str  # how counter_visit was read
    scan_ms: float
    hit: int
    read: int


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


def explain(sql: str, path: Path) -> Explained:
    """EXPLAIN (ANALYZE, BUFFERS) of one of the compile's INSERTs, rolled back; the text plan
    is written to `path`."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        path.write_text("\n".join(row[0] for row in cursor.fetchall()) + "\n")
        transaction.set_rollback(True)
    result = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    nodes = _nodes(result["Plan"])
    visits = [n for n in nodes if n.get("Relation Name") == "counter_visit"]
    scan, scan_ms, hit, read = "-", 0.0, 0, 0
    if visits:
        node = visits[0]
        scan = node["Node Type"]
        index = node.get("Index Name") or next(
            (n.get("Index Name") for n in _nodes(node) if n.get("Index Name")), ""
        )
        scan += f" on {index}" if index else ""
        scan_ms = float(node.get("Actual Total Time", 0.0))
        hit = sum(int(n.get("Shared Hit Blocks", 0)) for n in visits)
        read = sum(int(n.get("Shared Read Blocks", 0)) for n in visits)
    jit = result.get("JIT", {}).get("Timing", {}).get("Total", 0.0)
    return Explained(float(result["Execution Time"]), float(jit), scan, scan_ms, hit, read)


@dataclass
class IndexRun:
    label: str
    build_s: float
    size_mb: float
    compile_ms: float
    plans: dict[str, Explained]


def indexes_measure(
    compile_timed: Callable[[], float], inserts: dict[str, str], workdir: Path
) -> list[IndexRun]:
    """The compile (median of its runs) and EXPLAIN of its statements that read the visits,
    with no index on counter_visit(at), a btree, then a BRIN; each index dropped after."""
    from django.db import connection

    runs = []
    for label, ddl in INDEX_VARIANTS:
        build, size = 0.0, 0.0
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
            if ddl:
                began = time.perf_counter()
                cursor.execute(ddl)
                build = time.perf_counter() - began
                cursor.execute(f"SELECT pg_relation_size('{INDEX_NAME}')")
                size = int(cursor.fetchone()[0]) / 2**20
            cursor.execute("ANALYZE counter_visit")
        try:
            compile_ms = compile_timed()
            slug = re.sub(r"\W+", "-", label.split(" (")[0].lower()).strip("-")
            plans = {
                name: explain(sql, workdir / f"explain-{name}-{slug}.txt")
                for name, sql in inserts.items()
            }
        finally:
            if ddl:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")
        runs.append(IndexRun(label, build, size, compile_ms, plans))
    return runs


def now_of(today: date) -> datetime:
    """03:00 on the seeding's day, in the network's time zone: when the nightly job runs."""
    from django.utils import timezone

    return datetime(today.year, today.month, today.day, 3, tzinfo=timezone.get_default_timezone())
