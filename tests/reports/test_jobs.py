"""The worker's runs: recorded with what they did or why they failed, never two of one
job at once, and the nightly statistics sent by beat at 03:00 Brussels time."""

import threading
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from reports.jobs import STALE_AFTER, job_run
from reports.models import JobRun, MonthReport
from reports.services import ReportRefused
from tests.concurrency import run_together
from tests.network.test_worker import BRUSSELS, beat_run, to_the_minute
from tests.reports.seed import NOVEMBER, at, clock, figures_of
from tests.reports.test_compile import EXPECTED

LAST_MONTH = "worker.tasks.statistics_last_month"


def runs(job: str) -> list[tuple[str, str, str]]:
    return list(
        JobRun.objects.filter(job=job)
        .order_by("started_at", "id")
        .values_list("outcome", "summary", "error")
    )


@pytest.mark.django_db
def test_a_run_is_recorded_with_what_it_did_and_how_long_it_took():
    with time_machine.travel(at(12, 1, 3), tick=False) as clock_:

        def work() -> str:
            clock_.shift(timedelta(seconds=2.5))
            return "2026-11 compiled: 140 figures"

        result = job_run("statistics_last_month", work)

    assert result.ran and result.summary == "2026-11 compiled: 140 figures"
    run = JobRun.objects.get()
    assert (run.job, run.outcome, run.summary, run.error) == (
        "statistics_last_month",
        "done",
        "2026-11 compiled: 140 figures",
        "",
    )
    assert (run.started_at, run.finished_at) == (
        at(12, 1, 3),
        at(12, 1, 3) + timedelta(seconds=2.5),
    )
    assert run.duration_seconds == 2.5
    assert run.hostname


@pytest.mark.django_db
def test_a_failed_run_is_recorded_with_its_error_and_raised_again():
    def work() -> str:
        raise ValueError("the database went away")

    with pytest.raises(ValueError, match="went away"):
        job_run("passes_expire", work)

    run = JobRun.objects.get()
    assert (run.outcome, run.summary, run.error) == (
        "failed",
        "",
        "ValueError: the database went away",
    )
    assert run.finished_at is not None
    # The failure frees the job: the next run runs.
    assert job_run("passes_expire", lambda: "0 passes expired").ran


@pytest.mark.django_db
def test_a_second_run_while_one_is_under_way_is_skipped_and_does_nothing():
    ran = []

    def inner() -> str:
        ran.append("inner")
        return "should not run"

    def outer() -> str:
        ran.append("outer")
        skipped = job_run("statistics_compile", inner)
        assert not skipped.ran
        return "2026-11 compiled (v1): 140 figures"

    assert job_run("statistics_compile", outer).ran

    assert ran == ["outer"]
    assert sorted(runs("statistics_compile")) == [
        ("done", "2026-11 compiled (v1): 140 figures", ""),
        ("skipped", "another run is under way", ""),
    ]
    # Another job is not in the way.
    assert job_run("passes_expire", lambda: "0 passes expired").ran


@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_one_job_at_once_run_it_once(postgres):
    """Two threads, each with its own connection, released together: the database's
    partial unique index lets one run be "running"; the other records a skipped run."""
    ran: list[int] = []
    loser_done = threading.Event()

    def work(index: int) -> str:
        ran.append(index)
        # Hold the run open until the other worker has given up (or 10 s, if it never
        # does: then it ran too, and the assertions below say so).
        loser_done.wait(timeout=10)
        return "ran"

    def attempt(index: int) -> str:
        result = job_run("statistics_last_month", lambda: work(index))
        if not result.ran:
            loser_done.set()
        return result.run.outcome

    outcomes = run_together(2, attempt)

    assert sorted(outcomes) == ["done", "skipped"]
    assert len(ran) == 1
    assert sorted(outcome for outcome, _s, _e in runs("statistics_last_month")) == [
        "done",
        "skipped",
    ]


@pytest.mark.django_db
def test_a_run_cut_short_stops_blocking_the_job_once_it_is_stale():
    """A worker killed mid-run (SystemExit is not an error it can record) leaves its run
    "running"; within STALE_AFTER it still holds the job, after that it is written off."""
    start = at(12, 1, 3)

    def killed() -> str:
        raise SystemExit(1)

    with clock(start), pytest.raises(SystemExit):
        job_run("statistics_last_month", killed)
    assert runs("statistics_last_month") == [("running", "", "")]

    with clock(start + STALE_AFTER - timedelta(minutes=1)):
        assert not job_run("statistics_last_month", lambda: "too soon").ran
    with clock(start + STALE_AFTER + timedelta(minutes=1)):
        assert job_run("statistics_last_month", lambda: "2026-11 compiled").ran

    assert runs("statistics_last_month") == [
        ("failed", "", "interrupted"),
        ("skipped", "another run is under way", ""),
        ("done", "2026-11 compiled", ""),
    ]


# --- the worker's tasks, run in this process (eager) ------------------------------------


@pytest.mark.django_db
def test_the_nightly_statistics_task_compiles_last_month_and_writes_its_run(november):
    from worker.tasks import statistics_last_month

    with clock(at(12, 1, 3)):
        said = statistics_last_month.delay().get()
    with clock(at(12, 2, 3)):
        again = statistics_last_month.delay().get()

    report = MonthReport.objects.get()
    assert said == f"2026-11 compiled: {report.figures.count()} figures"
    assert again == "2026-11 already compiled (v1)"
    assert figures_of(report) == EXPECTED
    assert runs("statistics_last_month") == [("done", said, ""), ("done", again, "")]


@pytest.mark.django_db
def test_the_compile_task_compiles_the_month_asked_and_records_a_refusal(november, coordinator):
    from worker.tasks import statistics_compile

    with clock(at(12, 5, 10)):
        said = statistics_compile.delay("2026-11", coordinator.pk, "").get()
        with pytest.raises(ReportRefused) as refused:
            statistics_compile.delay("2026-13", coordinator.pk, "").get()

    report = MonthReport.objects.get(month=NOVEMBER)
    assert said == f"2026-11 compiled (v1): {report.figures.count()} figures"
    assert report.compiled_by == coordinator
    assert refused.value.code == "month_invalid"
    assert runs("statistics_compile") == [
        ("done", said, ""),
        (
            "failed",
            "",
            "ReportRefused: Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11.",
        ),
    ]


@pytest.mark.django_db
def test_the_expiry_task_expires_due_passes_and_writes_its_run(november):
    from worker.tasks import passes_expire

    # Issued on 1 October for 90 days, P1, P8 and P9 ended on 29 December: P1 and P8 are
    # due on the 30th; P9 was renewed on the 3rd (to the 31st); P5 is suspended.
    with clock(at(12, 30, 0, 5)):
        first = passes_expire.delay().get()
        second = passes_expire.delay().get()

    assert (first, second) == ("2 passes expired", "0 passes expired")
    assert runs("passes_expire") == [("done", first, ""), ("done", second, "")]


# --- beat ---------------------------------------------------------------------------------


# Winter and summer: Brussels is UTC+1, then UTC+2; the job follows Brussels' clock.
@pytest.mark.parametrize("day", [date(2026, 11, 29), date(2026, 6, 29)], ids=["winter", "summer"])
def test_beat_sends_the_nightly_statistics_every_night_at_0300_brussels_time(day):
    start = datetime.combine(day, time(12, 0, 30), tzinfo=BRUSSELS)

    sent = beat_run(start, hours=72)

    nights = [
        datetime.combine(day + timedelta(days=n), time(3, 0), tzinfo=BRUSSELS) for n in (1, 2, 3)
    ]
    assert to_the_minute(sent[LAST_MONTH]) == nights


def test_a_starting_worker_reports_alive_and_catches_up_the_nightly_jobs():
    from worker.app import beat_once_at_start

    sent: list[str] = []

    class App:
        def send_task(self, name: str) -> None:
            sent.append(name)

    class Sender:
        app = App()

    beat_once_at_start(Sender())

    assert sent == [
        "worker.tasks.worker_heartbeat",
        "worker.tasks.passes_expire",
        "worker.tasks.statistics_last_month",
    ]
