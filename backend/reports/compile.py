"""A month's figures, computed by the database in a few set-based statements.

Each statement is an `INSERT INTO reports_figure ... SELECT ... GROUP BY`: the
rows never travel through Python, so the cost grows with the month's visits and
sales inside PostgreSQL alone. The SQL is plain enough for SQLite too (the
laptop's database), so the same code serves both.

Who counts where:
- a visit belongs to the convention of the pass shown, or, for a voucher, to the
  convention that links the voucher's partner to the service in that month;
- a visit undone at the counter counts nowhere;
- persons are counted once per household, convention and service in a month, and
  once per household and convention (the rows without a service), from the
  household's record as it stands when the month is compiled;
- a parcel counts when something of it was left after the day's corrections;
- pass figures belong to the convention (no service): a pass opens all of them.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

INSERT = (
    "INSERT INTO reports_figure (report_id, convention_id, service_id, indicator, detail, value) "
)


@dataclass(frozen=True)
class Period:
    """A month in Brussels time, as the bounds the statements compare with."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime  # exclusive

    @classmethod
    def of_month(cls, month: date) -> "Period":
        first = month.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(
            first_day=first,
            last_day=following - timedelta(days=1),
            start=_midnight(first),
            end=_midnight(following),
        )

    def weeks(self) -> list[tuple[datetime, str]]:
        """Each week touching the month: (the next week's start, this week's Monday)."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = []
        while monday <= self.last_day:
            following = monday + timedelta(days=7)
            weeks.append((_midnight(following), monday.isoformat()))
            monday = following
        return weeks


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())


def _in(values: tuple[str, ...]) -> str:
    # Settings, never user input: quoted literals keep the statements' parameters simple.
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def persons_params(year: int) -> dict[str, int]:
    return {
        "year": year,
        "child_max_age": settings.FOOD_AID_CHILD_MAX_AGE,
        "senior_min_age": settings.FOOD_AID_SENIOR_MIN_AGE,
    }


BANDS = ("0-2", "3-15", "16-24", "25-64", "65+")


def persons_ctes() -> str:
    """The CTEs `hh` and `reached` over a CTE `served(convention_id, service_id,
    household_id)`: who each household served counts, worked out once per household
    (the reference person by the age reached during %(year)s, the members by age band,
    the EU categories: a person counts in every one that applies), then one row per
    household served with those counts, `b0`..`b4` being the age bands of `BANDS`.
    Parameters: `persons_params`."""
    child_bands = _in(settings.FOOD_AID_CHILD_BANDS)
    senior_bands = _in(settings.FOOD_AID_SENIOR_BANDS)
    age = "(%(year)s - h.birth_year)"
    holder_band = f"""CASE WHEN {age} <= 2 THEN '0-2' WHEN {age} <= 15 THEN '3-15'
        WHEN {age} <= 24 THEN '16-24' WHEN {age} <= 64 THEN '25-64' ELSE '65+' END"""
    bands = ",\n".join(
        f"(CASE WHEN {holder_band} = '{band}' THEN 1 ELSE 0 END)"
        f" + SUM(CASE WHEN m.age_band = '{band}' THEN 1 ELSE 0 END) AS b{number}"
        for number, band in enumerate(BANDS)
    )

    def capped(column: str) -> str:
        return f"CASE WHEN hh.{column} > hh.persons THEN hh.persons ELSE hh.{column} END"

    return f"""
        hh AS (
          SELECT h.id, h.persons_with_disability, h.persons_of_foreign_background,
            h.persons_homeless, 1 + COUNT(m.id) AS persons,
            (CASE WHEN {age} <= %(child_max_age)s THEN 1 ELSE 0 END)
              + SUM(CASE WHEN m.age_band IN {child_bands} THEN 1 ELSE 0 END) AS children,
            (CASE WHEN {age} >= %(senior_min_age)s THEN 1 ELSE 0 END)
              + SUM(CASE WHEN m.age_band IN {senior_bands} THEN 1 ELSE 0 END) AS seniors,
            (CASE WHEN h.holder_sex = 'f' THEN 1 ELSE 0 END)
              + SUM(CASE WHEN m.sex = 'f' THEN 1 ELSE 0 END) AS women,
            {bands}
          FROM passes_household h
          LEFT JOIN passes_householdmember m ON m.household_id = h.id
          WHERE h.id IN (SELECT household_id FROM served)
          GROUP BY h.id, h.birth_year, h.holder_sex, h.persons_with_disability,
            h.persons_of_foreign_background, h.persons_homeless
        ),
        reached AS (
          SELECT s.convention_id, s.service_id, hh.persons, hh.children, hh.seniors, hh.women,
            COALESCE({capped("persons_with_disability")}, 0) AS with_disability,
            COALESCE({capped("persons_of_foreign_background")}, 0) AS foreign_background,
            COALESCE({capped("persons_homeless")}, 0) AS homeless,
            hh.b0, hh.b1, hh.b2, hh.b3, hh.b4
          FROM served s JOIN hh ON hh.id = s.household_id
        )
    """


def _statements(period: Period, pass_end: datetime) -> list[tuple[str, dict[str, Any]]]:
    params: dict[str, Any] = {
        "start": period.start,
        "end": period.end,
        "first_day": period.first_day,
        "last_day": period.last_day,
        "pass_end": pass_end,
        "pass_last_day": timezone.localdate(pass_end - timedelta(microseconds=1)),
    }
    week_case = " ".join(
        f"WHEN v.at < %(week_end_{n})s THEN '{monday}'"
        for n, (_end, monday) in enumerate(period.weeks())
    )
    for n, (week_end, _monday) in enumerate(period.weeks()):
        params[f"week_end_{n}"] = week_end

    # The month's visits with the convention and household they count for.
    # A voucher's convention is one that opens the service (as the counter
    # checks it), not one that sets a rule there: a convention may open it without rules.
    visits = """
        v AS (
          SELECT v.id, v.service_id, v.at, v.accepted, v.reason, v.units, v.amount_cents,
                 v.voucher_id, vo.kind AS voucher_kind, o.service_kind,
                 COALESCE(p.convention_id, (
                   SELECT MIN(c.id) FROM network_convention c
                   JOIN network_convention_services r ON r.convention_id = c.id
                   WHERE r.organisation_id = v.service_id AND c.partner_id = vo.partner_id
                     AND c.starts_on <= %(last_day)s AND c.ends_on >= %(first_day)s
                 )) AS convention_id,
                 COALESCE(p.household_id, vo.household_id) AS household_id
          FROM counter_visit v
          JOIN network_organisation o ON o.id = v.service_id
          LEFT JOIN passes_accesspass p ON p.id = v.access_pass_id
          LEFT JOIN passes_voucher vo ON vo.id = v.voucher_id
          WHERE v.at >= %(start)s AND v.at < %(end)s AND v.undone_at IS NULL
        )
    """
    visit_figures = f"""
        WITH {visits}
        {INSERT}
        SELECT %(report)s, convention_id, service_id, 'visits_accepted', '', COUNT(*)
          FROM v WHERE accepted GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'visits_refused', '', COUNT(*)
          FROM v WHERE NOT accepted GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'visits_refused', reason, COUNT(*)
          FROM v WHERE NOT accepted GROUP BY convention_id, service_id, reason
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'visits_week', week, COUNT(*)
          FROM (SELECT convention_id, service_id, CASE {week_case} END AS week
                FROM v WHERE accepted) w
          GROUP BY convention_id, service_id, week
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'meals', '', SUM(units)
          FROM v WHERE accepted AND service_kind = 'restaurant'
          GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'uses', '', COUNT(*)
          FROM v WHERE accepted AND service_kind = 'other' GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'uses_amount_cents', '', SUM(amount_cents)
          FROM v WHERE accepted AND amount_cents IS NOT NULL GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'vouchers_used', '', COUNT(*)
          FROM v WHERE accepted AND voucher_id IS NOT NULL GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'vouchers_used', voucher_kind, COUNT(*)
          FROM v WHERE accepted AND voucher_id IS NOT NULL
          GROUP BY convention_id, service_id, voucher_kind
    """

    person_figures = f"""
        WITH {visits},
        served AS (
          SELECT convention_id, service_id, household_id FROM v
          WHERE accepted AND household_id IS NOT NULL
          UNION
          SELECT convention_id, CAST(NULL AS BIGINT), household_id FROM v
          WHERE accepted AND household_id IS NOT NULL AND convention_id IS NOT NULL
        ),
        {persons_ctes()},
        g AS (
          SELECT convention_id, service_id,
            COUNT(*) AS households,
            SUM(persons) AS persons,
            SUM(women) AS persons_women,
            SUM(children) AS persons_children,
            SUM(seniors) AS persons_seniors,
            SUM(with_disability) AS persons_with_disability,
            SUM(foreign_background) AS persons_foreign_background,
            SUM(homeless) AS persons_homeless,
            SUM(b0) AS b0, SUM(b1) AS b1, SUM(b2) AS b2, SUM(b3) AS b3, SUM(b4) AS b4
          FROM reached GROUP BY convention_id, service_id
        )
        {INSERT}
        SELECT %(report)s, convention_id, service_id, 'households', '', households FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons', '', persons FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_women', '', persons_women FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_children', '', persons_children FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_seniors', '', persons_seniors FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_with_disability', '', persons_with_disability FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_foreign_background', '', persons_foreign_background FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_homeless', '', persons_homeless FROM g
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_band', '0-2', b0 FROM g WHERE b0 > 0
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_band', '3-15', b1 FROM g WHERE b1 > 0
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_band', '16-24', b2 FROM g WHERE b2 > 0
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_band', '25-64', b3 FROM g WHERE b3 > 0
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'persons_band', '65+', b4 FROM g WHERE b4 > 0
    """
    params.update(persons_params(period.first_day.year))

    # Sales and their same-day corrections (negative rows) net out.
    cents = "CAST(ROUND(SUM({}) * 100) AS BIGINT)"
    sale_figures = f"""
        WITH s AS (
          SELECT p.convention_id, s.service_id, s.corrects_id, s.market_total, s.amount_due
          FROM shop_sale s JOIN passes_accesspass p ON p.id = s.access_pass_id
          WHERE s.at >= %(start)s AND s.at < %(end)s
        )
        {INSERT}
        SELECT %(report)s, convention_id, service_id, 'sales', '',
          SUM(CASE WHEN corrects_id IS NULL THEN 1 ELSE 0 END)
          FROM s GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'sales_market_cents', '',
          {cents.format("market_total")} FROM s GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'sales_paid_cents', '',
          {cents.format("amount_due")} FROM s GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'sales_aid_cents', '',
          {cents.format("market_total - amount_due")} FROM s GROUP BY convention_id, service_id
    """

    # A parcel with its corrections: it counts when something of it was left.
    parcel_figures = f"""
        WITH net AS (
          SELECT COALESCE(x.corrects_id, x.id) AS parcel_id, SUM(l.quantity) AS quantity,
            SUM(CASE WHEN pr.unit IN ('kg', 'litre') THEN l.quantity ELSE 0 END) AS kilos,
            SUM(l.market_value) AS market
          FROM foodaid_distribution x
          JOIN foodaid_distributionline l ON l.distribution_id = x.id
          JOIN shop_product pr ON pr.id = l.product_id
          WHERE x.at >= %(start)s AND x.at < %(end)s
          GROUP BY COALESCE(x.corrects_id, x.id)
        ),
        d AS (
          SELECT p.convention_id, d.service_id, net.quantity, net.kilos, net.market
          FROM net JOIN foodaid_distribution d ON d.id = net.parcel_id
          JOIN passes_accesspass p ON p.id = d.access_pass_id
        )
        {INSERT}
        SELECT %(report)s, convention_id, service_id, 'parcels', '',
          SUM(CASE WHEN quantity > 0 THEN 1 ELSE 0 END) FROM d GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'parcels_market_cents', '',
          {cents.format("market")} FROM d GROUP BY convention_id, service_id
        UNION ALL
        SELECT %(report)s, convention_id, service_id, 'parcels_grams', '',
          CAST(ROUND(SUM(kilos) * 1000) AS BIGINT) FROM d GROUP BY convention_id, service_id
    """

    # Passes belong to a convention. Active at the month's end (or now, for the month
    # under way): issued by then, not revoked by then, its last suspension before then
    # (if any) followed by a resumption, and valid that day. A pass renewed since has
    # new dates: it was active then on the dates its last issue or renewal before then
    # gave it (in that event's detail). Each pass's history is read once, grouped, and
    # joined, rather than looked up per pass.
    # The first branch's NULL service is typed: PostgreSQL resolves a union's bare
    # NULLs as text, then refuses the bigint of "covered".
    # "covered" are the services a convention opens, with rules or not.
    params["pass_last_day_iso"] = params["pass_last_day"].isoformat()
    pass_figures = f"""
        WITH history AS (
          SELECT access_pass_id,
            MAX(CASE WHEN action = 'revoke' THEN 1 ELSE 0 END) AS revoked,
            MAX(CASE WHEN action = 'suspend' THEN at END) AS suspended_at,
            MAX(CASE WHEN action = 'resume' THEN at END) AS resumed_at
          FROM passes_passevent
          WHERE action IN ('revoke', 'suspend', 'resume') AND at < %(pass_end)s
          GROUP BY access_pass_id
        ),
        renewed_since AS (
          SELECT DISTINCT access_pass_id FROM passes_passevent
          WHERE action = 'renew' AND at >= %(pass_end)s
        ),
        dates_then AS (
          SELECT access_pass_id, detail FROM (
            SELECT g.access_pass_id, g.detail, ROW_NUMBER() OVER (
                PARTITION BY g.access_pass_id ORDER BY g.at DESC, g.id DESC) AS latest
            FROM passes_passevent g JOIN renewed_since n ON n.access_pass_id = g.access_pass_id
            WHERE g.action IN ('issue', 'renew') AND g.at < %(pass_end)s
          ) ranked WHERE latest = 1
        )
        {INSERT}
        SELECT %(report)s, p.convention_id, CAST(NULL AS BIGINT),
          CASE e.action WHEN 'issue' THEN 'passes_issued' WHEN 'renew' THEN 'passes_renewed'
            WHEN 'suspend' THEN 'passes_suspended' WHEN 'revoke' THEN 'passes_revoked'
            ELSE 'passes_expired' END,
          '', COUNT(DISTINCT e.access_pass_id)
          FROM passes_passevent e JOIN passes_accesspass p ON p.id = e.access_pass_id
          WHERE e.at >= %(start)s AND e.at < %(end)s
            AND e.action IN ('issue', 'renew', 'suspend', 'revoke', 'expire')
          GROUP BY p.convention_id, e.action
        UNION ALL
        SELECT %(report)s, p.convention_id, CAST(NULL AS BIGINT), 'passes_active', '', COUNT(*)
          FROM passes_accesspass p
          LEFT JOIN history h ON h.access_pass_id = p.id
          LEFT JOIN renewed_since n ON n.access_pass_id = p.id
          LEFT JOIN dates_then t ON t.access_pass_id = p.id
          WHERE p.issued_at < %(pass_end)s
            AND (h.revoked IS NULL OR h.revoked = 0)
            AND (h.suspended_at IS NULL OR h.resumed_at > h.suspended_at)
            AND CASE WHEN n.access_pass_id IS NULL
              THEN p.valid_from <= %(pass_last_day)s AND p.valid_until >= %(pass_last_day)s
              ELSE (t.detail ->> 'valid_from') <= %(pass_last_day_iso)s
                AND (t.detail ->> 'valid_until') >= %(pass_last_day_iso)s END
          GROUP BY p.convention_id
        UNION ALL
        SELECT %(report)s, c.id, CAST(NULL AS BIGINT), 'quota', '', c.max_active_passes
          FROM network_convention c
          WHERE c.starts_on <= %(last_day)s AND c.ends_on >= %(first_day)s
        UNION ALL
        SELECT %(report)s, r.convention_id, r.organisation_id, 'covered', '', 1
          FROM network_convention_services r JOIN network_convention c ON c.id = r.convention_id
          WHERE c.starts_on <= %(last_day)s AND c.ends_on >= %(first_day)s
    """
    return [
        (visit_figures, params),
        (person_figures, params),
        (sale_figures, params),
        (parcel_figures, params),
        (pass_figures, params),
    ]


def figures_write(*, report_id: int, month: date, now: datetime) -> int:
    """Write the month's figures for `report_id` (which holds none yet); return how many.

    The caller owns the transaction and the report's lock.
    """
    period = Period.of_month(month)
    pass_end = min(period.end, now)
    with connection.cursor() as cursor:
        for sql, params in _statements(period, pass_end):
            # raw SQL gets no field adaptation: SQLite stores datetimes as
            # UTC text, and compared them with Brussels text, an hour off at each bound.
            adapted = {
                key: connection.ops.adapt_datetimefield_value(value)
                if isinstance(value, datetime)
                else value
                for key, value in params.items()
            }
            cursor.execute(sql, {**adapted, "report": report_id})
        # SQLite's row count of an INSERT ... SELECT with UNION ALL is unreliable.
        cursor.execute("SELECT COUNT(*) FROM reports_figure WHERE report_id = %s", [report_id])
        (written,) = cursor.fetchone()
    return int(written)
