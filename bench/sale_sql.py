"""The sale benchmark's SQL: the statements of a checkout and of a scanned product, counted
in this process, and the checkout as bare SQL with pgbench (the ceiling).

The pgbench script is the SQL of a real checkout request, captured twice on two
baskets of the same size with different products, passes and baskets: the
numbers that differ between the two are the ids, and become pgbench variables
(a basket of its own per transaction, its visit and pass, products spread over
the catalogue and the lot each one leaves from); the numbers that agree stay as
they are. The statements keep their shape, their order and their transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadgen import machine_busy_seconds
from bench.pgbench import sql_summary


@dataclass
class Captured:
    """One request's statements (BEGIN and COMMIT included, as Django logs them)."""

    statements: list[str]
    status: int
    ids: dict[str, int] = field(default_factory=dict)  # pgbench variable -> the id it was


def shop_path(shop: Any, basket: int, action: str) -> str:
    return f"/api/shop/baskets/{basket}/{action}/?service={shop.service.pk}"


def capture(call: Callable[[], int]) -> Captured:
    """The statements `call` sends on a persistent connection, as under gunicorn, and its
    HTTP status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # What a new request does to a persistent connection (the test client skips it).
    connection.close_if_unusable_or_obsolete()
    with CaptureQueriesContext(connection) as captured:
        status = call()
    return Captured([q["sql"] for q in captured.captured_queries], status)


def checkout_captured(shop: Any, token: str, basket: int) -> Captured:
    """A checkout through the API (Django test client, the device's token)."""
    from django.test import Client

    def post() -> int:
        response = Client().post(
            shop_path(shop, basket, "checkout"),
            {"payment": "card"},
            content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        )
        return response.status_code

    return capture(post)


def put_captured(shop: Any, token: str, basket: int, barcode: str) -> Captured:
    from django.test import Client

    def post() -> int:
        response = Client().post(
            shop_path(shop, basket, "lines"),
            {"barcode": barcode, "quantity": "1"},
            content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        )
        return response.status_code

    return capture(post)


def service_statements(shop: Any, basket: int) -> list[str]:
    """A checkout through the service alone, as tests/shop/test_sales.py counts it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from network.models import User
    from shop.services import sale_checkout

    actor = User.objects.get(pk=shop.seller.pk)  # memberships read again, as in a request
    with CaptureQueriesContext(connection) as captured:
        sale_checkout(actor=actor, service=shop.service, basket_id=basket, payment="card")
    return [q["sql"] for q in captured.captured_queries]


def template_ids(shop: Any, basket: int, captured: Captured) -> None:
    """Name the ids a checkout's SQL holds: its basket, visit, pass and sale, each product
    (by rank) and the lot it left from."""
    from shop.models import Basket, Sale, SaleLine

    row = Basket.objects.select_related("visit").get(pk=basket)
    sale = Sale.objects.get(basket_id=basket)
    taken = sorted(SaleLine.objects.filter(sale=sale).values_list("product_id", "lot_id"))
    for rank, (product, lot) in enumerate(taken):
        captured.ids[f"p{rank}"] = product
        captured.ids[f"l{rank}"] = lot
    assert row.visit.access_pass_id is not None
    captured.ids.update(basket=basket, visit=row.visit_id, **{"pass": row.visit.access_pass_id})
    captured.ids["id"] = sale.pk  # the sale INSERT's RETURNING, kept by \gset


# A string literal; a number that is not part of a name, a cast's type or a decimal; a
# number in an array literal ('{2741,11641}', as psycopg sends a bulk INSERT's columns).
STRING = re.compile(r"'(?:[^']|'')*'")
NUMBER = re.compile(r"(?<![\w.\"$:])\d+(?:\.\d+)?(?![\w.\"])")
ARRAY_NUMBER = re.compile(r"(?<=[{,])-?\d+(?:\.\d+)?(?=[,}])")
COMPARED = re.compile(r"(?:\"(\w+)\"\.)?\"(\w+)\" (?:= |IN \([\d, ]*)$")
INSERTED = re.compile(r"INSERT INTO \"(\w+)\" \(([^)]*)\) (VALUES \(|SELECT \* FROM UNNEST\()")
# The column a number is compared with or written to -> the kind of id (a variable's prefix).
KINDS = {
    "basket_id": "basket",
    "shop_basket.id": "basket",
    "visit_id": "visit",
    "counter_visit.id": "visit",
    "access_pass_id": "pass",
    "passes_accesspass.id": "pass",
    "product_id": "p",
    "shop_product.id": "p",
    "lot_id": "l",
    "shop_lot.id": "l",
    "sale_id": "id",
    # A stock movement names its sale as its source.
    "source_id": "id",
    "shop_sale.id": "id",
}


def number_spans(statement: str) -> list[tuple[int, int]]:
    """Where the statement's numbers are, those in array literals included."""
    spans: list[tuple[int, int]] = []
    last = 0
    for string in STRING.finditer(statement):
        spans += [m.span() for m in NUMBER.finditer(statement, last, string.start())]
        if string.group().startswith("'{"):
            spans += [m.span() for m in ARRAY_NUMBER.finditer(statement, *string.span())]
        last = string.end()
    return spans + [m.span() for m in NUMBER.finditer(statement, last)]


def column_at(statement: str, start: int) -> str:
    """The column the number at `start` is compared with or inserted into ("" if none)."""
    before = statement[:start]
    inserted = INSERTED.match(statement)
    if inserted and start >= inserted.end():
        columns = re.findall(r"\"(\w+)\"", inserted.group(2))
        part = statement[inserted.end() : start]
        if inserted.group(3).startswith("VALUES"):
            index = STRING.sub("''", part).count(",")
        else:  # one array per column
            index = part.count("'{") - 1
        return columns[index] if 0 <= index < len(columns) else ""
    compared = COMPARED.search(before)
    if compared is None:
        return ""
    table, column = compared.groups()
    return column if column != "id" else f"{table}.id"


def id_name(captured: Captured, value: int, kind: str | None) -> str:
    """The variable of the id `value` of this kind in `captured` ("" if none, or several)."""
    names = [n for n, v in captured.ids.items() if v == value and n.rstrip("0123456789") == kind]
    return names[0] if len(names) == 1 else ""


def pgbench_script(
    a: Captured, b: Captured, lines: int, workdir: Path, catalogue: tuple[int, int]
) -> Path:
    """The checkout's statements with the ids that differ between `a` and `b` as variables.

    `catalogue` is (products, lots per product): a transaction's products are spread
    over the catalogue from a random start, each with its first lot (lots of a
    product are consecutive, the first one out first).
    """
    if len(a.statements) != len(b.statements):
        sys.exit("two checkouts of the same size sent different statements: no pgbench script")
    products, per_product = catalogue
    step = products // lines
    head = [
        r"\set n :n + 1",
        r"\set j :client_id * :per_client + :n - 1",
        r"\set basket :first_basket + :j",
        r"\set visit :first_visit + :j",
        r"\set pass :first_pass + :j",
        rf"\set base random(0, {products - 1})",
    ]
    for k in range(lines):
        spread = f"((:base + {k * step}) % {products})"
        head.append(rf"\set p{k} :first_product + {spread}")
        head.append(rf"\set l{k} :first_lot + {per_product} * {spread}")
    # No `SELECT 1` first: the app tests a connection only after a failure (comptoir.middleware).
    body: list[str] = []
    for index, (sql_a, sql_b) in enumerate(zip(a.statements, b.statements, strict=True)):
        spans_a, spans_b = number_spans(sql_a), number_spans(sql_b)
        if len(spans_a) != len(spans_b):
            sys.exit(f"statement {index} differs in shape between two checkouts:\n{sql_a}")
        out, last = [], 0
        for (start, end), (start_b, end_b) in zip(spans_a, spans_b, strict=True):
            x, y = sql_a[start:end], sql_b[start_b:end_b]
            out.append(sql_a[last:start])
            last = end
            if x == y or not x.isdigit():
                out.append(x)
                continue
            kind = KINDS.get(column_at(sql_a, start))
            name = id_name(a, int(x), kind) or id_name(b, int(y), kind)
            if not name:
                sys.exit(f"statement {index}: {x} / {y} is no id of a known kind:\n{sql_a}")
            out.append(f":{name}")
        # psycopg types an array by its largest number: the script's ids may be larger.
        statement = "".join([*out, sql_a[last:]]).replace("::int2[]", "::int8[]")
        if statement.startswith('INSERT INTO "shop_sale" '):
            body.append(statement + r" \gset")
        else:
            body.append(statement + ";")
    script = workdir / f"checkout-{lines}.pgbench.sql"
    script.write_text("\n".join(head + body) + "\n")
    return script


@dataclass(frozen=True)
class PgbenchRun:
    clients: int
    tps: float
    latency_ms: float
    cpu_ms: float
    transactions: int
    failed: str  # pgbench's complaint, empty when every transaction ran
    statements: list[tuple[float, str]]  # average ms of each statement, and the statement


def pgbench_run(
    url: str, script: Path, clients: int, per_client: int, variables: dict[str, int]
) -> PgbenchRun:
    """pgbench, `clients` connections, `per_client` transactions each, simple protocol
    (literal SQL, as Django sends it)."""
    parts = urllib.parse.urlsplit(url)
    command = ["pgbench", "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", "-f", str(script), "-M", "simple"]
    command += ["-c", str(clients), "-j", str(min(clients, 2)), "-t", str(per_client), "-r"]
    for name, value in {**variables, "n": 0, "per_client": per_client}.items():
        command += ["-D", f"{name}={value}"]
    pg_env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or "")}
    busy = machine_busy_seconds()
    result = subprocess.run(
        [*command, parts.path.lstrip("/")], capture_output=True, text=True, env=pg_env
    )
    busy = machine_busy_seconds() - busy
    found = re.search(r"tps = ([\d.]+)", result.stdout)
    done = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    count = int(done.group(1)) if done else 0
    failed = ""
    if result.returncode != 0 or count != clients * per_client:
        failed = (result.stderr.strip().splitlines() or ["pgbench failed"])[-1]
    statements = []
    per_statement = result.stdout.split("statement latencies in milliseconds", 1)[-1]
    for line in per_statement.strip().splitlines()[1:]:
        ms, _failures, sql = (line.split(None, 2) + ["", ""])[:3]
        if not sql.startswith("\\set"):
            statements.append((float(ms), sql))
    return PgbenchRun(
        statements=statements,
        clients=clients,
        tps=float(found.group(1)) if found else 0.0,
        latency_ms=float(latency.group(1)) if latency else 0.0,
        cpu_ms=1000 * busy / max(count, 1),
        transactions=count,
        failed=failed,
    )


def pgbench_available() -> bool:
    if shutil.which("pgbench"):
        return True
    print("\npgbench is not installed: no bare-SQL ceiling (apt-get install postgresql-client)")
    return False


def counted(statements: list[str]) -> int:
    """Statements sent, BEGIN and COMMIT left out (the scan's count does the same)."""
    return sum(1 for s in statements if s not in ("BEGIN", "COMMIT"))


def statements_print(label: str, statements: list[str], indent: str = "    ") -> None:
    print(f"  {label}: {counted(statements)} statements")
    for statement in statements:
        print(f"{indent}{sql_summary(statement)}")
