"""The yearly EU food-aid report (FEAD 2014–2020, ESF+ 2021–2027), in the shape the
Belgian partner organisations fill in before ordering EU food: persons helped in
each category, and the quantities distributed.

Persons are DISTINCT persons helped during the year, counted from real visits:
each household served once per collective service, and once across the network
for the total (so the total is not the sum of the services: a household seen at
two services counts once). A person counts in every category that applies. The
food services are those where food changes hands: social shops, food
cooperatives, food-aid points, social restaurants.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from network.models import Organisation
from reports.compile import persons_ctes, persons_params

FOOD_KINDS = (
    Organisation.ServiceKind.SHOP,
    Organisation.ServiceKind.COOP,
    Organisation.ServiceKind.FOOD_AID,
    Organisation.ServiceKind.RESTAURANT,
)
PERSON_COLUMNS = (
    "households",
    "persons",
    "persons_women",
    "persons_children",
    "persons_seniors",
    "persons_with_disability",
    "persons_foreign_background",
    "persons_homeless",
)
QUANTITY_COLUMNS = ("parcels", "meals", "parcels_grams", "eu_grams")
COLUMNS = PERSON_COLUMNS + QUANTITY_COLUMNS


@dataclass
class FeadYear:
    year: int
    # Per service id, then the network's distinct persons and summed quantities.
    services: dict[int, dict[str, int]] = field(default_factory=dict)
    network: dict[str, int] = field(default_factory=dict)


def _bounds(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _adapted(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime)
        else value
        for key, value in params.items()
    }


def fead_year(year: int) -> FeadYear:
    """The year's figures, computed by three aggregate statements over its visits and
    parcels (run by the worker: a year of a large network takes a few seconds)."""
    start, end = _bounds(year)
    kinds = ", ".join(f"'{kind}'" for kind in FOOD_KINDS)
    params = _adapted({"start": start, "end": end, **persons_params(year)})
    persons_sql = f"""
        WITH v AS (
          SELECT v.service_id, COALESCE(p.household_id, vo.household_id) AS household_id
          FROM counter_visit v
          JOIN network_organisation o ON o.id = v.service_id
          LEFT JOIN passes_accesspass p ON p.id = v.access_pass_id
          LEFT JOIN passes_voucher vo ON vo.id = v.voucher_id
          WHERE v.at >= %(start)s AND v.at < %(end)s AND v.accepted
            AND v.undone_at IS NULL AND o.service_kind IN ({kinds})
        ),
        served AS (
          SELECT CAST(NULL AS BIGINT) AS convention_id, service_id, household_id
            FROM v WHERE household_id IS NOT NULL
          UNION
          SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), household_id
            FROM v WHERE household_id IS NOT NULL
        ),
        {persons_ctes()}
        SELECT service_id, COUNT(*), SUM(persons), SUM(women), SUM(children), SUM(seniors),
          SUM(with_disability), SUM(foreign_background), SUM(homeless)
        FROM reached GROUP BY service_id
    """  # noqa: S608  (constants and settings; every value is a parameter)
    parcels_sql = """
        WITH net AS (
          SELECT COALESCE(x.corrects_id, x.id) AS parcel_id, SUM(l.quantity) AS quantity,
            SUM(CASE WHEN pr.unit IN ('kg', 'litre') THEN l.quantity ELSE 0 END) AS kilos,
            SUM(CASE WHEN pr.unit IN ('kg', 'litre') AND l.eu_food_aid
                THEN l.quantity ELSE 0 END) AS eu_kilos
          FROM foodaid_distribution x
          JOIN foodaid_distributionline l ON l.distribution_id = x.id
          JOIN shop_product pr ON pr.id = l.product_id
          WHERE x.at >= %(start)s AND x.at < %(end)s
          GROUP BY COALESCE(x.corrects_id, x.id)
        )
        SELECT d.service_id, SUM(CASE WHEN net.quantity > 0 THEN 1 ELSE 0 END),
          CAST(ROUND(SUM(net.kilos) * 1000) AS BIGINT),
          CAST(ROUND(SUM(net.eu_kilos) * 1000) AS BIGINT)
        FROM net JOIN foodaid_distribution d ON d.id = net.parcel_id
        GROUP BY d.service_id
    """
    meals_sql = """
        SELECT v.service_id, SUM(v.units) FROM counter_visit v
        JOIN network_organisation o ON o.id = v.service_id
        WHERE v.at >= %(start)s AND v.at < %(end)s AND v.accepted AND v.undone_at IS NULL
          AND o.service_kind = 'restaurant'
        GROUP BY v.service_id
    """
    result = FeadYear(year=year)

    def row(service_id: int | None) -> dict[str, int]:
        if service_id is None:
            return result.network
        return result.services.setdefault(service_id, {})

    with connection.cursor() as cursor:
        cursor.execute(persons_sql, params)
        for service_id, *values in cursor.fetchall():
            row(service_id).update(zip(PERSON_COLUMNS, (int(v or 0) for v in values), strict=True))
        cursor.execute(parcels_sql, params)
        for service_id, parcels, grams, eu_grams in cursor.fetchall():
            row(service_id).update(
                parcels=int(parcels or 0),
                parcels_grams=int(grams or 0),
                eu_grams=int(eu_grams or 0),
            )
        cursor.execute(meals_sql, params)
        for service_id, meals in cursor.fetchall():
            row(service_id)["meals"] = int(meals or 0)
    for key in QUANTITY_COLUMNS:
        result.network[key] = sum(values.get(key, 0) for values in result.services.values())
    return result


def fead_year_check(year: int, today: date) -> bool:
    """A year can be reported from its first day; the current one is partial."""
    return 2000 <= year <= today.year
