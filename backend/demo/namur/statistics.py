"""The demo's monthly statistics: passes dated from the day they began, and the months of
the demo's history compiled, so that a coordinator has a month to review at once."""

from datetime import date, time

from django.db.models import F

from demo.namur.history import local_moment, working_day
from network.models import User
from passes.models import AccessPass, PassEvent
from reports.models import MonthReport
from reports.services import month_compile, month_lock, previous_month

# The months reviewed back from the current one: the history reaches about that far.
MONTHS_BACK = 3
COORDINATOR = "coordination"


def passes_backdate(today: date) -> None:
    """A demo pass valid from an earlier day was issued that day, not when the demo loaded."""
    started = AccessPass.objects.filter(valid_from__lt=today).exclude(
        issued_at__date__lte=F("valid_from")
    )
    for access_pass in started.only("pk", "valid_from"):
        moment = local_moment(working_day(access_pass.valid_from), time(10, 0))
        AccessPass.objects.filter(pk=access_pass.pk).update(issued_at=moment)
        PassEvent.objects.filter(
            access_pass_id=access_pass.pk, action=PassEvent.Action.ISSUE
        ).update(at=moment)


def statistics_load(today: date) -> None:
    """Compile the months not compiled yet; the oldest is locked, as if reviewed."""
    coordinator = User.objects.filter(username=COORDINATOR).first()
    passes_backdate(today)
    months = [today.replace(day=1)]
    for _ in range(MONTHS_BACK):
        months.insert(0, previous_month(months[0]))
    for month in months:
        if MonthReport.objects.filter(month=month).exists():
            continue
        compiled = month_compile(month=month)
        if month == months[0] and coordinator is not None:
            month_lock(report_id=compiled.report.pk, actor=coordinator)
