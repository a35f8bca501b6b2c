"""The statistics benchmark's ceiling: a month's figures as bare SELECT statements.

The same aggregates as `reports.compile` (the same rows counted, the same GROUP BY
keys), written the way one would by hand for psql: one pass over the month's visits
per statement, the branches that share their keys merged into one aggregate with
FILTER, the others as GROUPING SETS; the voucher's convention by a join instead of
a subquery per visit; a pass's suspensions and resumptions read once per pass. They
only read: no INSERT, no transaction, no Django. `bare_figures` turns their rows into
the compile's figures, so the benchmark (and its test) can check that both count the
same thing before comparing how long they take.
"""

# ruff: noqa: S608  (statements assembled from constants and settings; every value is a parameter)

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

Figure = tuple[int | None, int | None, str, str, int]  # convention, service, key, detail, value

# The holder's age band by the age reached in the month's year, as the compile reads it.
BANDS = (("0-2", 2), ("3-15", 15), ("16-24", 24), ("25-64", 64), ("65+", None))
PASS_EVENTS = {
    "issue": "passes_issued",
    "renew": "passes_renewed",
    "suspend": "passes_suspended",
    "revoke": "passes_revoked",
    "expire": "passes_expired",
}


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _visits(accepted_only: bool) -> str:
    """The month's visits not undone, with the convention and household they count for."""
    return f"""
      voucher_convention AS (
        SELECT c.partner_id, r.organisation_id AS service_id, MIN(c.id) AS convention_id
        FROM network_convention c JOIN network_convention_services r ON r.convention_id = c.id
        WHERE c.starts_on <= %(last_day)s AND c.ends_on >= %(first_day)s
        GROUP BY c.partner_id, r.organisation_id
      ),
      v AS (
        SELECT v.service_id, v.at, v.accepted, v.reason, v.units, v.amount_cents, v.voucher_id,
          vo.kind AS voucher_kind, o.service_kind,
          COALESCE(p.convention_id, vc.convention_id) AS convention_id,
          COALESCE(p.household_id, vo.household_id) AS household_id
        FROM counter_visit v
        JOIN network_organisation o ON o.id = v.service_id
        LEFT JOIN passes_accesspass p ON p.id = v.access_pass_id
        LEFT JOIN passes_voucher vo ON vo.id = v.voucher_id
        LEFT JOIN voucher_convention vc
          ON vc.partner_id = vo.partner_id AND vc.service_id = v.service_id
        WHERE v.at >= %(start)s AND v.at < %(end)s AND v.undone_at IS NULL
          {"AND v.accepted" if accepted_only else ""}
      )"""


def statements(month: date, now: datetime, settings: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, SQL, parameters) of the five bare statements for `month`, compiled at `now`."""
    from reports.compile import Period

    period = Period.of_month(month)
    pass_end = min(period.end, now)
    params: dict[str, Any] = {
        "start": period.start,
        "end": period.end,
        "first_day": period.first_day,
        "last_day": period.last_day,
        "year": period.first_day.year,
        "pass_end": pass_end,
        "pass_last_day": (pass_end - timedelta(microseconds=1)).astimezone(period.start.tzinfo),
        "child_max_age": settings.FOOD_AID_CHILD_MAX_AGE,
        "senior_min_age": settings.FOOD_AID_SENIOR_MIN_AGE,
    }
    params["pass_last_day"] = params["pass_last_day"].date()
    params["pass_last_day_iso"] = params["pass_last_day"].isoformat()
    week_case = " ".join(
        f"WHEN at < %(week_end_{n})s THEN '{monday}'"
        for n, (_e, monday) in enumerate(period.weeks())
    )
    for n, (week_end, _monday) in enumerate(period.weeks()):
        params[f"week_end_{n}"] = week_end

    visits = f"""
      WITH {_visits(accepted_only=False)}
      SELECT convention_id, service_id, reason, week, voucher_kind,
        GROUPING(reason, week, voucher_kind) AS grouped,
        COUNT(*) FILTER (WHERE accepted) AS accepted,
        COUNT(*) FILTER (WHERE NOT accepted) AS refused,
        SUM(units) FILTER (WHERE accepted AND service_kind = 'restaurant') AS meals,
        COUNT(*) FILTER (WHERE accepted AND service_kind = 'other') AS uses,
        SUM(amount_cents) FILTER (WHERE accepted AND amount_cents IS NOT NULL) AS amount,
        COUNT(*) FILTER (WHERE accepted AND voucher_id IS NOT NULL) AS vouchers
      FROM (SELECT v.*, CASE WHEN accepted THEN CASE {week_case} END END AS week FROM v) w
      GROUP BY GROUPING SETS ((convention_id, service_id), (convention_id, service_id, reason),
        (convention_id, service_id, week), (convention_id, service_id, voucher_kind))
    """

    age = "(%(year)s - h.birth_year)"
    holder_band = " ".join(
        f"WHEN {age} <= {top} THEN '{band}'" for band, top in BANDS if top is not None
    )
    holder_band = f"CASE {holder_band} ELSE '{BANDS[-1][0]}' END"
    band_columns = ", ".join(
        f"(CASE WHEN {holder_band} = '{band}' THEN 1 ELSE 0 END)"
        f" + COUNT(m.id) FILTER (WHERE m.age_band = '{band}') AS b{i}"
        for i, (band, _top) in enumerate(BANDS)
    )
    band_sums = ", ".join(f"SUM(b{i}) AS b{i}" for i in range(len(BANDS)))

    def capped(column: str) -> str:
        return f"SUM(LEAST(COALESCE(h.{column}, 0), h.persons))"

    persons = f"""
      WITH {_visits(accepted_only=True)},
      -- Each household once per convention and service, and once per convention.
      served AS (
        SELECT convention_id, service_id, household_id FROM v WHERE household_id IS NOT NULL
        GROUP BY GROUPING SETS ((convention_id, service_id, household_id),
          (convention_id, household_id))
        HAVING GROUPING(service_id) = 0 OR convention_id IS NOT NULL
      ),
      h AS (
        SELECT h.id, h.persons_with_disability, h.persons_of_foreign_background,
          h.persons_homeless, 1 + COUNT(m.id) AS persons,
          (CASE WHEN {age} <= %(child_max_age)s THEN 1 ELSE 0 END)
            + COUNT(m.id) FILTER (WHERE m.age_band IN {_in(settings.FOOD_AID_CHILD_BANDS)})
            AS children,
          (CASE WHEN {age} >= %(senior_min_age)s THEN 1 ELSE 0 END)
            + COUNT(m.id) FILTER (WHERE m.age_band IN {_in(settings.FOOD_AID_SENIOR_BANDS)})
            AS seniors,
          (CASE WHEN h.holder_sex = 'f' THEN 1 ELSE 0 END) + COUNT(m.id) FILTER (WHERE m.sex = 'f')
            AS women,
          {band_columns}
        FROM passes_household h
        LEFT JOIN passes_householdmember m ON m.household_id = h.id
        WHERE h.id IN (SELECT household_id FROM served)
        GROUP BY h.id
      )
      SELECT s.convention_id, s.service_id, COUNT(*) AS households, SUM(h.persons) AS persons,
        SUM(h.women) AS women, SUM(h.children) AS children, SUM(h.seniors) AS seniors,
        {capped("persons_with_disability")} AS with_disability,
        {capped("persons_of_foreign_background")} AS foreign_background,
        {capped("persons_homeless")} AS homeless, {band_sums}
      FROM served s JOIN h ON h.id = s.household_id
      GROUP BY s.convention_id, s.service_id
    """

    sales = """
      SELECT p.convention_id, s.service_id,
        COUNT(*) FILTER (WHERE s.corrects_id IS NULL) AS sales,
        CAST(ROUND(SUM(s.market_total) * 100) AS BIGINT) AS market,
        CAST(ROUND(SUM(s.amount_due) * 100) AS BIGINT) AS paid,
        CAST(ROUND(SUM(s.market_total - s.amount_due) * 100) AS BIGINT) AS aid
      FROM shop_sale s JOIN passes_accesspass p ON p.id = s.access_pass_id
      WHERE s.at >= %(start)s AND s.at < %(end)s
      GROUP BY p.convention_id, s.service_id
    """

    # A correction keeps its parcel's service and pass: the parcel's own row is not read again.
    parcels = """
      WITH net AS (
        SELECT MIN(x.service_id) AS service_id, MIN(x.access_pass_id) AS access_pass_id,
          SUM(l.quantity) AS quantity,
          SUM(CASE WHEN pr.unit IN ('kg', 'litre') THEN l.quantity ELSE 0 END) AS kilos,
          SUM(l.market_value) AS market
        FROM foodaid_distribution x
        JOIN foodaid_distributionline l ON l.distribution_id = x.id
        JOIN shop_product pr ON pr.id = l.product_id
        WHERE x.at >= %(start)s AND x.at < %(end)s
        GROUP BY COALESCE(x.corrects_id, x.id)
      )
      SELECT p.convention_id, net.service_id, COUNT(*) FILTER (WHERE net.quantity > 0) AS parcels,
        CAST(ROUND(SUM(net.market) * 100) AS BIGINT) AS market,
        CAST(ROUND(SUM(net.kilos) * 1000) AS BIGINT) AS grams
      FROM net JOIN passes_accesspass p ON p.id = net.access_pass_id
      GROUP BY p.convention_id, net.service_id
    """

    # Active at the month's end: issued by then, not revoked by then, its last suspension
    # (if any) followed by a resumption, and valid that day; for a pass renewed since, on
    # the dates its last issue or renewal before then gave it. One pass over the history.
    passes = """
      SELECT 'event' AS kind, p.convention_id, e.action AS detail,
        COUNT(DISTINCT e.access_pass_id) AS value
      FROM passes_passevent e JOIN passes_accesspass p ON p.id = e.access_pass_id
      WHERE e.at >= %(start)s AND e.at < %(end)s
        AND e.action IN ('issue', 'renew', 'suspend', 'revoke', 'expire')
      GROUP BY p.convention_id, e.action
      UNION ALL
      SELECT 'active', p.convention_id, '', COUNT(*)
      FROM passes_accesspass p
      LEFT JOIN (
        SELECT access_pass_id, bool_or(action = 'revoke') AS revoked,
          MAX(at) FILTER (WHERE action = 'suspend') AS suspended_at,
          MAX(at) FILTER (WHERE action = 'resume') AS resumed_at
        FROM passes_passevent
        WHERE action IN ('revoke', 'suspend', 'resume') AND at < %(pass_end)s
        GROUP BY access_pass_id
      ) e ON e.access_pass_id = p.id
      LEFT JOIN (
        SELECT DISTINCT ON (g.access_pass_id) g.access_pass_id, g.detail
        FROM passes_passevent g
        WHERE g.action IN ('issue', 'renew') AND g.at < %(pass_end)s
          AND g.access_pass_id IN (SELECT access_pass_id FROM passes_passevent
                                   WHERE action = 'renew' AND at >= %(pass_end)s)
        ORDER BY g.access_pass_id, g.at DESC, g.id DESC
      ) r ON r.access_pass_id = p.id
      WHERE p.issued_at < %(pass_end)s AND e.revoked IS NOT TRUE
        AND (e.suspended_at IS NULL OR e.resumed_at > e.suspended_at)
        AND CASE WHEN EXISTS (SELECT 1 FROM passes_passevent n WHERE n.access_pass_id = p.id
                                AND n.action = 'renew' AND n.at >= %(pass_end)s)
          THEN (r.detail ->> 'valid_from') <= %(pass_last_day_iso)s
            AND (r.detail ->> 'valid_until') >= %(pass_last_day_iso)s
          ELSE p.valid_from <= %(pass_last_day)s AND p.valid_until >= %(pass_last_day)s END
      GROUP BY p.convention_id
      UNION ALL
      SELECT 'quota', c.id, '', c.max_active_passes FROM network_convention c
      WHERE c.starts_on <= %(last_day)s AND c.ends_on >= %(first_day)s
      UNION ALL
      SELECT 'covered', r.convention_id, CAST(r.organisation_id AS text), 1
      FROM network_convention_services r JOIN network_convention c ON c.id = r.convention_id
      WHERE c.starts_on <= %(last_day)s AND c.ends_on >= %(first_day)s
    """
    return [
        ("visits", visits, params),
        ("persons", persons, params),
        ("sales", sales, params),
        ("parcels", parcels, params),
        ("passes", passes, params),
    ]


def _visit_figures(rows: list[tuple[Any, ...]]) -> list[Figure]:
    out: list[Figure] = []
    for c, s, reason, week, kind, grouped, accepted, refused, meals, uses, amount, vouchers in rows:
        if grouped == 0b111:  # by convention and service
            for key, value in (
                ("visits_accepted", accepted),
                ("visits_refused", refused),
                ("uses", uses),
                ("vouchers_used", vouchers),
            ):
                if value:
                    out.append((c, s, key, "", value))
            for key, total in (("meals", meals), ("uses_amount_cents", amount)):
                if total is not None:
                    out.append((c, s, key, "", total))
        elif grouped == 0b011 and refused:
            out.append((c, s, "visits_refused", reason, refused))
        elif grouped == 0b101 and week is not None and accepted:
            out.append((c, s, "visits_week", week, accepted))
        elif grouped == 0b110 and kind is not None and vouchers:
            out.append((c, s, "vouchers_used", kind, vouchers))
    return out


def _person_figures(rows: list[tuple[Any, ...]]) -> list[Figure]:
    keys = (
        "households",
        "persons",
        "persons_women",
        "persons_children",
        "persons_seniors",
        "persons_with_disability",
        "persons_foreign_background",
        "persons_homeless",
    )
    out: list[Figure] = []
    for c, s, *values in rows:
        out += [(c, s, key, "", value) for key, value in zip(keys, values, strict=False)]
        for (band, _top), count in zip(BANDS, values[len(keys) :], strict=True):
            if count:
                out.append((c, s, "persons_band", band, count))
    return out


def _pass_figures(rows: list[tuple[Any, ...]]) -> list[Figure]:
    out: list[Figure] = []
    for kind, c, detail, value in rows:
        if kind == "event":
            out.append((c, None, PASS_EVENTS[detail], "", value))
        elif kind == "covered":
            out.append((c, int(detail), "covered", "", value))
        else:
            out.append((c, None, "passes_active" if kind == "active" else "quota", "", value))
    return out


def bare_figures(cursor: Any, month: date, now: datetime, settings: Any) -> Counter[Figure]:
    """The five bare statements run in this process, their rows as the compile's figures."""
    by_name = {
        "visits": _visit_figures,
        "persons": _person_figures,
        "sales": lambda rows: [
            (c, s, key, "", value)
            for c, s, *values in rows
            for key, value in zip(
                ("sales", "sales_market_cents", "sales_paid_cents", "sales_aid_cents"),
                values,
                strict=True,
            )
        ],
        "parcels": lambda rows: [
            (c, s, key, "", value)
            for c, s, *values in rows
            for key, value in zip(
                ("parcels", "parcels_market_cents", "parcels_grams"), values, strict=True
            )
        ],
        "passes": _pass_figures,
    }
    figures: Counter[Figure] = Counter()
    for name, sql, params in statements(month, now, settings):
        cursor.execute(sql, params)
        figures.update(by_name[name](cursor.fetchall()))
    return figures


def stored_figures(cursor: Any, report_id: int) -> Counter[Figure]:
    cursor.execute(
        "SELECT convention_id, service_id, indicator, detail, value FROM reports_figure "
        "WHERE report_id = %s",
        [report_id],
    )
    return Counter(tuple(row) for row in cursor.fetchall())
