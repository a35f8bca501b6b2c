from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Organisation
from passes.models import AccessPass, Voucher


class Visit(models.Model):
    """One presentation of a card at a counter, accepted or refused, recorded once.

    The device sends an idempotency key with each scan; a retried request finds
    the visit it already made and gets the same verdict back.
    """

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    # Null when the card named no pass (unreadable, forged, unknown code).
    access_pass = models.ForeignKey(
        AccessPass, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    card_version = models.PositiveSmallIntegerField(null=True, blank=True)
    # The voucher presented instead of a card (a referral, a paper meal ticket).
    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    at = models.DateTimeField(_("le"))
    accepted = models.BooleanField(_("accepté"))
    # Empty when accepted; otherwise one refusal code (see counter.services).
    reason = models.CharField(_("motif du refus"), max_length=24, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)
    # How much of a meal rule this visit uses: the meals served now at a social
    # restaurant (1 everywhere else, where a visit counts once).
    units = models.PositiveSmallIntegerField(_("repas servis"), default=1)
    # At a service a convention covers outside food (culture tickets, a pharmacy, fuel):
    # the amount covered by this use, and a reference (a receipt's number).
    amount_cents = models.PositiveIntegerField(
        _("montant couvert (centimes)"), null=True, blank=True
    )
    reference = models.CharField(_("référence"), max_length=40, blank=True)
    undone_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undo_reason = models.CharField(_("motif de l'annulation"), max_length=200, blank=True)
    # The verdict's figures as first given (household size, allowances left, the rule
    # used up), so that a retried request gets the same answer, whole.
    answer = models.JSONField(default=dict, blank=True)
    # Decided on a tablet without the server and sent when the connection came back
    # (`at` is the tablet's moment of the scan).
    offline = models.BooleanField(_("hors ligne"), default=False, db_default=False)
    # When the server received an offline scan (`at` is when it was made).
    synced_at = models.DateTimeField(_("reçu le"), null=True, blank=True)
    # Served offline, but refused by the server's rules on arrival (the same card
    # served on another tablet, a card revoked meanwhile): recorded as refused, with
    # the server's reason, so that the statistics count the household once; the
    # manager sees it on their home page.
    offline_conflict = models.BooleanField(_("conflit hors ligne"), default=False, db_default=False)

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["-at", "-id"]
        indexes = [
            # The quota count: accepted visits of one pass at one counter since a date.
            models.Index(
                fields=["access_pass", "service", "at"],
                condition=Q(accepted=True, undone_at__isnull=True),
                name="visit_counted_idx",
            ),
            # Today's list and count at a counter.
            models.Index(fields=["service", "at"], name="visit_service_day_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "idempotency_key"], name="visit_once_per_idempotency_key"
            ),
            models.CheckConstraint(name="visit_units_positive", condition=Q(units__gte=1)),
            models.CheckConstraint(
                name="visit_offline_conflict_is_refused_offline",
                condition=Q(offline_conflict=False) | Q(offline=True, accepted=False),
            ),
            models.CheckConstraint(
                name="visit_refusal_has_reason",
                condition=Q(accepted=True, reason="") | Q(accepted=False) & ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.at:%Y-%m-%d %H:%M} {self.reason or 'ok'}"
