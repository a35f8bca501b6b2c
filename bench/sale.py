"""Benchmark: the social shop's checkout (`POST /api/shop/baskets/{id}/checkout/`).

Needs PostgreSQL (DATABASE_URL=postgres://...): the checkout locks its basket,
its pass and its lots (`SELECT ... FOR UPDATE OF`), which SQLite does not do.
Steps:

1. migrates and seeds the database (`manage.py bench_seed --passes active --sale`,
   idempotent): the scan benchmark's 100,000 households of `bench-scan`, each
   with an active pass, now also valid at the partner's shop `bench-scan-magasin`:
   1,000 products with one EAN-13 each and a price there, 20 lots of each
   (20,000), the volunteer `bench.vendeur` with a device token, and a monthly
   budget of 10,000 € that the checkout reads and that never refuses;
2. empties the shop (its baskets, sales, visits; every lot back to what it
   received) so that every run starts from the same stock;
3. counts the SQL statements of a checkout of 1, 10 and 50 lines in this
   process, through the service (as tests/shop/test_sales.py does) and through
   the API (Django test client), and those of adding a scanned product;
4. serves the app as in production (gunicorn, 3 sync workers as in
   docker-compose.yml, DEBUG off) and drives it with wrk and a Lua script:
   checkouts of baskets of 1, 10 and 50 lines at 1 and 8 tablets for
   BENCH_SECONDS (10) each, every request a basket of its own, prepared in
   bulk just before with its accepted visit of now (a basket is paid once);
   then a scanned product added to a basket (`POST .../lines/` with a barcode)
   at 1 tablet, ten distinct products into each empty basket;
5. runs the statements of the API's checkout as bare SQL with pgbench, at 1 and
   8 clients, each transaction a prepared basket of its own: the ceiling.

Prints sales/s, p50 / p95 / p99, the answers that were not the expected status,
where the CPU went, the statements per checkout, the bare-SQL ceiling and the
ratio, and a line per target, met or MISSED. Run it with `make bench-sale`
(`python3 -m bench.sale`). BENCH_PROFILE=1 adds a run of 10-line checkouts at
8 tablets under py-spy (`.venv/bin/pip install py-spy`).
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Server, in_venv, machine_line, postgres_bench, served
from bench.loadgen import (
    BASE,
    PORT,
    children_seconds,
    machine_busy_seconds,
    process_tree_seconds,
    wrk_available,
)
from bench.pgbench import sql_summary
from bench.report import profile_print, profile_start
from bench.sale_sql import (
    Captured,
    PgbenchRun,
    checkout_captured,
    counted,
    pgbench_available,
    pgbench_run,
    pgbench_script,
    put_captured,
    service_statements,
    shop_path,
    statements_print,
    template_ids,
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100000"))
PARTNER_SLUG = "bench-scan"
SIZES = (1, 10, 50)
CLIENTS = (1, 8)
SCANS_PER_BASKET = 10
# As docker-compose.yml, and the scan benchmark's figures.
SERVER = Server("sync 3 workers", 3)
# Transactions of each pgbench run (per size, then clients): a few seconds each here.
PGBENCH_TRANSACTIONS = {1: {1: 1000, 8: 2400}, 10: {1: 800, 8: 1600}, 50: {1: 300, 8: 640}}

TARGET_STATEMENTS = 15
TARGET_P50_10_LINES_MS = 25.0
TARGET_CEILING_SHARE = 0.25
TARGET_PUT_P50_MS = 15.0

WRK_SCRIPT = r"""
-- A shop's tablets for wrk: one request per line of a file ("path<TAB>body"), each line
-- sent once; the statuses counted. Arguments after "--": file, device token, status expected.
local threads = {}
function setup(thread) table.insert(threads, thread) end

local items, sent, expected = {}, 0, 0
ok, others, ran_out = 0, {}, 0

function init(args)
  for line in io.lines(args[1]) do
    local tab = string.find(line, "\t", 1, true)
    items[#items + 1] = {string.sub(line, 1, tab - 1), string.sub(line, tab + 1)}
  end
  expected = tonumber(args[3])
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Token " .. args[2]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  if sent > #items then
    -- Every basket is used: stop (this last request repeats one and is not counted).
    ran_out = 1
    wrk.thread:stop()
    sent = #items
  end
  return wrk.format(nil, items[sent][1], nil, items[sent][2])
end

function response(status, headers, body)
  if ran_out == 1 then return end
  if status == expected then ok = ok + 1 return end
  others[tostring(status)] = (others[tostring(status)] or 0) + 1
end

function done(summary, latency, requests)
  local total, out, merged = 0, 0, {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("ok")
    out = math.max(out, thread:get("ran_out"))
    for status, count in pairs(thread:get("others")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do parts[#parts + 1] = '"' .. status .. '":' .. count end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"ok":%d,"socket_errors":%d,"ran_out":%d,'
      .. '"p50":%d,"p95":%d,"p99":%d,"others":{%s}}\n',
    summary.requests, summary.duration, total, e.connect + e.read + e.write + e.timeout, out,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ",")))
end
"""


@dataclass
class Run:
    """One wrk run: what was sent, what came back, where the CPU went."""

    requests: int
    seconds: float
    ok: int
    others: Counter[str]  # status -> count, for answers other than the one expected
    socket_errors: int
    ran_out: bool
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu: dict[str, float] = field(default_factory=dict)

    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def cpu_ms(self, part: str) -> float:
        return 1000 * self.cpu.get(part, 0.0) / max(self.requests, 1)


class Bench:
    """The seeded shop, its tablets' token, and the runs against gunicorn."""

    def __init__(self, shop: Any, token: str, passes: list[int], workdir: Path) -> None:
        self.shop, self.token, self.passes, self.workdir = shop, token, passes, workdir
        self.rng = random.Random(2024)  # noqa: S311  (an order, not a secret)
        self.script = workdir / "sale.lua"
        self.script.write_text(WRK_SCRIPT)
        self.server: subprocess.Popen[bytes] | None = None

    def baskets(self, count: int, lines: int, passes: list[int] | None = None) -> list[int]:
        from demo.bench.shop import baskets_prepare

        chosen = passes if passes is not None else self.rng.sample(self.passes, count)
        tag = f"bench-sale-{time.time_ns()}"
        return baskets_prepare(self.shop, passes=chosen, lines=lines, tag=tag, rng=self.rng)

    def wrk(self, items: list[tuple[str, str]], clients: int, seconds: float, expected: int) -> Run:
        """wrk, one thread, `clients` connections, over `items` (path, body) in turn."""
        assert self.server is not None
        requests = self.workdir / "requests.txt"
        requests.write_text("".join(f"{path}\t{body}\n" for path, body in items))
        command = ["wrk", "-t", "1", "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "10s"]
        command += ["-s", str(self.script), BASE, "--", str(requests), self.token, str(expected)]
        busy, server = machine_busy_seconds(), process_tree_seconds(self.server.pid)
        before = children_seconds()
        result = subprocess.run(command, capture_output=True, text=True)
        loadgen = children_seconds() - before
        line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
        data = json.loads(line.removeprefix("RESULT "))
        cpu = {
            "total": machine_busy_seconds() - busy,
            "server": process_tree_seconds(self.server.pid) - server,
            "loadgen": loadgen,
        }
        return Run(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            ok=data["ok"],
            others=Counter(data["others"]),
            socket_errors=data["socket_errors"],
            ran_out=bool(data["ran_out"]),
            p50_ms=data["p50"] / 1000,
            p95_ms=data["p95"] / 1000,
            p99_ms=data["p99"] / 1000,
            cpu=cpu,
        )

    def checkouts(self, count: int, lines: int, clients: int, seconds: float) -> Run:
        baskets = self.baskets(count, lines)
        body = '{"payment":"card"}'
        items = [(shop_path(self.shop, b, "checkout"), body) for b in baskets]
        return self.wrk(items, clients, seconds, expected=201)

    def scans(self, count: int, seconds: float) -> Run:
        """Ten distinct products scanned into each of `count` empty baskets, one after the other."""
        items = []
        for basket in self.baskets(count, 0):
            for index in self.rng.sample(range(len(self.shop.products)), SCANS_PER_BASKET):
                body = f'{{"barcode":"{self.shop.barcodes[index]}","quantity":"1"}}'
                items.append((shop_path(self.shop, basket, "lines"), body))
        return self.wrk(items, 1, seconds, expected=200)


def counted_as(count: int, word: str) -> str:
    """1 line, 10 lines."""
    return f"{count} {word}{'s' if count > 1 else ''}"


def enough(rate: float, seconds: float, per_item: int = 1) -> int:
    """Baskets for a run of `seconds` at up to 1.5 times `rate` requests a second."""
    return math.ceil(1.5 * max(rate, 5.0) * seconds / per_item) + 20


def measured(label: str, make: Any, count: int) -> Run:
    """A run with `count` baskets; run again with three times as many when they ran out."""
    run: Run = make(count)
    if run.ran_out:
        print(f"  ({label}: the {count} baskets ran out; again with {3 * count})")
        run = make(3 * count)
    return run


def table_header() -> str:
    header = (
        f"{'run':<34}{'requests':>9}{'ok/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'not ok':>8}  {'CPU ms/req: gunicorn':>21}{'loadgen':>8}{'other':>7}"
    )
    return header + "\n" + "-" * len(header)


def table_row(label: str, run: Run) -> str:
    other = max(run.cpu["total"] - run.cpu["server"] - run.cpu["loadgen"], 0.0)
    wrong = sum(run.others.values()) + run.socket_errors
    note = ", ".join(f"{n} × HTTP {s}" for s, n in run.others.most_common())
    if run.socket_errors:
        note = ", ".join(filter(None, [note, f"{run.socket_errors} socket errors"]))
    if run.ran_out:
        note = ", ".join(filter(None, [note, "RAN OUT of baskets: rate too low"]))
    return (
        f"{label:<34}{run.requests:>9}{run.rate():>8.1f}{run.p50_ms:>8.1f}{run.p95_ms:>8.1f}"
        f"{run.p99_ms:>8.1f}{wrong:>8}  {run.cpu_ms('server'):>21.2f}{run.cpu_ms('loadgen'):>8.2f}"
        f"{1000 * other / max(run.requests, 1):>7.2f}" + (f"  {note}" if note else "")
    )


def statements_count(
    bench: Bench,
) -> tuple[dict[int, int], dict[int, int], dict[int, list[Captured]]]:
    """Statements per checkout of each size (service, API) and two API captures each."""
    from shop.models import BasketLine

    print("\nSQL statements (in this process: the service, and the API with the device token)")
    # This process connects and fills its caches on a first checkout.
    checkout_captured(bench.shop, bench.token, bench.baskets(1, 1)[0])
    by_service, by_api, captures = {}, {}, {}
    for lines in SIZES:
        by_service[lines] = counted(service_statements(bench.shop, bench.baskets(1, lines)[0]))
        first = bench.baskets(1, lines)[0]
        ranks = list(
            BasketLine.objects.filter(basket_id=first)
            .order_by("product_id")
            .values_list("product_id", flat=True)
        )
        second = first
        for _try in range(20):  # another basket with a different product at every rank
            second = bench.baskets(1, lines)[0]
            other = BasketLine.objects.filter(basket_id=second).order_by("product_id")
            if all(
                a != b
                for a, b in zip(ranks, other.values_list("product_id", flat=True), strict=True)
            ):
                break
        pair = []
        for basket in (first, second):
            captured = checkout_captured(bench.shop, bench.token, basket)
            if captured.status != 201:
                sys.exit(f"a checkout of {lines} lines answered {captured.status}, not 201")
            template_ids(bench.shop, basket, captured)
            pair.append(captured)
        captures[lines] = pair
        by_api[lines] = counted(pair[0].statements)
        print(
            f"  checkout of {lines:>2} lines: {by_service[lines]} statements + BEGIN/COMMIT in "
            f"the service (sale_checkout), {by_api[lines]} + BEGIN/COMMIT for the request"
        )
    statements_print("the API's checkout of 10 lines", captures[10][0].statements)
    for lines in (0, 10, 49):
        basket = bench.baskets(1, lines)[0]
        taken = set(
            BasketLine.objects.filter(basket_id=basket).values_list("product_id", flat=True)
        )
        index = next(i for i, pk in enumerate(bench.shop.products) if pk not in taken)
        put = put_captured(bench.shop, bench.token, basket, bench.shop.barcodes[index])
        print(
            f"  a scanned product added to a basket of {lines:>2} lines: "
            f"{counted(put.statements)} statements + BEGIN/COMMIT (HTTP {put.status})"
        )
        if lines == 10:
            statements_print("adding to a basket of 10 lines", put.statements)
    return by_service, by_api, captures


def ceiling(
    bench: Bench, url: str, captures: dict[int, list[Captured]], workdir: Path
) -> dict[tuple[int, int], PgbenchRun]:
    """The API's checkout as bare SQL, 1 and 8 clients, each transaction a basket of its own."""
    from demo.bench.shop import LOTS_PER_PRODUCT

    shop = bench.shop
    count = len(shop.products)
    if shop.products != list(range(shop.products[0], shop.products[0] + count)) or (
        shop.first_lots != [shop.first_lots[0] + LOTS_PER_PRODUCT * i for i in range(count)]
    ):
        print("\nthe catalogue's ids are not consecutive: no bare-SQL ceiling")
        return {}
    runs = {}
    print("\nbare SQL with pgbench (the API's checkout, simple protocol; scripts in the workdir)")
    print(f"  {'lines':>5}{'clients':>8}{'transactions':>13}{'tps':>8}{'latency ms':>11}")
    for lines in SIZES:
        first, second = captures[lines]
        script = pgbench_script(first, second, lines, workdir, (count, LOTS_PER_PRODUCT))
        for clients in CLIENTS:
            total = PGBENCH_TRANSACTIONS[lines][clients]
            per_client = total // clients
            passes = consecutive(bench.passes, clients * per_client)
            baskets = bench.baskets(len(passes), lines, passes)
            visits = visits_of(baskets)
            if baskets != list(range(baskets[0], baskets[0] + len(baskets))) or visits != list(
                range(visits[0], visits[0] + len(visits))
            ):
                sys.exit("the pgbench baskets or their visits are not consecutive")
            variables = {
                "first_basket": baskets[0],
                "first_visit": visits[0],
                "first_pass": passes[0],
                "first_product": shop.products[0],
                "first_lot": shop.first_lots[0],
            }
            run = pgbench_run(url, script, clients, per_client, variables)
            runs[(lines, clients)] = run
            print(
                f"  {lines:>5}{clients:>8}{run.transactions:>13}{run.tps:>8.0f}"
                f"{run.latency_ms:>11.2f}" + (f"  FAILED: {run.failed}" if run.failed else "")
            )
            if (lines, clients) == (10, 1):
                for ms, sql in run.statements:
                    print(f"  {ms:>17.3f} ms  {sql_summary(sql, width=110)}")
    return runs


def consecutive(passes: list[int], count: int) -> list[int]:
    """`count` pass ids that follow each other (pgbench computes a basket's pass)."""
    ordered = sorted(passes)
    start = 0
    for index in range(1, len(ordered)):
        if ordered[index] != ordered[index - 1] + 1:
            start = index
        elif index - start + 1 == count:
            return ordered[start : index + 1]
    sys.exit(f"no {count} consecutive pass ids: no bare-SQL ceiling")


def visits_of(baskets: list[int]) -> list[int]:
    from shop.models import Basket

    by_basket = dict(Basket.objects.filter(pk__in=baskets).values_list("pk", "visit_id"))
    return [by_basket[b] for b in baskets]


def targets_print(
    by_service: dict[int, int],
    finals: dict[tuple[int, int], Run],
    put: Run,
    tps: dict[tuple[int, int], PgbenchRun],
) -> None:
    print("\ntargets")
    flat = len(set(by_service.values())) == 1
    checks = [
        (
            "SQL statements of a checkout the same for 1, 10 and 50 lines",
            " / ".join(str(by_service[n]) for n in SIZES),
            flat,
        ),
        (
            f"SQL statements of a checkout <= {TARGET_STATEMENTS}",
            str(max(by_service.values())),
            max(by_service.values()) <= TARGET_STATEMENTS,
        ),
        (
            f"p50 of a 10-line checkout at 1 tablet <= {TARGET_P50_10_LINES_MS:g} ms",
            f"{finals[(10, 1)].p50_ms:.1f} ms",
            finals[(10, 1)].p50_ms <= TARGET_P50_10_LINES_MS,
        ),
    ]
    for (lines, clients), run in sorted(tps.items()):
        if run.failed or not run.tps:
            continue
        share = finals[(lines, clients)].rate() / run.tps
        checks.append(
            (
                f"sales/s >= {TARGET_CEILING_SHARE:.0%} of bare SQL, {counted_as(lines, 'line')}, "
                f"{counted_as(clients, 'tablet')}",
                f"{finals[(lines, clients)].rate():.1f} / {run.tps:.0f} = {share:.1%}",
                share >= TARGET_CEILING_SHARE,
            )
        )
    checks.append(
        (
            f"p50 of adding a scanned product <= {TARGET_PUT_P50_MS:g} ms",
            f"{put.p50_ms:.1f} ms",
            put.p50_ms <= TARGET_PUT_P50_MS,
        )
    )
    for label, value, met in checks:
        print(f"  {'met   ' if met else 'MISSED'} {label}: {value}")


def main() -> None:
    in_venv("bench.sale")
    url, workdir, env = postgres_bench(
        "bench-sale",
        "the checkout locks its basket, pass and lots, which SQLite does not",
        "--households",
        str(HOUSEHOLDS),
        "--partner-slug",
        PARTNER_SLUG,
        "--passes",
        "active",
        "--sale",
    )
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from demo.bench.shop import shop_load, shop_reset
    from passes.models import AccessPass
    from stock.services import stock_check

    if not wrk_available():
        sys.exit("bench-sale needs wrk (apt-get install wrk)")
    shop = shop_load(PARTNER_SLUG)
    token = Token.objects.get(user=shop.seller).key
    passes = list(
        AccessPass.objects.filter(partner__slug=PARTNER_SLUG, status=AccessPass.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    bench = Bench(shop, token, passes, workdir)
    print(f"emptied the shop: {shop_reset(shop.service)} sales of earlier runs deleted")
    by_service, _by_api, captures = statements_count(bench)
    shop_reset(shop.service)

    print()
    print(machine_line(connection))
    print(f"server: gunicorn, {SERVER.label}, DEBUG off; wrk, 1 thread; {SECONDS:g} s a run")
    finals: dict[tuple[int, int], Run] = {}
    with served(SERVER, PORT, env, workdir) as process:
        bench.server = process
        print(table_header())
        for lines in SIZES:
            warm = bench.checkouts(enough(60 / lines**0.5, 2), lines, 8, 2)
            rate = warm.rate() * (3 if warm.ran_out else 1)
            for clients in CLIENTS:
                label = f"checkout, {counted_as(lines, 'line')}, {counted_as(clients, 'tablet')}"
                finals[(lines, clients)] = run = measured(
                    label,
                    lambda n, lines=lines, clients=clients: bench.checkouts(
                        n, lines, clients, SECONDS
                    ),
                    enough(rate, SECONDS),
                )
                print(table_row(label, run))
        warm = bench.scans(enough(100, 2, SCANS_PER_BASKET), 2)
        rate = warm.rate() * (3 if warm.ran_out else 1)
        put = measured(
            "scanned product",
            lambda n: bench.scans(n, SECONDS),
            enough(rate, SECONDS, SCANS_PER_BASKET),
        )
        print(table_row("scanned product added, 1 tablet", put))
        if os.environ.get("BENCH_PROFILE") == "1":
            profile_file = workdir / "profile.txt"
            count = enough(finals[(10, 8)].rate(), SECONDS)
            baskets = bench.baskets(count, 10)
            items = [(shop_path(shop, b, "checkout"), '{"payment":"card"}') for b in baskets]
            spy = profile_start(process, profile_file, SECONDS)
            run = bench.wrk(items, 8, SECONDS, expected=201)
            spy.wait()
            print(f"\nprofile (py-spy, 10-line checkouts, 8 tablets, {profile_file}):")
            print(table_row("checkout, 10 lines, 8, py-spy", run))
            profile_print(profile_file, parts=PROFILE_PARTS)
    wrong = stock_check()
    print(
        f"\nstock ledger after the runs: {len(wrong)} lots whose balance differs from the "
        f"sum of their movements{'' if not wrong else ' (WRONG)'}"
    )
    print(f"emptied the shop: {shop_reset(shop.service)} sales deleted")

    runs = ceiling(bench, url, captures, workdir) if pgbench_available() else {}
    shop_reset(shop.service)
    if runs:
        print("\nsales/s over the bare-SQL ceiling (same size, same clients)")
        for (lines, clients), bare in sorted(runs.items()):
            http = finals[(lines, clients)].rate()
            print(
                f"  {counted_as(lines, 'line'):>8}, {counted_as(clients, 'client'):<9}: "
                f"{http:7.1f} / {bare.tps:6.0f} = {http / bare.tps if bare.tps else 0:6.1%}"
            )
    targets_print(by_service, finals, put, runs)


# Where a checkout's CPU goes, by function (inclusive).
PROFILE_PARTS = (
    ("WSGIHandler.__call__", "the request in Django (middleware included)"),
    ("APIView.dispatch", "  the DRF view"),
    ("TokenAuthentication.authenticate", "    token lookup"),
    ("counter_of_caller", "    the counter of the caller (memberships)"),
    ("sale_checkout", "    shop.services.sale_checkout"),
    ("_basket_locked", "      basket and pass FOR UPDATE"),
    ("service_prices", "      the prices"),
    ("budget_for", "      the budget drawn this month"),
    ("lots_fefo", "      the lots FOR UPDATE"),
    ("plan_takes", "      the plan (which lots, what price)"),
    ("_lines_write", "      sale lines INSERT"),
    ("takes_write", "      lots UPDATE and movements INSERT"),
    ("Atomic.__exit__", "      COMMIT"),
    ("receipt_lines", "    the receipt's lines"),
    ("Serializer.data", "    the sale as JSON"),
    ("SQLCompiler.as_sql", "ORM: compiling SQL (every query)"),
    ("ModelIterable.__iter__", "ORM: rows into model objects"),
    ("CursorWrapper.execute", "executing SQL (psycopg, without the waits)"),
)


if __name__ == "__main__":
    main()
