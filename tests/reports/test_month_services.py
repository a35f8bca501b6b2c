"""Compiling, locking and correcting a month: idempotent, one report under two workers,
a lock that later corrections cannot move, and refusals with a clear sentence."""

import uuid
from datetime import date

import pytest

from counter.services import UseRecorded, visit_record
from network.models import AuditEntry
from passes.selectors import pass_token
from reports.models import Figure, MonthReport
from reports.services import (
    ReportRefused,
    last_month_compile_if_missing,
    month_compile,
    month_lock,
    month_parse,
)
from tests.concurrency import run_together
from tests.reports.seed import NOVEMBER, at, clock, figures_of, rows_of
from tests.reports.test_compile import EXPECTED

DECEMBER = date(2026, 12, 1)
LOCKED_SENTENCE = (
    "Ce mois est verrouillé : dites pourquoi il doit être recalculé "
    "(une correction de données, par exemple)."
)


def refusal_of(call) -> ReportRefused:
    with pytest.raises(ReportRefused) as refused:
        call()
    return refused.value


def late_use(month) -> None:
    """A data correction after the month was reviewed: a use of 10.00 € on 27 November,
    recorded late at the culture counter by H1."""
    verdict = visit_record(
        text=pass_token(access_pass=month.passes["P1"]),
        service=month.culture,
        user=month.volunteers["culture"],
        idempotency_key=uuid.uuid4().hex,
        moment=at(11, 27, 11),
        use=UseRecorded(1000, "A27-LATE"),
    )
    assert verdict.accepted, verdict.reason


# --- idempotent -------------------------------------------------------------------------


@pytest.mark.django_db
def test_compiling_a_month_twice_gives_the_same_rows_in_the_same_report(november):
    first = month_compile(month=NOVEMBER, now=at(12, 5, 10))
    rows = rows_of(first.report)

    second = month_compile(month=NOVEMBER, now=at(12, 6, 10))

    assert second.report.pk == first.report.pk  # a draft is rewritten in place
    assert (second.report.version, second.new_version) == (1, False)
    assert rows_of(second.report) == rows
    assert second.figures == first.figures == len(rows)
    assert MonthReport.objects.count() == 1
    assert Figure.objects.count() == len(rows)  # the first rows are gone, not doubled
    second.report.refresh_from_db()
    assert second.report.compiled_at == at(12, 6, 10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("drafted", [False, True], ids=["new_month", "draft_there"])
def test_two_workers_compiling_a_month_at_once_make_one_report_with_the_same_rows(
    postgres, november, drafted
):
    """Released together, with no report yet (both try to create version 1) or with a
    draft (both lock it): one waits for the other, and the rows are a single compile's."""
    if drafted:
        month_compile(month=NOVEMBER, now=at(12, 2, 10))

    results = run_together(2, lambda _i: month_compile(month=NOVEMBER, now=at(12, 5, 10)))

    assert all(not isinstance(result, Exception) for result in results), results
    report = MonthReport.objects.get()
    assert {result.report.pk for result in results} == {report.pk}
    assert report.version == 1
    rows = rows_of(report)
    assert figures_of(report) == EXPECTED
    assert rows_of(month_compile(month=NOVEMBER, now=at(12, 6, 10)).report) == rows


# --- the lock and a new version ---------------------------------------------------------


@pytest.mark.django_db
def test_a_locked_month_is_recompiled_only_with_a_reason_as_a_new_audited_version(
    november, coordinator
):
    draft = month_compile(month=NOVEMBER, now=at(12, 1, 3)).report
    locked = month_lock(report_id=draft.pk, actor=coordinator, now=at(12, 4, 9))
    assert (locked.status, locked.locked_at, locked.locked_by) == (
        "locked",
        at(12, 4, 9),
        coordinator,
    )
    v1_rows = rows_of(locked)
    late_use(november)

    for reason in ("", "   ", "oups"):
        refused = refusal_of(
            lambda reason=reason: month_compile(
                month=NOVEMBER, actor=coordinator, reason=reason, now=at(12, 8, 9)
            )
        )
        assert (refused.code, refused.message, refused.field) == (
            "reason_required",
            LOCKED_SENTENCE,
            "reason",
        )
    assert MonthReport.objects.count() == 1

    recompiled = month_compile(
        month=NOVEMBER,
        actor=coordinator,
        reason="Un passage du 27 saisi en retard",
        now=at(12, 8, 9),
    )

    v2 = recompiled.report
    assert (v2.version, v2.status, recompiled.new_version) == (2, "draft", True)
    assert (v2.reason, v2.compiled_by) == ("Un passage du 27 saisi en retard", coordinator)
    v2_figures = figures_of(v2)
    # The late use: one more visit and use at the culture counter, 10.00 € more.
    assert v2_figures[("CONV-A", "culture-o", "visits_accepted", "")] == 4
    assert v2_figures[("CONV-A", "culture-o", "uses_amount_cents", "")] == 7500
    assert v2_figures[("CONV-A", "culture-o", "visits_week", "2026-11-23")] == 1
    # Version 1 is as it was locked, whatever the data now says.
    locked.refresh_from_db()
    assert (locked.status, locked.version) == ("locked", 1)
    assert rows_of(locked) == v1_rows
    assert figures_of(locked) == EXPECTED
    actions = list(
        AuditEntry.objects.filter(action__startswith="statistics.")
        .order_by("at", "id")
        .values_list("action", "target_id", "detail", "actor")
    )
    assert actions == [
        ("statistics.lock", str(draft.pk), {"month": "2026-11", "version": 1}, coordinator.pk),
        ("statistics.recompile", str(v2.pk), {"month": "2026-11", "version": 2}, coordinator.pk),
    ]


@pytest.mark.django_db
def test_a_new_draft_version_is_rewritten_in_place_and_locked_in_turn(november, coordinator):
    draft = month_compile(month=NOVEMBER, now=at(12, 1, 3)).report
    month_lock(report_id=draft.pk, actor=coordinator, now=at(12, 4, 9))
    v2 = month_compile(
        month=NOVEMBER, actor=coordinator, reason="Correction des ventes", now=at(12, 8, 9)
    ).report

    again = month_compile(month=NOVEMBER, actor=coordinator, now=at(12, 9, 9))

    assert (again.report.pk, again.report.version, again.new_version) == (v2.pk, 2, False)
    assert month_lock(report_id=v2.pk, actor=coordinator, now=at(12, 9, 10)).is_locked
    assert list(MonthReport.objects.values_list("version", "status")) == [
        (2, "locked"),
        (1, "locked"),
    ]


@pytest.mark.django_db
def test_a_month_under_way_cannot_be_locked(november, coordinator):
    report = month_compile(month=NOVEMBER, now=at(11, 20, 9)).report

    refused = refusal_of(
        lambda: month_lock(report_id=report.pk, actor=coordinator, now=at(11, 30, 23, 59))
    )

    assert refused.code == "month_not_over"
    assert refused.message == (
        "Le mois n'est pas terminé : il ne peut être verrouillé qu'à partir du 1er."
    )
    report.refresh_from_db()
    assert report.status == "draft"
    # From the 1st at midnight, Brussels time, it can.
    assert month_lock(report_id=report.pk, actor=coordinator, now=at(12, 1, 0, 0)).is_locked


@pytest.mark.django_db
def test_an_older_version_or_a_locked_one_cannot_be_locked_again(november, coordinator):
    v1 = month_compile(month=NOVEMBER, now=at(12, 1, 3)).report
    month_lock(report_id=v1.pk, actor=coordinator, now=at(12, 4, 9))
    month_compile(month=NOVEMBER, actor=coordinator, reason="Correction", now=at(12, 8, 9))

    refused = refusal_of(lambda: month_lock(report_id=v1.pk, actor=coordinator))

    # An older version is always a locked one: a new version is made only over a lock.
    assert (refused.code, refused.message) == ("already_locked", "Ce mois est déjà verrouillé.")
    missing = refusal_of(lambda: month_lock(report_id=v1.pk + 1000, actor=coordinator))
    assert (missing.code, missing.kind) == ("not_found", "not_found")
    assert AuditEntry.objects.filter(action="statistics.lock").count() == 1


# --- bad input --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_month_in_the_future_is_refused_with_a_sentence():
    refused = refusal_of(lambda: month_compile(month=date(2027, 1, 1), now=at(12, 31, 23, 59)))

    assert (refused.code, refused.field) == ("month_in_future", "month")
    assert refused.message == (
        "Le mois 01/2027 n'a pas encore commencé : ses chiffres n'existent pas."
    )
    assert not MonthReport.objects.exists()
    # The month under way may be compiled (its figures so far).
    assert month_compile(month=DECEMBER, now=at(12, 5, 10)).report.month == DECEMBER


@pytest.mark.parametrize("text", ["2026-13", "abc", "", "2026-00", "2026-11-05", "11/2026", "-1"])
def test_a_month_that_is_not_one_is_refused_with_a_sentence(text):
    refused = refusal_of(lambda: month_parse(text))

    assert (refused.code, refused.field, refused.kind) == ("month_invalid", "month", "invalid")
    assert refused.message == "Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11."


@pytest.mark.parametrize(("text", "month"), [("2026-11", NOVEMBER), (" 2026-1 ", date(2026, 1, 1))])
def test_a_month_is_read_from_its_year_and_number(text, month):
    assert month_parse(text) == month


# --- the nightly job --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_job_compiles_last_month_once_then_leaves_it(november, coordinator):
    with clock(at(12, 1, 3)):
        first = last_month_compile_if_missing()
    report = MonthReport.objects.get()
    assert first == f"2026-11 compiled: {report.figures.count()} figures"
    assert figures_of(report) == EXPECTED
    assert report.compiled_by is None  # the schedule, not a person

    with clock(at(12, 2, 3)):
        assert last_month_compile_if_missing() == "2026-11 already compiled (v1)"
    report.refresh_from_db()
    assert report.compiled_at == at(12, 1, 3)

    month_lock(report_id=report.pk, actor=coordinator, now=at(12, 2, 9))
    late_use(november)
    with clock(at(12, 3, 3)):
        assert last_month_compile_if_missing() == "2026-11 already compiled (v1)"
    assert list(MonthReport.objects.values_list("version", "status")) == [(1, "locked")]
    assert figures_of(report) == EXPECTED


@pytest.mark.django_db
def test_the_nightly_job_recompiles_a_month_last_compiled_before_it_ended(november):
    """A coordinator's look at the month under way is not last month's figures."""
    early = month_compile(month=NOVEMBER, now=at(11, 30, 12)).report

    with clock(at(12, 1, 3)):
        said = last_month_compile_if_missing()

    assert said.startswith("2026-11 compiled: ")
    early.refresh_from_db()
    assert early.compiled_at == at(12, 1, 3)
    assert figures_of(early) == EXPECTED


@pytest.mark.django_db
def test_the_nightly_job_catches_up_a_month_missed_while_the_worker_was_down(november):
    """Nothing ran on 1 January (the worker or Redis down): the next night compiles
    December, and leaves November, which it never had to compile, alone."""
    with clock(at(12, 1, 3)):
        last_month_compile_if_missing()

    with clock(at(1, 3, 3).replace(year=2027)):
        said = last_month_compile_if_missing()

    assert said.startswith("2026-12 compiled: ")
    december = MonthReport.objects.get(month=DECEMBER)
    figures = figures_of(december)
    # December holds H1's meal at 00:10 on the 1st and P9's renewal on the 3rd.
    assert figures[("CONV-A", "resto-m", "meals", "")] == 1
    assert figures[("CONV-A", None, "passes_renewed", "")] == 1
    assert MonthReport.objects.filter(month=NOVEMBER).count() == 1
