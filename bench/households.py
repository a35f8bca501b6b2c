"""Benchmark: the household list, its search and filters, with 100,000 households.

Needs PostgreSQL (DATABASE_URL=postgres://...): the list's search relies on its
indexes, which SQLite does not have. Creates the database when it is missing,
migrates it, seeds it with `manage.py bench_seed` (idempotent: a second run
seeds nothing), then:

- counts the SQL queries of one request per URL, in this process, with the
  Django test client and CaptureQueriesContext, and keeps the slowest query;
- serves the app as in production (gunicorn, DEBUG off, like bench/app.py)
  and times BENCH_REQUESTS (30) sequential requests per URL over loopback.

Prints one line per URL: HTTP status, rows matched, queries per request, the
slowest query's time, and the p50 / p95 / max latency. BENCH_EXPLAIN=1 also
prints EXPLAIN ANALYZE of each URL's slowest query. Run it with
`make bench-households` (`python3 -m bench.households`); BENCH_HOUSEHOLDS
changes the number of households.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from bench.common import Server, in_venv, machine_line, percentiles_ms, postgres_bench, served

PORT = int(os.environ.get("BENCH_PORT", "8766"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100000"))
PARTNER_SLUG = "bench-cpas"
USERNAME = "bench.assistant"
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"


@dataclass
class Case:
    label: str
    path: str
    kind: str = "page"  # page | htmx (the search box's POST) | api | api-search
    query: str = ""  # for htmx and api-search: the text searched for
    status_filter: str = ""

    @property
    def method(self) -> str:
        return "POST" if self.kind in ("htmx", "api-search") else "GET"


@dataclass
class Result:
    status: int
    rows: int | None
    queries: int
    slowest_sql_ms: float
    slowest_sql: str
    latencies: list[float]


def cases(full_name: str, code: str) -> list[Case]:
    searches = ["du", "van den", "lef", "nguyen", full_name, code]
    listed = [
        Case("list, first page", "/households/"),
        Case("list, page 2000", "/households/?page=2000"),
    ]
    listed += [Case(f"search {q!r} (htmx)", "/households/", "htmx", query=q) for q in searches]
    listed += [
        Case(f"filter {f}", f"/households/?status={f}", status_filter=f)
        for f in ("active", "expiring", "none")
    ]
    listed += [
        Case("api list, first page", "/api/households/", "api"),
        Case("api list, page 2000", "/api/households/?page=2000", "api"),
    ]
    listed += [
        Case(f"api search {q!r}", "/api/households/search/", "api-search", query=q)
        for q in searches
    ]
    listed += [
        Case(f"api status={f}", f"/api/households/?status={f}", "api", status_filter=f)
        for f in ("active", "expiring", "none")
    ]
    return listed


def timed(case: Case, headers: dict[str, str], body: bytes | None) -> list[float]:
    """REQUESTS sequential requests over loopback, after two not counted (warm-up)."""
    latencies = []
    for attempt in range(REQUESTS + 2):
        request = urllib.request.Request(
            BASE + case.path, data=body, headers=headers, method=case.method
        )
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.read()
        elapsed = time.perf_counter() - began
        if attempt >= 2:
            latencies.append(elapsed)
    return latencies


def main() -> None:
    in_venv("bench.households")
    _url, workdir, env = postgres_bench(
        "bench-households",
        "its search relies on PostgreSQL indexes",
        "--households",
        str(HOUSEHOLDS),
        "--partner-slug",
        PARTNER_SLUG,
    )
    # The same settings in this process: query counts, and the sample name and code.
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from network.models import User
    from passes.models import AccessPass, PassCard
    from passes.selectors import household_list_for_user

    user = User.objects.get(username=USERNAME)
    token = Token.objects.get_or_create(user=user)[0].key
    active = AccessPass.objects.filter(
        partner__slug=PARTNER_SLUG, status=AccessPass.Status.ACTIVE
    ).select_related("household")
    sample = active.order_by("pk")[active.count() // 2]
    full_name = f"{sample.household.first_name} {sample.household.last_name}"
    code = PassCard.objects.get(access_pass=sample, version=sample.card_version).human_code
    today = timezone.localdate()
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))

    def request_args(case: Case) -> tuple[dict[str, str], bytes | None]:
        """Headers and body of a request, as a browser or an API client sends it."""
        if case.kind == "api":
            return {"Authorization": f"Token {token}"}, None
        if case.kind == "api-search":
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            return headers, json.dumps({"q": case.query}).encode()
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie}; csrftoken={csrf}"}
        if case.kind == "htmx":
            headers |= {
                "HX-Request": "true",
                "HX-Target": "household-results",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            return headers, urllib.parse.urlencode({"q": case.query}).encode()
        return headers, None

    def measure_in_process(case: Case) -> Result:
        rows = household_list_for_user(
            user=user, today=today, query=case.query, status_filter=case.status_filter
        ).count()
        headers, _body = request_args(case)
        django_headers = {k: v for k, v in headers.items() if k not in ("Cookie", "Content-Type")}
        with CaptureQueriesContext(connection) as captured:
            if case.kind == "api-search":
                response = Client().post(
                    case.path,
                    {"q": case.query},
                    content_type="application/json",
                    headers=django_headers,
                )
            elif case.method == "POST":
                response = client.post(case.path, {"q": case.query}, headers=django_headers)
            elif case.kind == "api":
                response = Client().get(case.path, headers=django_headers)  # by token only
            else:
                response = client.get(case.path, headers=django_headers)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        return Result(
            status=response.status_code,
            rows=rows,
            queries=len(captured.captured_queries),
            slowest_sql_ms=float(slowest["time"]) * 1000 if slowest else 0.0,
            slowest_sql=slowest["sql"] if slowest else "",
            latencies=[],
        )

    results = {case.label: (case, measure_in_process(case)) for case in cases(full_name, code)}

    with served(Server("households", 2, 4), PORT, env, workdir):
        for case, result in results.values():
            result.latencies = timed(case, *request_args(case))

    print()
    print(
        f"{HOUSEHOLDS} households for {PARTNER_SLUG}; logged in as {USERNAME}; "
        f"{REQUESTS} sequential requests per URL, gunicorn 2 workers x 4 threads, DEBUG off"
    )
    print(machine_line(connection))
    print(f"sample full name {full_name!r}, sample card code {code!r}")
    header = (
        f"{'case':<34}{'method url':<44}{'HTTP':>5}{'rows':>8}{'SQL':>5}"
        f"{'slowest SQL ms':>15}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for case, result in results.values():
        p50, p95, _p99 = percentiles_ms(result.latencies, method="inclusive")
        where = f"{case.method} {case.path}"
        print(
            f"{case.label[:33]:<34}{where[:43]:<44}{result.status:>5}{result.rows:>8}"
            f"{result.queries:>5}{result.slowest_sql_ms:>15.1f}"
            f"{p50:>9.1f}{p95:>9.1f}{max(result.latencies) * 1000:>9.1f}"
        )
    missing = sorted({c.path.split("?")[0] for c, r in results.values() if r.status == 404})
    if missing:
        print(f"\nnot found (404) at the time of this run: {', '.join(missing)}")
    if EXPLAIN:
        for case, result in results.values():
            if not result.slowest_sql:
                continue
            print(f"\n--- {case.label}: slowest query ({result.slowest_sql_ms:.1f} ms)")
            print(result.slowest_sql)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + result.slowest_sql)
                print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
