"""Reading a month's stored figures for the review pages and the exports.

Everything here reads `Figure` rows, never the raw visits: the review of a month
costs the same whatever the network's size of history.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Sum

from network.models import Convention, Organisation
from reports.indicators import PASS_INDICATORS
from reports.models import Figure, JobRun, MonthReport

# The columns of a service's table, by kind of service: what happens there.
COMMON = ("households", "persons", "visits_accepted", "visits_refused")
COLUMNS_BY_KIND: dict[str, tuple[str, ...]] = {
    Organisation.ServiceKind.SHOP: COMMON
    + ("sales", "sales_market_cents", "sales_paid_cents", "sales_aid_cents"),
    Organisation.ServiceKind.COOP: COMMON
    + ("sales", "sales_market_cents", "sales_paid_cents", "sales_aid_cents"),
    Organisation.ServiceKind.FOOD_AID: COMMON
    + ("parcels", "parcels_grams", "parcels_market_cents"),
    Organisation.ServiceKind.RESTAURANT: COMMON + ("meals", "vouchers_used"),
    Organisation.ServiceKind.VESTIAIRE: COMMON + ("vouchers_used",),
    Organisation.ServiceKind.OTHER: COMMON + ("uses", "uses_amount_cents"),
}
OVERVIEW_COLUMNS = COMMON
PASS_COLUMNS = tuple(i.key for i in PASS_INDICATORS)
# A convention's month as a whole: households and persons once across its counters.
CONVENTION_COLUMNS = ("households", "persons") + PASS_COLUMNS
TREND_INDICATORS = ("households", "persons", "visits_accepted", "visits_refused")


@dataclass(frozen=True)
class Scope:
    """What a reader may see: the whole network, one partner's conventions, one service."""

    partner_id: int | None = None
    service_id: int | None = None

    def figures(self, queryset: QuerySet[Figure]) -> QuerySet[Figure]:
        if self.partner_id is not None:
            queryset = queryset.filter(convention__partner_id=self.partner_id)
        if self.service_id is not None:
            # a convention's own rows (passes, persons across its counters)
            # only for the conventions that open this service, not every convention's.
            opening = Convention.objects.filter(services=self.service_id).values("pk")
            queryset = queryset.filter(
                Q(service_id=self.service_id) | Q(service__isnull=True, convention_id__in=opening)
            )
        return queryset

    def allows_convention(self, convention: Convention) -> bool:
        if self.partner_id is not None and convention.partner_id != self.partner_id:
            return False
        # a manager reads only the conventions that open their service.
        return self.service_id is None or convention.services.filter(pk=self.service_id).exists()


NETWORK = Scope()


def report_latest(month: date) -> MonthReport | None:
    return (
        MonthReport.objects.filter(month=month)
        .select_related("compiled_by", "locked_by")
        .order_by("-version")
        .first()
    )


def report_versions(month: date) -> list[MonthReport]:
    return list(
        MonthReport.objects.filter(month=month)
        .select_related("compiled_by", "locked_by")
        .order_by("-version")
    )


@dataclass
class Row:
    """A table's row: a convention or a service, its figures by indicator."""

    label: str
    values: dict[str, int] = field(default_factory=dict)
    convention: Convention | None = None
    service: Organisation | None = None

    # A method, not __getitem__: templates try a dictionary lookup first, and
    # `row.service` must stay the attribute.
    def value(self, key: str) -> int:
        return self.values.get(key, 0)


@dataclass
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[Row]
    total: Row
    service: Organisation | None = None


def _total(rows: list[Row], columns: tuple[str, ...]) -> Row:
    return Row(label="Total", values={key: sum(row.value(key) for row in rows) for key in columns})


def services_overview(report: MonthReport, scope: Scope = NETWORK) -> Table:
    """A row per collective service with its month's totals (over the conventions in scope)."""
    sums = (
        scope.figures(Figure.objects.filter(report=report, detail="", service__isnull=False))
        .filter(indicator__in=OVERVIEW_COLUMNS + ("covered",))
        .values("service_id", "indicator")
        .annotate(total=Sum("value"))
    )
    by_service: dict[int, dict[str, int]] = defaultdict(dict)
    for item in sums:
        by_service[item["service_id"]][item["indicator"]] = item["total"]
    services = Organisation.objects.filter(pk__in=by_service).order_by("name")
    rows = [Row(label=s.name, values=by_service[s.pk], service=s) for s in services]
    return Table(
        title="", columns=OVERVIEW_COLUMNS, rows=rows, total=_total(rows, OVERVIEW_COLUMNS)
    )


def service_table(report: MonthReport, service: Organisation, scope: Scope = NETWORK) -> Table:
    """A row per convention at `service` (and one for cards no convention could be named
    for), with the columns that matter for the kind of service, and the total."""
    columns = COLUMNS_BY_KIND.get(service.service_kind, COMMON)
    figures = scope.figures(
        Figure.objects.filter(report=report, service=service, detail="")
    ).filter(indicator__in=columns + ("covered",))
    by_convention: dict[int | None, dict[str, int]] = defaultdict(dict)
    for convention_id, indicator, value in figures.values_list(
        "convention_id", "indicator", "value"
    ):
        by_convention[convention_id][indicator] = value
    conventions = Convention.objects.filter(
        pk__in=[pk for pk in by_convention if pk is not None]
    ).select_related("partner")
    rows = [
        Row(
            label=f"{c.partner.name} · {c.reference}" if c.reference else c.partner.name,
            values=by_convention[c.pk],
            convention=c,
            service=service,
        )
        for c in sorted(conventions, key=lambda c: (c.partner.name, c.starts_on, c.pk))
    ]
    if None in by_convention and scope.partner_id is None:
        rows.append(Row(label="", values=by_convention[None], service=service))
    return Table(
        title=service.name, columns=columns, rows=rows, total=_total(rows, columns), service=service
    )


def conventions_passes(report: MonthReport, scope: Scope = NETWORK) -> Table:
    """A row per convention with its passes: issued, renewed, active, ended, quota."""
    figures = scope.figures(
        Figure.objects.filter(
            report=report, service__isnull=True, detail="", indicator__in=CONVENTION_COLUMNS
        )
    )
    by_convention: dict[int, dict[str, int]] = defaultdict(dict)
    for convention_id, indicator, value in figures.values_list(
        "convention_id", "indicator", "value"
    ):
        by_convention[convention_id][indicator] = value
    conventions = Convention.objects.filter(pk__in=by_convention).select_related("partner")
    rows = [
        Row(
            label=f"{c.partner.name} · {c.reference}" if c.reference else c.partner.name,
            values=by_convention[c.pk],
            convention=c,
        )
        for c in sorted(conventions, key=lambda c: (c.partner.name, c.starts_on, c.pk))
    ]
    return Table(
        title="", columns=CONVENTION_COLUMNS, rows=rows, total=_total(rows, CONVENTION_COLUMNS)
    )


def partner_services(report: MonthReport, scope: Scope) -> Table:
    """A row per convention and counter of the conventions in scope (a partner's report)."""
    figures = scope.figures(
        Figure.objects.filter(report=report, detail="", service__isnull=False)
    ).filter(indicator__in=COMMON + ("covered",))
    by_pair: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for convention_id, service_id, indicator, value in figures.values_list(
        "convention_id", "service_id", "indicator", "value"
    ):
        if convention_id is not None:
            by_pair[(convention_id, service_id)][indicator] = value
    conventions = Convention.objects.in_bulk({c for c, _s in by_pair})
    services = Organisation.objects.in_bulk({s for _c, s in by_pair})
    rows = [
        Row(
            label=f"{services[s].name} · {conventions[c].reference}",
            values=values,
            convention=conventions[c],
            service=services[s],
        )
        for (c, s), values in sorted(
            by_pair.items(), key=lambda item: (services[item[0][1]].name, item[0][0])
        )
    ]
    return Table(title="", columns=COMMON, rows=rows, total=_total(rows, COMMON))


@dataclass(frozen=True)
class ConventionMonth:
    """A convention's month in detail: per counter, per week, per refusal reason, who."""

    convention: Convention
    by_service: Table
    weeks: list[date]
    # Per counter (service id): accepted visits by week's Monday, refusals by reason.
    by_week: dict[int, dict[date, int]]
    reasons: list[str]
    by_reason: dict[int, dict[str, int]]
    bands: dict[str, int]
    categories: dict[str, int]
    passes: dict[str, int]


def convention_month(report: MonthReport, convention: Convention) -> ConventionMonth:
    figures = list(
        Figure.objects.filter(report=report, convention=convention).select_related("service")
    )
    services = sorted({f.service for f in figures if f.service is not None}, key=lambda s: s.name)
    rows = []
    columns: tuple[str, ...] = COMMON
    for service in services:
        values = {f.indicator: f.value for f in figures if f.service == service and f.detail == ""}
        rows.append(Row(label=service.name, values=values, service=service))
        for key in COLUMNS_BY_KIND.get(service.service_kind, COMMON):
            if key not in columns:
                columns += (key,)
    weeks: dict[str, dict[int, int]] = defaultdict(dict)
    refusals: dict[str, dict[int, int]] = defaultdict(dict)
    bands: dict[str, int] = defaultdict(int)
    categories: dict[str, int] = defaultdict(int)
    for f in figures:
        if f.service_id is None:
            # Persons once across the convention's counters.
            if f.indicator == "persons_band":
                bands[f.detail] = f.value
            elif (
                f.indicator == "households" or f.indicator.startswith("persons")
            ) and not f.detail:
                categories[f.indicator] = f.value
        elif f.indicator == "visits_week":
            weeks[f.detail][f.service_id] = f.value
        elif f.indicator == "visits_refused" and f.detail:
            refusals[f.detail][f.service_id] = f.value
    return ConventionMonth(
        convention=convention,
        by_service=Table(
            title=str(convention), columns=columns, rows=rows, total=_total(rows, columns)
        ),
        weeks=[date.fromisoformat(monday) for monday in sorted(weeks)],
        by_week={
            service.pk: {
                date.fromisoformat(monday): counts.get(service.pk, 0)
                for monday, counts in weeks.items()
            }
            for service in services
        },
        reasons=sorted(refusals, key=lambda reason: -sum(refusals[reason].values())),
        by_reason={
            service.pk: {reason: counts.get(service.pk, 0) for reason, counts in refusals.items()}
            for service in services
        },
        bands=dict(bands),
        categories=dict(categories),
        passes={f.indicator: f.value for f in figures if f.service_id is None and f.detail == ""},
    )


def trend(
    month: date,
    scope: Scope = NETWORK,
    service: Organisation | None = None,
    indicators: tuple[str, ...] = TREND_INDICATORS,
) -> dict[str, list[tuple[date, int | None]]]:
    """Each indicator over the twelve months ending with `month`, from each month's latest
    version; None for a month never compiled."""
    months = [month]
    while len(months) < 12:
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    latest = (
        MonthReport.objects.filter(month=OuterRef("month")).order_by("-version").values("pk")[:1]
    )
    reports = dict(
        MonthReport.objects.filter(month__in=months)
        .filter(pk=Subquery(latest))
        .values_list("pk", "month")
    )
    figures = scope.figures(
        Figure.objects.filter(
            report_id__in=reports, indicator__in=indicators, detail="", service__isnull=False
        )
    )
    if service is not None:
        figures = figures.filter(service=service)
    sums: dict[tuple[int, str], int] = {
        (item["report_id"], item["indicator"]): item["total"]
        for item in figures.values("report_id", "indicator").annotate(total=Sum("value"))
    }
    compiled = {m: pk for pk, m in reports.items()}
    return {
        key: [(m, sums.get((compiled[m], key), 0) if m in compiled else None) for m in months]
        for key in indicators
    }


@dataclass(frozen=True)
class JobSummary:
    job: str
    last: JobRun | None
    last_done: JobRun | None
    recent: list[JobRun]


def jobs_overview(jobs: tuple[str, ...], recent: int = 10) -> list[JobSummary]:
    summaries = []
    for job in jobs:
        runs = list(JobRun.objects.filter(job=job).order_by("-started_at", "-id")[:recent])
        last_done = (
            runs_done[0]
            if (runs_done := [r for r in runs if r.outcome == JobRun.Outcome.DONE])
            else JobRun.objects.filter(job=job, outcome=JobRun.Outcome.DONE)
            .order_by("-started_at")
            .first()
        )
        summaries.append(
            JobSummary(job=job, last=runs[0] if runs else None, last_done=last_done, recent=runs)
        )
    return summaries


def months_compiled() -> list[date]:
    return list(
        MonthReport.objects.values_list("month", flat=True)
        .annotate(latest=Max("version"))
        .order_by("-month")
    )
