"""The social shop's baskets and sales, drawn from the stock (`stock`) at reduced prices."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from counter.models import Visit
from network.models import Organisation
from passes.models import AccessPass
from stock.models import Lot, Product, StockMovement


class Basket(models.Model):
    """What a household is taking at a shop after an accepted scan, held until paid.

    It lives on the server, so a reload or a dropped connection loses nothing; it
    becomes a `Sale` once, at checkout.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("en cours")
        PAID = "paid", _("payé")
        ABANDONED = "abandoned", _("abandonné")

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    visit = models.OneToOneField(
        Visit, on_delete=models.PROTECT, related_name="basket", verbose_name=_("passage")
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("ouvert le"))

    class Meta:
        verbose_name = _("panier")
        verbose_name_plural = _("paniers")

    def __str__(self) -> str:
        return f"basket #{self.pk} ({self.status})"


class BasketLine(models.Model):
    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["basket", "product"], name="basket_line_once"),
            models.CheckConstraint(name="basket_line_positive", condition=Q(quantity__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class Sale(models.Model):
    """A checkout at a shop, or the correction of one (negative figures, with a reason).

    Never deleted nor rewritten: cancelling or returning items the same day is a
    new row that `corrects` the sale, with its own stock movements back.
    """

    class Payment(models.TextChoices):
        CASH = "cash", _("espèces")
        CARD = "card", _("carte")
        OTHER = "other", _("autre")
        NONE = "none", _("rien à payer")

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    access_pass = models.ForeignKey(
        AccessPass, on_delete=models.PROTECT, related_name="sales", verbose_name=_("accès-pass")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="sales", verbose_name=_("passage")
    )
    basket = models.OneToOneField(
        Basket, on_delete=models.PROTECT, null=True, blank=True, related_name="sale"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    at = models.DateTimeField(_("le"))
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # At market price, what the household pays (before cash rounding), and what
    # changed hands: the aid given is market_total - amount_due.
    market_total = models.DecimalField(
        _("valeur au prix du marché"), max_digits=10, decimal_places=2
    )
    amount_due = models.DecimalField(_("montant à payer"), max_digits=10, decimal_places=2)
    amount_paid = models.DecimalField(_("montant payé"), max_digits=10, decimal_places=2)
    payment = models.CharField(_("paiement"), max_length=6, choices=Payment.choices)
    tendered = models.DecimalField(
        _("reçu en espèces"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reason = models.CharField(_("motif de la correction"), max_length=200, blank=True)
    # The stock movements this sale (or correction) made.
    movements = GenericRelation(
        StockMovement, content_type_field="source_type", object_id_field="source_id"
    )

    class Meta:
        verbose_name = _("vente")
        verbose_name_plural = _("ventes")
        ordering = ["-at", "-id"]
        indexes = [
            # The budget drawn this period: a pass's sales at a service since a date.
            models.Index(fields=["access_pass", "service", "at"], name="sale_budget_idx"),
            models.Index(fields=["service", "at"], name="sale_service_day_idx"),
        ]
        constraints = [
            # One sale per visit; its corrections point at it.
            models.UniqueConstraint(
                fields=["visit"], condition=Q(corrects__isnull=True), name="sale_once_per_visit"
            ),
            models.CheckConstraint(
                name="sale_correction_has_reason",
                condition=Q(corrects__isnull=True) | ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"sale #{self.pk} {self.amount_due} €"

    @property
    def aid_given(self) -> Decimal:
        return self.market_total - self.amount_due

    @property
    def change(self) -> Decimal | None:
        """Cash to give back."""
        if self.tendered is None:
            return None
        return self.tendered - self.amount_paid


class SaleLine(models.Model):
    """A quantity of one product from one lot, at the prices of that moment (signed)."""

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("prix payé à l'unité"), max_digits=10, decimal_places=2)
    market_unit_price = models.DecimalField(
        _("prix du marché à l'unité"), max_digits=10, decimal_places=2
    )
    # quantity × the unit prices, rounded to the cent once, here.
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    market_value = models.DecimalField(_("valeur au marché"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="sale_line_not_zero", condition=~Q(quantity=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"
