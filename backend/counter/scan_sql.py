"""The scan's three statements, written in SQL.

Each scan reads the pass (its row locked) and the pass's recent visits here, then
writes one visit. Assembled and compiled by the ORM, these statements took more of
the web process's CPU than PostgreSQL spends running them: about half of an accepted
scan's time (README, "The counter's scan at speed"). So they are written once here,
as the ORM wrote them, and their rows turned into models by hand. On PostgreSQL they
also go through a cursor that sends values apart from the statement, so that each
connection prepares them once (after `prepare_threshold` uses, see settings) and
PostgreSQL stops parsing and planning them at every scan. The tests of the verdict
run through them on PostgreSQL and SQLite alike.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from counter.models import Visit
from network.models import Convention, Organisation
from passes.models import AccessPass, Household, HouseholdMember
from schedules.models import Appointment
from schedules.selectors import Session

# The pass's columns the verdict reads, in the model's order (Model.from_db needs it).
PASS_FIELDS = (
    "id",
    "household_id",
    "convention_id",
    "status",
    "valid_from",
    "valid_until",
    "card_version",
    "rules",
)


@cache
def _pass_sql(by_appointment: bool, lock: bool) -> str:
    # Only table names are formatted in (from the models), never a value.
    appointment = (
        f""",
       EXISTS (SELECT 1 FROM {Appointment._meta.db_table} a
                WHERE a.service_id = %s AND a.household_id = p.household_id
                  AND a.cancelled_at IS NULL AND a.starts_at >= %s AND a.starts_at < %s)"""
        if by_appointment
        else ""
    )
    services = AccessPass.services.through._meta.db_table
    return f"""
SELECT {", ".join(f"p.{name}" for name in PASS_FIELDS)}, h.first_name, c.ends_on,
       EXISTS (SELECT 1 FROM {services} s
                WHERE s.accesspass_id = p.id AND s.organisation_id = %s),
       (SELECT count(*) FROM {HouseholdMember._meta.db_table} m
         WHERE m.household_id = p.household_id){appointment}
  FROM {AccessPass._meta.db_table} p
  JOIN {Household._meta.db_table} h ON h.id = p.household_id
  JOIN {Convention._meta.db_table} c ON c.id = p.convention_id
 WHERE p.id = %s{" FOR UPDATE OF p" if lock else ""}"""


def pass_for_scan(pass_id: int, service: Organisation, session: Session | None) -> Any:
    """The pass, its row locked (until the transaction ends), with its household's first
    name, its convention's end, and what the verdict asks of this counter: `valid_here`,
    `other_members`, and `has_appointment` during a session by appointment. The other
    fields are deferred, as with `.only()`."""
    by_appointment = session is not None and session.by_appointment
    params: list[Any] = [service.pk]
    if session is not None and by_appointment:
        params += [service.pk, _sql_moment(session.starts), _sql_moment(session.ends)]
    params.append(pass_id)
    with _cursor() as cursor:
        cursor.execute(
            _pass_sql(by_appointment, connection.features.has_select_for_update_of), params
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[: len(PASS_FIELDS)])
    first_name, ends_on, valid_here, other_members, *appointment = row[len(PASS_FIELDS) :]
    rules = values[-1]
    if isinstance(rules, str):  # JSON arrives as text (Django reads it so, on both databases)
        values[-1] = json.loads(rules)
    access_pass: Any = AccessPass.from_db(connection.alias, PASS_FIELDS, values)
    access_pass.household = Household.from_db(
        connection.alias, ["id", "first_name"], [access_pass.household_id, first_name]
    )
    access_pass.convention = Convention.from_db(
        connection.alias, ["id", "ends_on"], [access_pass.convention_id, ends_on]
    )
    access_pass.valid_here = bool(valid_here)
    access_pass.other_members = int(other_members)
    if appointment:
        access_pass.has_appointment = bool(appointment[0])
    return access_pass


@dataclass(frozen=True)
class VisitSeen:
    pk: int
    at: datetime
    idempotency_key: str
    units: int
    amount_cents: int | None


@cache
def _visits_sql() -> str:
    return f"""
SELECT id, at, idempotency_key, units, amount_cents FROM {Visit._meta.db_table}
 WHERE (service_id = %s AND idempotency_key = %s)
    OR (access_pass_id = %s AND service_id = %s AND accepted AND undone_at IS NULL
        AND at >= %s)"""


def visits_for_scan(pass_id: int, service_id: int, key: str, since: datetime) -> list[VisitSeen]:
    """The visit already recorded under this idempotency key here, if any, and the pass's
    accepted visits here since `since` (not undone)."""
    with _cursor() as cursor:
        cursor.execute(_visits_sql(), [service_id, key, pass_id, service_id, _sql_moment(since)])
        rows = cursor.fetchall()
    return [
        VisitSeen(pk, at if at.tzinfo else at.replace(tzinfo=UTC), visit_key, units, cents)
        for pk, at, visit_key, units, cents in rows
    ]


def visit_id_for_key(service_id: int, key: str) -> int | None:
    """The visit already recorded here under this idempotency key (a retried request)."""
    with _cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Visit._meta.db_table} WHERE service_id = %s AND idempotency_key = %s",
            [service_id, key],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


@cache
def _visit_insert_sql() -> tuple[list[Any], str]:
    fields = [f for f in Visit._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(str(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {Visit._meta.db_table} ({columns}) VALUES ({values}) RETURNING id"


def visit_insert(visit: Visit) -> None:
    """`visit.save(force_insert=True)`, with each value prepared by its field as the ORM
    does (Visit has no save() of its own and no signal receivers)."""
    fields, sql = _visit_insert_sql()
    values = [field.get_db_prep_save(field.pre_save(visit, True), connection) for field in fields]
    with _cursor() as cursor:
        cursor.execute(sql, values)
        visit.pk = cursor.fetchone()[0]
    visit._state.adding = False
    visit._state.db = connection.alias


@contextmanager
def _cursor() -> Iterator[CursorWrapper]:
    """Django's cursor (its errors and transactions as usual); on PostgreSQL, one that
    binds values on the server, which lets psycopg prepare the statement.

    Not while queries are logged (DEBUG, tests that count them, the benchmark's SQL
    listing): a prepared statement runs without its text, which the log needs; Django's
    own cursor then writes the statement with its values, as for any other query."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    raw: Any = psycopg.Cursor(connection.connection)  # the stubs expect a wrapper here
    with connection.make_cursor(raw) as cursor:
        yield cursor


def _sql_moment(moment: datetime) -> Any:
    # SQLite keeps UTC without a zone, as text; PostgreSQL takes the aware datetime.
    return connection.ops.adapt_datetimefield_value(moment)
