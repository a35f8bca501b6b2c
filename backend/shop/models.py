"""The social shop's stock: products, lots, and the ledger of every movement.

Stock is a ledger that is never rewritten: each change of a lot is a
`StockMovement`. The lot keeps its balance (`on_hand`), changed in the same
transaction as each movement, and the database refuses a balance below zero, so
reading what is on hand never sums the ledger (`shop.services.stock_check`
proves the two agree).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Organisation

# Quantities are pieces, or kilograms and litres to the gram and the millilitre
# (12 digits, 3 decimals); money is euros and cents (10 digits, 2 decimals).


class Product(models.Model):
    """A catalogue item of the network, sold or given at its collective services."""

    class Category(models.TextChoices):
        DRY = "dry", _("Épicerie sèche")
        FRESH = "fresh", _("Frais")
        FROZEN = "frozen", _("Surgelés")
        FRUIT_VEG = "fruit_veg", _("Fruits et légumes")
        DRINKS = "drinks", _("Boissons")
        BABY = "baby", _("Bébé")
        HYGIENE = "hygiene", _("Hygiène")
        HOUSEHOLD = "household", _("Entretien")
        OTHER = "other", _("Autre")

    class Unit(models.TextChoices):
        PIECE = "piece", _("pièce")
        KG = "kg", _("kg")
        LITRE = "litre", _("litre")

    name = models.CharField(_("nom"), max_length=120)
    category = models.CharField(_("catégorie"), max_length=12, choices=Category.choices)
    unit = models.CharField(_("unité"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    market_price = models.DecimalField(
        _("prix de référence du marché (€)"),
        max_digits=10,
        decimal_places=2,
        help_text=_("Ce que le produit coûte en magasin ordinaire : il sert à chiffrer l'aide."),
    )
    minimum_stock = models.DecimalField(
        _("stock minimum"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(0),
        help_text=_("Une alerte en dessous."),
    )
    is_active = models.BooleanField(_("proposé"), default=True)

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                name="product_market_price_not_negative", condition=Q(market_price__gte=0)
            ),
            models.CheckConstraint(
                name="product_minimum_not_negative", condition=Q(minimum_stock__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """A quantity of one product received at one service, with its date and origin."""

    class Origin(models.TextChoices):
        PURCHASE = "purchase", _("Achat")
        DONATION = "donation", _("Don")
        FOOD_BANK = "food_bank", _("Banque alimentaire")
        EU_FOOD_AID = "eu_food_aid", _("Aide alimentaire européenne (FEAD / FSE+)")
        RECOVERY = "recovery", _("Récupération locale")

    service = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="lots",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lots", verbose_name=_("produit")
    )
    origin = models.CharField(_("origine"), max_length=12, choices=Origin.choices)
    supplier = models.CharField(_("fournisseur ou donateur"), max_length=120, blank=True)
    received_on = models.DateField(_("reçu le"))
    # Best-before or use-by date; empty for what does not spoil (soap, nappies).
    best_before = models.DateField(_("à consommer de préférence avant"), null=True, blank=True)
    quantity_received = models.DecimalField(_("quantité reçue"), max_digits=12, decimal_places=3)
    # The balance, kept by the services in the same transaction as each movement.
    on_hand = models.DecimalField(_("en stock"), max_digits=12, decimal_places=3)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["service", "product", "best_before", "id"]
        indexes = [
            # First-expired-first-out among the lots still holding something.
            models.Index(
                fields=["service", "product", "best_before", "id"],
                condition=Q(on_hand__gt=0),
                name="lot_fefo_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(name="lot_on_hand_not_negative", condition=Q(on_hand__gte=0)),
            models.CheckConstraint(
                name="lot_received_positive", condition=Q(quantity_received__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} #{self.pk}"


class StockMovement(models.Model):
    """One change of a lot's stock, never rewritten: a correction is another movement."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Réception")
        SALE = "sale", _("Vente")
        DISTRIBUTION = "distribution", _("Distribution")
        LOSS = "loss", _("Perte ou casse")
        WASTE = "waste", _("Périmé, jeté")
        ADJUSTMENT = "adjustment", _("Ajustement d'inventaire")
        TRANSFER_OUT = "transfer_out", _("Transfert sortant")
        TRANSFER_IN = "transfer_in", _("Transfert entrant")
        CORRECTION = "correction", _("Correction")

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("mouvement"), max_length=14, choices=Kind.choices)
    # Signed: what enters is positive, what leaves negative.
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3)
    at = models.DateTimeField(_("le"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("mouvement de stock")
        verbose_name_plural = _("mouvements de stock")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lot", "at"], name="movement_lot_idx")]
        constraints = [
            models.CheckConstraint(name="movement_not_zero", condition=~Q(quantity=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} lot #{self.lot_id}"
