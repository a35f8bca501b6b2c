"""Benchmark: the household list, its search and filters, with 100,000 households.

Needs PostgreSQL (DATABASE_URL=postgres://...): the list's search relies on its
indexes, which SQLite does not have. Creates the database when it is missing,
migrates it, seeds it with `manage.py bench_seed` (idempotent: a second run
seeds nothing), then:

- counts the SQL queries of one request per URL, in this process, with the
  Django test client and CaptureQueriesContext, and keeps the slowest query;
- serves the app as in production (gunicorn, DEBUG off, like scripts/bench.py)
  and times BENCH_REQUESTS (30) sequential requests per URL over loopback.

Prints one line per URL: HTTP status, rows matched, queries per request, the
slowest query's time, and the p50 / p95 / max latency. BENCH_EXPLAIN=1 also
prints EXPLAIN ANALYZE of each URL's slowest query. Run it with
`make bench-households`; BENCH_HOUSEHOLDS changes the number of households.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PYTHON, ROOT, manage  # noqa: E402  (the sibling benchmark's helpers)

PORT = int(os.environ.get("BENCH_PORT", "8766"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100000"))
PARTNER_SLUG = "bench-cpas"
USERNAME = "bench.assistant"
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/comptoir_bench"


@dataclass
class Case:
    label: str
    path: str
    kind: str = "page"  # page | htmx (the search box's POST) | api
    query: str = ""  # for htmx: the text typed in the search box
    status_filter: str = ""


@dataclass
class Result:
    status: int
    rows: int | None
    queries: int
    slowest_sql_ms: float
    slowest_sql: str
    latencies: list[float]


def in_venv() -> None:
    """Run the calling script again under the project's virtualenv when started by another Python."""
    if Path(sys.prefix).resolve() != PYTHON.parent.parent.resolve() and PYTHON.exists():
        os.execv(str(PYTHON), [str(PYTHON), sys.argv[0], *sys.argv[1:]])  # noqa: S606


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "bench-households needs PostgreSQL: its search relies on PostgreSQL indexes.\n"
            f"Set DATABASE_URL, for example DATABASE_URL={DEFAULT_URL} make bench-households"
            + (f"\n(got DATABASE_URL={url})" if url else " (DATABASE_URL is not set)"),
            file=sys.stderr,
        )
        sys.exit(2)
    return url


def database_create_if_missing(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def database_seed(env: dict, *seed_args: str) -> None:
    """Migrate, then `manage.py bench_seed` (idempotent), saying how long seeding took."""
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    print(manage(env, "bench_seed", *seed_args).rstrip())
    print(f"bench_seed took {time.perf_counter() - started:.1f} s (wall clock, with start-up)")


def django_setup(env: dict) -> None:
    """The server's settings in this process too, to count queries and pick samples."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    sys.path.insert(0, str(ROOT / "backend"))
    import django

    django.setup()


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


def machine_line(connection) -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {model}, PostgreSQL {version}, "
        f"Python {platform.python_version()}, load average {load}"
    )


def main() -> None:
    in_venv()
    url = database_url()
    database_create_if_missing(url)
    workdir = Path(tempfile.mkdtemp(prefix="comptoir-bench-households-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "COMPTOIR_VAR_DIR": str(workdir),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
    }
    database_seed(env, "--households", str(HOUSEHOLDS), "--partner-slug", PARTNER_SLUG)
    # The same settings in this process: query counts, and the sample name and code.
    django_setup(env)
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

    def request_args(case: Case) -> tuple[str, dict[str, str], bytes | None]:
        """Method, headers and body of a request, as a browser or an API client sends it."""
        if case.kind == "api":
            return "GET", {"Authorization": f"Token {token}"}, None
        if case.kind == "api-search":
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            return "POST", headers, json.dumps({"q": case.query}).encode()
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie}; csrftoken={csrf}"}
        if case.kind == "htmx":
            headers |= {
                "HX-Request": "true",
                "HX-Target": "household-results",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            return "POST", headers, urllib.parse.urlencode({"q": case.query}).encode()
        return "GET", headers, None

    def measure_in_process(case: Case) -> Result:
        rows = household_list_for_user(
            user=user, today=today, query=case.query, status_filter=case.status_filter
        ).count()
        method, headers, body = request_args(case)
        django_headers = {k: v for k, v in headers.items() if k not in ("Cookie", "Content-Type")}
        with CaptureQueriesContext(connection) as captured:
            if case.kind == "api-search":
                response = Client().post(
                    case.path,
                    {"q": case.query},
                    content_type="application/json",
                    headers=django_headers,
                )
            elif method == "POST":
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

    server = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "gunicorn",
            "--pythonpath",
            "backend",
            "comptoir.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not answer on /healthz")
        for case, result in results.values():
            method, headers, body = request_args(case)
            for attempt in range(REQUESTS + 2):  # two warm-up requests, not counted
                request = urllib.request.Request(
                    BASE + case.path, data=body, headers=headers, method=method
                )
                began = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=120) as response:
                        response.read()
                except urllib.error.HTTPError as error:
                    error.read()
                elapsed = time.perf_counter() - began
                if attempt >= 2:
                    result.latencies.append(elapsed)
    finally:
        server.terminate()
        server.wait(timeout=20)

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
        method = "POST" if case.kind in ("htmx", "api-search") else "GET"
        cuts = statistics.quantiles(result.latencies, n=100, method="inclusive")
        where = f"{method} {case.path}"
        print(
            f"{case.label[:33]:<34}{where[:43]:<44}{result.status:>5}{result.rows:>8}"
            f"{result.queries:>5}{result.slowest_sql_ms:>15.1f}"
            f"{cuts[49] * 1000:>9.1f}{cuts[94] * 1000:>9.1f}{max(result.latencies) * 1000:>9.1f}"
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
