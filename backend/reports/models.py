import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Convention, Organisation


class MonthReport(models.Model):
    """One compilation of a month's statistics for the whole network.

    A month has one version until a coordinator locks it. Compiling it again while
    it is a draft rewrites that version in place; after the lock the locked version
    stays as it is, and a correction is a new version with its reason.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("À relire")
        LOCKED = "locked", _("Verrouillé")

    month = models.DateField(_("mois"))  # the month's first day
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("état"), max_length=6, choices=Status.choices, default=Status.DRAFT)
    compiled_at = models.DateTimeField(_("calculé le"))
    # Null when the worker's schedule compiled it.
    compiled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why a locked month was compiled again (empty for a first version).
    reason = models.TextField(_("motif de la nouvelle version"), blank=True)
    locked_at = models.DateTimeField(_("verrouillé le"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("statistiques du mois")
        verbose_name_plural = _("statistiques des mois")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="month_report_version_once"),
            models.CheckConstraint(name="month_report_first_day", condition=Q(month__day=1)),
            models.CheckConstraint(
                name="month_report_later_version_has_reason",
                condition=Q(version=1) | ~Q(reason=""),
            ),
            models.CheckConstraint(
                name="month_report_lock_is_dated",
                condition=Q(status="draft") | Q(locked_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version} ({self.status})"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED


class Figure(models.Model):
    """One figure of a month: an indicator (with a detail such as a refusal reason, an
    age band or a week) for a convention at a service.

    `service` is empty for a convention's pass figures (a pass serves all of its
    convention's services); `convention` is empty for what no convention can be
    named for (a forged or unknown card refused at a counter).
    """

    report = models.ForeignKey(MonthReport, on_delete=models.CASCADE, related_name="figures")
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    indicator = models.CharField(max_length=32)
    detail = models.CharField(max_length=32, blank=True)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("chiffre")
        verbose_name_plural = _("chiffres")
        indexes = [
            models.Index(fields=["report", "service"], name="figure_report_service_idx"),
            models.Index(fields=["report", "convention"], name="figure_report_convention_idx"),
            models.Index(fields=["indicator", "report"], name="figure_indicator_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}:{self.detail}={self.value}"


class JobRun(models.Model):
    """One run of a worker's job: when, how long, and what it did or why it failed."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        SKIPPED = "skipped", _("Passé (déjà en cours ailleurs)")
        FAILED = "failed", _("Échec")

    job = models.CharField(_("tâche"), max_length=40)
    started_at = models.DateTimeField(_("début"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    outcome = models.CharField(
        _("résultat"), max_length=8, choices=Outcome.choices, default=Outcome.RUNNING
    )
    # What the job did, in a few words ("12 passes expired", "2026-11 compiled").
    summary = models.CharField(_("résumé"), max_length=200, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    hostname = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("exécution d'une tâche")
        verbose_name_plural = _("exécutions des tâches")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_job_recent_idx")]
        constraints = [
            # Never two runs of one job at once, whichever workers pick it up.
            models.UniqueConstraint(
                fields=["job"], condition=Q(outcome="running"), name="jobrun_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Export(models.Model):
    """A file of a month's figures, built by the worker while the page shows its progress.

    Figures that leave the network hide small counts (`reports.suppression`); only a
    coordinator may ask for exact figures, for the network's own use.
    """

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"
        PDF = "pdf", "PDF"

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En préparation")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    # Random, so that one export's address says nothing about another's.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("format"), max_length=4, choices=Kind.choices)
    # The month's version exported; empty for the yearly EU food-aid report (`year`).
    report = models.ForeignKey(
        MonthReport, on_delete=models.PROTECT, null=True, blank=True, related_name="exports"
    )
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    # Which table: "services", "conventions", "service" (with `service`), "partner" (the
    # PDF report of `partner`), "fead" (the yearly EU food-aid report of `year`).
    table = models.CharField(_("tableau"), max_length=16)
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exact = models.BooleanField(_("chiffres exacts (usage interne)"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandé le"))
    status = models.CharField(
        _("état"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=120, blank=True)
    content = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(name="export_progress_percent", condition=Q(progress__lte=100)),
        ]

    def __str__(self) -> str:
        period = f"{self.report.month:%Y-%m}" if self.report else str(self.year)
        return f"{self.kind} {self.table} {period} ({self.status})"

    @property
    def content_type(self) -> str:
        return {
            "csv": "text/csv; charset=utf-8",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pdf": "application/pdf",
        }[self.kind]
