"""The network's stock: the catalogue and its prices, lots, and the ledger of every movement.

Shared by every collective service that hands out goods: a shop sells from it,
a food-aid point gives parcels from it. Stock is a ledger that is never
rewritten: each change of a lot is a `StockMovement`. The lot keeps its balance
(`on_hand`), changed in the same transaction as each movement, and the database
refuses a balance below zero, so reading what is on hand never sums the ledger
(`stock.services.stock_check` proves the two agree).

The tables keep the names they had when the stock lived in the shop app
(`shop_product`, …): moving the models moved no data.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from network.models import Organisation

# Quantities are pieces, or kilograms and litres to the gram and the millilitre
# (12 digits, 3 decimals); money is euros and cents (10 digits, 2 decimals).
CENT = Decimal("0.01")


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
        db_table = "shop_product"
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


class Barcode(models.Model):
    """An EAN-8 or EAN-13 code printed on a product; a product can have several."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="barcodes", verbose_name=_("produit")
    )
    # Digits only, check digit verified by `stock.services.barcode_clean`.
    code = models.CharField(_("code-barres"), max_length=14, unique=True)

    class Meta:
        db_table = "shop_barcode"
        verbose_name = _("code-barres")
        verbose_name_plural = _("codes-barres")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PriceBand(models.Model):
    """The share of the market price a service's households pay: every price stays within it."""

    service = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="price_band",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    min_percent = models.DecimalField(_("part minimale (%)"), max_digits=5, decimal_places=2)
    max_percent = models.DecimalField(_("part maximale (%)"), max_digits=5, decimal_places=2)

    class Meta:
        db_table = "shop_priceband"
        verbose_name = _("fourchette de prix")
        verbose_name_plural = _("fourchettes de prix")
        constraints = [
            models.CheckConstraint(
                name="price_band_in_order",
                condition=Q(min_percent__gte=0, max_percent__lte=100)
                & Q(min_percent__lte=F("max_percent")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.min_percent}–{self.max_percent} %"


class ServicePrice(models.Model):
    """A product sold at a service, and what a household pays for it there.

    A fixed price, or a percentage of the product's market price (it follows the
    market price when that changes). A product without a row here is not sold
    at the service.
    """

    class Mode(models.TextChoices):
        FIXED = "fixed", _("prix fixe")
        PERCENT = "percent", _("pourcentage du prix du marché")

    service = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("produit")
    )
    mode = models.CharField(_("prix"), max_length=8, choices=Mode.choices)
    price = models.DecimalField(
        _("prix payé (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(
        _("part du prix du marché (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        db_table = "shop_serviceprice"
        verbose_name = _("prix au service")
        verbose_name_plural = _("prix au service")
        constraints = [
            models.UniqueConstraint(fields=["service", "product"], name="service_price_once"),
            models.CheckConstraint(
                name="service_price_fixed_or_percent",
                condition=Q(mode="fixed", price__gte=0, percent__isnull=True)
                | Q(mode="percent", percent__gte=0, percent__lte=100, price__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.service_id}"

    def unit_price(self, market_price: Decimal) -> Decimal:
        """What a household pays for one unit, in euros and cents."""
        if self.mode == self.Mode.FIXED:
            return self.price or Decimal(0)
        return (market_price * (self.percent or Decimal(0)) / 100).quantize(CENT, ROUND_HALF_UP)


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
    # What a household pays for this lot, when it differs from the service's price
    # (a donation given free, a lot near its date). EU food aid is always free.
    household_price = models.DecimalField(
        _("prix payé pour ce lot (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # The receipt document it came in with (none for lots entered before documents).
    receipt = models.ForeignKey(
        "StockReceipt", on_delete=models.PROTECT, null=True, blank=True, related_name="lots"
    )

    class Meta:
        db_table = "shop_lot"
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
            models.CheckConstraint(
                name="lot_eu_food_aid_free",
                condition=~Q(origin="eu_food_aid")
                | Q(household_price__isnull=False, household_price=0),
            ),
            models.CheckConstraint(
                name="lot_price_not_negative", condition=Q(household_price__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} #{self.pk}"

    @staticmethod
    def in_date(today: date) -> Q:
        """Lots that may still leave on `today`: undated, or dated today or later."""
        return Q(best_before__isnull=True) | Q(best_before__gte=today)


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
    # The document of an upper app that made this movement: a sale, a distribution,
    # or their corrections (receipts and counts have their own links).
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    # The inventory count whose differences made this adjustment.
    inventory = models.ForeignKey(
        "InventoryCount", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )

    class Meta:
        db_table = "shop_stockmovement"
        verbose_name = _("mouvement de stock")
        verbose_name_plural = _("mouvements de stock")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["lot", "at"], name="movement_lot_idx"),
            models.Index(fields=["source_type", "source_id"], name="movement_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="movement_not_zero", condition=~Q(quantity=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} lot #{self.lot_id}"


class StockReceipt(models.Model):
    """A delivery (food bank, donor, purchase) entered line by line, then posted as lots.

    Held on the server while it is a draft, so a long receipt survives a reload;
    posting makes one lot and one receipt movement per line, once.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("en cours de saisie")
        POSTED = "posted", _("entrée en stock")

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    origin = models.CharField(_("origine"), max_length=12, choices=Lot.Origin.choices)
    supplier = models.CharField(_("fournisseur ou donateur"), max_length=120, blank=True)
    received_on = models.DateField(_("reçu le"))
    status = models.CharField(_("état"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shop_stockreceipt"
        verbose_name = _("réception")
        verbose_name_plural = _("réceptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"receipt #{self.pk} ({self.status})"


class StockReceiptLine(models.Model):
    receipt = models.ForeignKey(StockReceipt, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3)
    best_before = models.DateField(_("à consommer de préférence avant"), null=True, blank=True)
    household_price = models.DecimalField(
        _("prix payé pour ce lot (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    added_at = models.DateTimeField()

    class Meta:
        db_table = "shop_stockreceiptline"
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(name="receipt_line_positive", condition=Q(quantity__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class InventoryCount(models.Model):
    """The shelves counted by a manager: kept as a document with its differences, which
    become adjustment movements when the count is closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("en cours")
        CLOSED = "closed", _("clôturé")

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    status = models.CharField(_("état"), max_length=8, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shop_inventorycount"
        verbose_name = _("inventaire")
        verbose_name_plural = _("inventaires")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"count #{self.pk} ({self.status})"


class InventoryCountLine(models.Model):
    count = models.ForeignKey(InventoryCount, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    counted = models.DecimalField(_("compté"), max_digits=12, decimal_places=3)
    # What the lots held when the count was closed; the difference became adjustments.
    expected = models.DecimalField(
        _("attendu"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    counted_at = models.DateTimeField()

    class Meta:
        db_table = "shop_inventorycountline"
        ordering = ["counted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "product"], name="count_line_once"),
            models.CheckConstraint(name="count_line_not_negative", condition=Q(counted__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.counted} × {self.product_id}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.expected is None else self.counted - self.expected


class StockAlertDigest(models.Model):
    """The day's stock alerts of a service, e-mailed to its managers: one row per service and
    day, written in the transaction that decides to send, so no day is sent twice
    (`stock.services.alerts`)."""

    service = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    day = models.DateField(_("jour"))
    decided_at = models.DateTimeField(_("décidé le"))
    # The e-mails decided, and those the mail server took (a refused one is not retried).
    emails = models.PositiveIntegerField(_("courriels prévus"))
    sent = models.PositiveIntegerField(_("courriels envoyés"), default=0)

    class Meta:
        verbose_name = _("alertes de stock envoyées")
        verbose_name_plural = _("alertes de stock envoyées")
        ordering = ["-day", "service"]
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="stock_alert_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"stock alerts {self.service_id} {self.day}"


class OfflineHandout(models.Model):
    """A sale or a parcel a tablet handed over while offline, as it arrived on sync.

    One row for each, whatever became of it: its idempotency key makes a sync sent
    again record nothing twice. The server records it at its real moment (`source`
    is then the sale or the distribution). When it cannot (the shelves no longer hold
    it, the scan turned out a conflict), or when what it recorded differs from what the
    tablet showed (the amount, the budget), the row waits on the manager's home until
    the manager records it again or settles it with a note. Goods left the shelves:
    nothing is dropped in silence.
    """

    class Kind(models.TextChoices):
        SALE = "sale", _("vente")
        PARCEL = "parcel", _("colis")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("enregistré")
        # Recorded, but not as the tablet showed it: for the manager to see.
        DIFFERS = "differs", _("enregistré avec une différence")
        # Not recorded: for the manager to record again or settle.
        PENDING = "pending", _("à régulariser")
        SETTLED = "settled", _("régularisé")

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    kind = models.CharField(_("nature"), max_length=6, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=64)
    # The scan this followed, by its key (the visit may not have arrived).
    visit_key = models.CharField(max_length=64)
    visit = models.ForeignKey(
        "counter.Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("remis le"))
    synced_at = models.DateTimeField(_("reçu le"))
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # As the tablet sent them: [{"product": id, "quantity": "1.000"}] for a sale.
    lines = models.JSONField(default=list, blank=True)
    payment = models.CharField(_("paiement"), max_length=6, blank=True)
    # What the tablet asked the household to pay.
    amount_asked = models.DecimalField(
        _("montant demandé"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("état"), max_length=8, choices=Status.choices)
    # The server's sentence: why it could not record it, or how it differs.
    problem = models.CharField(_("problème"), max_length=400, blank=True)
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    settled_at = models.DateTimeField(_("régularisé le"), null=True, blank=True)
    settle_note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("remise hors ligne")
        verbose_name_plural = _("remises hors ligne")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["service", "status"], name="offline_handout_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "idempotency_key"], name="offline_handout_once_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"offline {self.kind} {self.idempotency_key} ({self.status})"
