"""Which figures of a month may leave the network, decided once for all its tables.

Each exported table is safe alone, but tables of one month can be laid side by
side: the network's table of services minus one partner's table of its counters
gives the other partners' figures. So the month's figures are protected together:
every count a table of that month can show is a cell of one set of relations
(a service's total is the sum of its conventions' cells, a partner's total per
service the sum of its conventions' cells there, a partner's total the sum of
those, the network's the sum of the services'; likewise for the conventions' own
figures), and `reports.suppression` hides cells until no combination of them
recovers a count under 5. Every table then reads its cells from that one
decision. Counts do not link across indicators, so each indicator is decided on
its own.
"""

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from reports.indicators import ALL
from reports.models import Figure, MonthReport
from reports.selectors import Row, Scope, Table
from reports.suppression import Relation, Shown, grid_relations, suppress

TOTAL = "total"
Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Sheet:
    """A table as it leaves: labels, columns, the shown figures, and whether some hide."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, dict[str, Shown]]]
    total: dict[str, Shown]
    hidden: bool
    total_label: str


def _label(row: Row) -> str:
    return row.label or _("Cartes sans convention")


def _sheet(table: Table, rows: list[dict[str, Shown]], total: dict[str, Shown]) -> Sheet:
    values = [*rows, total]
    return Sheet(
        title=table.title,
        columns=table.columns,
        rows=[(_label(row), shown) for row, shown in zip(table.rows, rows, strict=True)],
        total=total,
        hidden=any(isinstance(v, str) for shown in values for v in shown.values()),
        total_label=table.total.label if table.total.label != "Total" else _("Total"),
    )


def published(table: Table, *, exact: bool, summed: tuple[str, ...] | None = None) -> Sheet:
    """One table protected on its own (the yearly EU report: no other table of its year).

    `summed`: the columns whose total row is the sum of the rows (all by default); a
    total of distinct persons is not, and links no cell to another."""
    values: dict[tuple[str, str], int] = {}
    keys = [str(index) for index in range(len(table.rows))]
    for key, row in zip(keys, table.rows, strict=True):
        for column in table.columns:
            values[(key, column)] = row.value(column)
    for column in table.columns:
        values[(TOTAL, column)] = table.total.value(column)
    if exact:
        shown: dict[tuple[str, str], Shown] = dict(values)
    else:
        counts = {cell for cell in values if ALL[cell[1]].identifying}
        relations = grid_relations(
            rows=keys, total=TOTAL, columns=list(table.columns if summed is None else summed)
        )
        shown = suppress(values, relations=relations, counts=counts)
    return _sheet(
        table,
        [{c: shown[(key, c)] for c in table.columns} for key in keys],
        {c: shown[(TOTAL, c)] for c in table.columns},
    )


@dataclass(frozen=True)
class MonthShown:
    """Every count a table of the month may show, decided together (see the module)."""

    shown: dict[Key, Shown]

    def get(self, key: Key, column: str) -> Shown:
        return self.shown.get((*key, column), 0)


def month_shown(report: MonthReport, *, exact: bool) -> MonthShown:
    """The month's figures as they may leave the network: exact, or protected together."""
    by_indicator: dict[str, list[tuple[int | None, int | None, int | None, int]]] = defaultdict(
        list
    )
    for convention_id, partner_id, service_id, indicator, value in Figure.objects.filter(
        report=report, detail=""
    ).values_list("convention_id", "convention__partner_id", "service_id", "indicator", "value"):
        if indicator in ALL:
            by_indicator[indicator].append((convention_id, partner_id, service_id, value))
    shown: dict[Key, Shown] = {}
    for indicator, rows in by_indicator.items():
        values, relations = _month_cells(rows)
        if exact or not ALL[indicator].identifying:
            decided: dict[Key, Shown] = dict(values)
        else:
            decided = suppress(values, relations=relations, counts=set(values))
        for key, decision in decided.items():
            shown[(*key, indicator)] = decision
    return MonthShown(shown=shown)


def _month_cells(
    rows: list[tuple[int | None, int | None, int | None, int]],
) -> tuple[dict[Key, int], list[Relation[Key]]]:
    """One indicator's cells and every sum a table of the month can show."""
    values: dict[Key, int] = {}
    sums: dict[Key, list[Key]] = defaultdict(list)

    def add(total: Key, part: Key, value: int) -> None:
        values[total] = values.get(total, 0) + value
        sums[total].append(part)

    for convention_id, partner_id, service_id, value in rows:
        if service_id is None:
            if convention_id is None:
                continue
            cell: Key = ("convention", convention_id)
            values[cell] = value
            add(("conventions",), cell, value)
            add(("conventions", partner_id), cell, value)
            continue
        cell = ("cell", convention_id, service_id)
        values[cell] = value
        add(("service", service_id), cell, value)
        if partner_id is not None:
            add(("partner-service", partner_id, service_id), cell, value)
    for key in [k for k in values if k[0] == "service"]:
        add(("network",), key, values[key])
    for key in [k for k in values if k[0] == "partner-service"]:
        add(("partner", key[1]), key, values[key])
    relations = [Relation(total=total, parts=tuple(parts)) for total, parts in sums.items()]
    return values, relations


def sheet_of(table: Table, kind: str, scope: Scope, month: MonthShown) -> Sheet:
    """A month's table as it leaves, its cells read from the month's one decision.

    `kind`: "services" (a row per service), "service" (a row per convention at one
    service), "partner-services" (a row per convention and counter of one partner),
    "conventions" (a row per convention, its own figures)."""
    partner = scope.partner_id

    def row_key(row: Row) -> Key:
        service_id = row.service.pk if row.service else None
        convention_id = row.convention.pk if row.convention else None
        if kind == "services":
            return (
                ("service", service_id)
                if partner is None
                else ("partner-service", partner, service_id)
            )
        if kind == "conventions":
            return ("convention", convention_id)
        return ("cell", convention_id, service_id)

    if kind == "services" or kind == "partner-services":
        total: Key = ("network",) if partner is None else ("partner", partner)
    elif kind == "conventions":
        total = ("conventions",) if partner is None else ("conventions", partner)
    else:
        assert table.service is not None
        total = (
            ("service", table.service.pk)
            if partner is None
            else ("partner-service", partner, table.service.pk)
        )
    return _sheet(
        table,
        [{c: month.get(row_key(row), c) for c in table.columns} for row in table.rows],
        {c: month.get(total, c) for c in table.columns},
    )
