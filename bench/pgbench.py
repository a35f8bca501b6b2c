"""The scan benchmark's SQL: the statements of one scan, and the bare-SQL ceiling (pgbench)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from bench.loadgen import SCAN_PATH, Target, machine_busy_seconds


def queries_per_scan(
    target: Target,
    tokens: list[str],
    forge: Callable[[str], str],
    visits_reset: Callable,
    workdir: Path,
) -> tuple[list[str], int]:
    """Print the statements of one scan per scenario; return those of the accepted scan,
    and how many `SELECT 1` health checks each request sends first.

    As under gunicorn: the connection is persistent, and the counter's sessions are
    already in the process's cache (they are read once a minute per process).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    visits_reset()
    client = Client()
    headers = {"Authorization": f"Token {target.token}"}
    health_checks: list[str] = []
    is_usable = connection.is_usable

    def is_usable_counted() -> bool:
        health_checks.append("SELECT 1")
        return is_usable()

    connection.is_usable = is_usable_counted

    def scan(code: str, key: str) -> tuple[dict, list[str]]:
        # What a new request does to a persistent connection (the test client skips it).
        connection.close_if_unusable_or_obsolete()
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                SCAN_PATH,
                {"code": code, "idempotency_key": key, "service": target.service_id},
                content_type="application/json",
                headers=headers,
            )
        return response.json(), [q["sql"] for q in captured.captured_queries]

    scan(tokens[-2], "warm-up-0001")  # connects and caches the counter's sessions
    health_checks.clear()
    card = tokens[-1]
    runs = [
        ("accepted scan (a new card)", scan(card, "pgbench-template-0001")),
        ("the same card again (already_served)", scan(card, "same-card-again-0001")),
        ("forged token (bad_signature)", scan(forge(card), "forged-token-0001")),
    ]
    connection.is_usable = is_usable
    visits_reset()
    full = workdir / "queries.sql"
    full.write_text(
        "\n\n".join(f"-- {label}\n" + ";\n".join(sql) + ";" for label, (_v, sql) in runs) + "\n"
    )
    print(f"\nSQL per scan (in this process, Django test client with the device token; {full}):")
    for label, (verdict, statements) in runs:
        sql = [s for s in statements if s not in ("BEGIN", "COMMIT")]
        print(
            f"  {label}: {len(sql)} statements + BEGIN/COMMIT, "
            f"verdict accepted={verdict.get('accepted')} reason={verdict.get('reason')!r}"
        )
        for statement in statements:
            print(f"    {sql_summary(statement)}")
    checks = len(health_checks) // len(runs)
    print(
        f"  each request on a persistent connection also sends {checks} "
        "`SELECT 1` first (CONN_HEALTH_CHECKS), outside Django's query log"
    )
    return [s for s in runs[0][1][1] if s not in ("BEGIN", "COMMIT")], checks


def sql_summary(statement: str, width: int = 150) -> str:
    """A statement on one line: its select list and inserted values cut out."""
    text = " ".join(statement.split())
    if text.startswith("SELECT "):
        depth = 0
        for index, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and text.startswith(" FROM ", index):
                text = "SELECT ... " + text[index + 1 :]
                break
    text = re.sub(r"\(\"service_id\".+?\) VALUES \(.+?\)", "(...) VALUES (...)", text)
    return text if len(text) <= width else text[: width - 3] + "..."


def pgbench_script(accepted_sql: list[str], health_checks: int, workdir: Path) -> Path:
    """The accepted scan's statements (and the health checks before them, if any), with a
    random pass and a fresh key each time; the transaction starts at the pass's lock."""
    accepted_sql = [" ".join(statement.split()) for statement in accepted_sql]
    pass_id = re.search(r'(?:"passes_accesspass"\."id"|\bp\.id) = (\d+)', "\n".join(accepted_sql))
    if pass_id is None:
        sys.exit("the accepted scan did not lock a pass row: cannot build the pgbench script")
    number = re.compile(rf"(?<![\w.:-]){pass_id.group(1)}(?![\w.:-])")
    lines = [
        r"\set pass_id random(:first_pass, :last_pass)",
        r"\set key random(1, 1000000000000000)",
        *["SELECT 1;"] * health_checks,
    ]
    begun = False
    for statement in accepted_sql:
        if not begun and "FOR UPDATE" in statement:
            lines.append("BEGIN;")
            begun = True
        statement = number.sub(":pass_id", statement)
        statement = statement.replace("'pgbench-template-0001'", "('pgb-' || CAST(:key AS text))")
        lines.append(statement + ";")
    lines.append("COMMIT;")
    script = workdir / "scan.pgbench.sql"
    script.write_text("\n".join(lines) + "\n")
    return script


def pgbench_run(url: str, script: Path, seconds: float, partner_slug: str) -> dict[int, float]:
    """pgbench at 1 and 8 clients over the partner's passes; {clients: transactions/s}."""
    if not shutil.which("pgbench"):
        print("\npgbench is not installed: no bare SQL ceiling")
        return {}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(p.id), max(p.id) FROM passes_accesspass p "
            "JOIN network_organisation o ON o.id = p.partner_id WHERE o.slug = %s",
            [partner_slug],
        )
        first, last = cursor.fetchone()
    parts = urllib.parse.urlsplit(url)
    command = ["pgbench", "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", "-f", str(script)]
    command += ["-D", f"first_pass={first}", "-D", f"last_pass={last}", "-T", f"{seconds:g}"]
    pg_env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or "")}
    print(f"\nbare SQL with pgbench (the statements of an accepted scan, {script}):")
    print(f"  {'clients':>7}  {'protocol':<10}{'tps':>8}{'latency avg ms':>16}{'CPU ms/tx':>11}")
    tps = {}
    # simple: literal SQL, as Django sends it (client-side binding); prepared: what
    # server-side binding with prepared statements would save the database.
    for clients, protocol in ((1, "simple"), (8, "simple"), (8, "prepared")):
        args = [*command, "-c", str(clients), "-j", str(min(clients, 2)), "-M", protocol, "-r"]
        busy = machine_busy_seconds()
        result = subprocess.run(
            [*args, parts.path.lstrip("/")], capture_output=True, text=True, env=pg_env
        )
        busy = machine_busy_seconds() - busy
        if result.returncode != 0:
            print(f"  pgbench failed: {result.stderr.strip()}")
            return tps
        found = re.search(r"tps = ([\d.]+)", result.stdout)
        done = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
        latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
        rate = float(found.group(1)) if found else 0.0
        if protocol == "simple":
            tps[clients] = rate
        cpu_ms = 1000 * busy / max(int(done.group(1)) if done else 0, 1)
        print(
            f"  {clients:>7}  {protocol:<10}{rate:>8.0f}"
            f"{float(latency.group(1)) if latency else 0:>16.2f}{cpu_ms:>11.2f}"
        )
        if clients == 1:
            per_statement = result.stdout.split("statement latencies in milliseconds", 1)[-1]
            for line in per_statement.strip().splitlines()[1:]:
                ms, _failures, sql = (line.split(None, 2) + ["", ""])[:3]
                print(f"  {ms:>17} ms  {sql_summary(sql, width=110)}")
    return tps
