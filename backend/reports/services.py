"""Compiling, locking and correcting a month's statistics."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from network.audit import audit_record
from network.models import User
from reports.compile import Period, figures_write
from reports.models import Figure, MonthReport

REASON_MIN_LENGTH = 5


class ReportRefused(DomainError):
    code = "report_refused"


def month_parse(text: str) -> date:
    """'2026-11' → the 1st of November 2026, or `month_invalid`."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise ReportRefused(
            _("Indiquez un mois sous la forme AAAA-MM, par exemple 2026-11."),
            code="month_invalid",
            field="month",
            kind=ErrorKind.INVALID,
        ) from None


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Compiled:
    report: MonthReport
    figures: int
    new_version: bool


def month_check(month: date, today: date) -> None:
    if month > today.replace(day=1):
        raise ReportRefused(
            _("Le mois %(month)s n'a pas encore commencé : ses chiffres n'existent pas.")
            % {"month": f"{month:%m/%Y}"},
            code="month_in_future",
            field="month",
            kind=ErrorKind.INVALID,
        )


def _latest_for_update(month: date, now: datetime) -> MonthReport:
    """The month's latest version, locked; created as a first draft when there is none.

    Two workers compiling the same new month both try to create version 1: the
    unique constraint lets one through, the other waits for it and then locks it.
    """
    latest = (
        MonthReport.objects.select_for_update().filter(month=month).order_by("-version").first()
    )
    if latest is not None:
        return latest
    try:
        with transaction.atomic():
            return MonthReport.objects.create(month=month, version=1, compiled_at=now)
    except IntegrityError:
        return MonthReport.objects.select_for_update().get(month=month, version=1)


def month_compile(
    *, month: date, actor: User | None = None, reason: str = "", now: datetime | None = None
) -> Compiled:
    """Compute the month's figures and store them (idempotent: the same data gives the
    same rows, however many times and by however many workers at once).

    A draft is rewritten in place. A locked month is never changed: compiling it again
    needs a reason and makes a new draft version, audited. Locks the month's latest
    version for the whole computation. Raises `month_invalid`, `month_in_future`,
    `reason_required`.
    """
    now = now or timezone.now()
    month_check(month, timezone.localdate(now))
    reason = reason.strip()
    with transaction.atomic():
        report = _latest_for_update(month, now)
        new_version = report.is_locked
        if new_version:
            if len(reason) < REASON_MIN_LENGTH:
                raise ReportRefused(
                    _(
                        "Ce mois est verrouillé : dites pourquoi il doit être recalculé "
                        "(une correction de données, par exemple)."
                    ),
                    code="reason_required",
                    field="reason",
                    kind=ErrorKind.INVALID,
                )
            report = MonthReport.objects.create(
                month=month,
                version=report.version + 1,
                reason=reason,
                compiled_at=now,
                compiled_by=actor,
            )
        else:
            Figure.objects.filter(report=report).delete()
            report.compiled_at = now
            report.compiled_by = actor
            report.save(update_fields=["compiled_at", "compiled_by"])
        written = figures_write(report_id=report.pk, month=month, now=now)
        if connection.vendor == "postgresql":
            # A month's figures are rewritten at once: the review pages' plans need
            # statistics that know them (a sample, a fraction of a second).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reports_figure")
        if actor is not None:
            audit_record(
                actor=actor,
                action="statistics.recompile" if new_version else "statistics.compile",
                target=report,
                detail={"month": f"{month:%Y-%m}", "version": report.version},
            )
    return Compiled(report=report, figures=written, new_version=new_version)


def month_lock(*, report_id: int, actor: User, now: datetime | None = None) -> MonthReport:
    """Lock a reviewed draft so that later corrections cannot change it silently.

    Locks the report's row; raises `not_found`, `month_not_over`, `already_locked`,
    `not_latest` (an older version cannot be locked over a newer one).
    """
    now = now or timezone.now()
    with transaction.atomic():
        report = MonthReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise ReportRefused(
                _("Ces statistiques n'existent pas."), code="not_found", kind=ErrorKind.NOT_FOUND
            )
        if report.is_locked:
            raise ReportRefused(_("Ce mois est déjà verrouillé."), code="already_locked")
        if MonthReport.objects.filter(month=report.month, version__gt=report.version).exists():
            raise ReportRefused(
                _("Une version plus récente de ce mois existe : verrouillez celle-là."),
                code="not_latest",
            )
        if report.month >= timezone.localdate(now).replace(day=1):
            raise ReportRefused(
                _("Le mois n'est pas terminé : il ne peut être verrouillé qu'à partir du 1er."),
                code="month_not_over",
            )
        report.status = MonthReport.Status.LOCKED
        report.locked_at = now
        report.locked_by = actor
        report.save(update_fields=["status", "locked_at", "locked_by"])
        audit_record(
            actor=actor,
            action="statistics.lock",
            target=report,
            detail={"month": f"{report.month:%Y-%m}", "version": report.version},
        )
    return report


def last_month_compile_if_missing(*, now: datetime | None = None) -> str:
    """The schedule's job: compile last month unless it was compiled since it ended.

    Run every night, so a month missed while the worker or its broker was down is
    caught up the next night. A locked month is left as it is.
    """
    now = now or timezone.now()
    month = previous_month(timezone.localdate(now))
    latest = MonthReport.objects.filter(month=month).order_by("-version").first()
    if latest is not None and (
        latest.is_locked or timezone.localdate(latest.compiled_at) > Period.of_month(month).last_day
    ):
        return f"{month:%Y-%m} already compiled (v{latest.version})"
    compiled = month_compile(month=month, now=now)
    return f"{month:%Y-%m} compiled: {compiled.figures} figures"
