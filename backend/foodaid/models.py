"""Food aid: parcel templates by household size, and the parcels given from the stock.

A distribution takes its items from the stock ledger (`stock`) first-expired
first out, in the same transaction, like a sale; it keeps the persons of the
household it reached, counted from the household's record at that date, for the
EU food-aid report.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from counter.models import Visit
from network.models import Organisation
from passes.models import AccessPass
from stock.models import Lot, Product, StockMovement


class ParcelTemplate(models.Model):
    """What a food-aid point gives a household whose size falls in a band of persons."""

    service = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    min_persons = models.PositiveSmallIntegerField(_("à partir de (personnes)"))
    # Empty: and more (« 5 personnes et plus »).
    max_persons = models.PositiveSmallIntegerField(_("jusqu'à (personnes)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("modèle de colis")
        verbose_name_plural = _("modèles de colis")
        ordering = ["service", "min_persons"]
        constraints = [
            models.UniqueConstraint(fields=["service", "min_persons"], name="parcel_band_once"),
            models.CheckConstraint(
                name="parcel_band_in_order",
                condition=Q(min_persons__gte=1)
                & (Q(max_persons__isnull=True) | Q(max_persons__gte=F("min_persons"))),
            ),
        ]

    def __str__(self) -> str:
        return str(self.band_label())

    def band_label(self) -> str:
        """« 1 personne », « 3 à 4 personnes », « 5 personnes et plus »."""
        low, high = self.min_persons, self.max_persons
        if high is None:
            return ngettext("%(low)d personne et plus", "%(low)d personnes et plus", low) % {
                "low": low
            }
        if high == low:
            return ngettext("%(low)d personne", "%(low)d personnes", low) % {"low": low}
        return _("%(low)d à %(high)d personnes") % {"low": low, "high": high}

    def fits(self, persons: int) -> bool:
        return persons >= self.min_persons and (
            self.max_persons is None or persons <= self.max_persons
        )


class ParcelTemplateLine(models.Model):
    template = models.ForeignKey(ParcelTemplate, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("produit")
    )
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "product"], name="parcel_line_once"),
            models.CheckConstraint(name="parcel_line_positive", condition=Q(quantity__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class Distribution(models.Model):
    """A parcel given after an accepted scan at a food-aid point, or the correction of one
    (negative quantities, with a reason). Never rewritten, like a sale."""

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    access_pass = models.ForeignKey(
        AccessPass,
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("accès-pass"),
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="distributions", verbose_name=_("passage")
    )
    # The template it followed; a template deleted later leaves the parcel's own lines.
    template = models.ForeignKey(
        ParcelTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    at = models.DateTimeField(_("le"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("motif de la correction"), max_length=200, blank=True)
    # What the parcel is worth at market prices (the aid given: everything is free here).
    market_total = models.DecimalField(
        _("valeur au prix du marché"), max_digits=10, decimal_places=2
    )
    # The persons reached, from the household's record at that date (passes.persons_reached):
    # a person counts in every category that applies. Zero on corrections.
    persons = models.PositiveSmallIntegerField(_("personnes"), default=0)
    children = models.PositiveSmallIntegerField(_("enfants"), default=0)
    seniors = models.PositiveSmallIntegerField(_("personnes âgées"), default=0)
    women = models.PositiveSmallIntegerField(_("femmes"), default=0)
    with_disability = models.PositiveSmallIntegerField(_("personnes handicapées"), default=0)
    foreign_background = models.PositiveSmallIntegerField(
        _("personnes d'origine étrangère"), default=0
    )
    homeless = models.PositiveSmallIntegerField(_("personnes sans abri"), default=0)
    movements = GenericRelation(
        StockMovement, content_type_field="source_type", object_id_field="source_id"
    )

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["service", "at"], name="distribution_service_day_idx"),
            models.Index(fields=["access_pass", "service", "at"], name="distribution_pass_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(corrects__isnull=True),
                name="distribution_once_per_visit",
            ),
            models.CheckConstraint(
                name="distribution_correction_has_reason",
                condition=Q(corrects__isnull=True) | ~Q(reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"distribution #{self.pk}"


class DistributionLine(models.Model):
    """A quantity of one product from one lot, valued at the market price of the day (signed)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantité"), max_digits=12, decimal_places=3)
    market_unit_price = models.DecimalField(
        _("prix du marché à l'unité"), max_digits=10, decimal_places=2
    )
    market_value = models.DecimalField(_("valeur au marché"), max_digits=10, decimal_places=2)
    # From EU food aid (FEAD / ESF+): given free, counted apart in the EU report.
    eu_food_aid = models.BooleanField(_("aide alimentaire européenne"), default=False)
    # The template's product this line stands in for, when the product ran short.
    substitutes = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="distribution_line_not_zero", condition=~Q(quantity=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class Handout(models.Model):
    """What a vestiaire gave after an accepted scan (of a referral voucher or a card): free
    text lines with a count, recorded by the volunteer, correctable the same day."""

    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    visit = models.OneToOneField(
        Visit, on_delete=models.PROTECT, related_name="handout", verbose_name=_("passage")
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("le"))

    class Meta:
        verbose_name = _("don du vestiaire")
        verbose_name_plural = _("dons du vestiaire")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["service", "at"], name="handout_service_day_idx")]

    def __str__(self) -> str:
        return f"handout #{self.pk}"


class HandoutLine(models.Model):
    handout = models.ForeignKey(Handout, on_delete=models.CASCADE, related_name="lines")
    text = models.CharField(_("article"), max_length=120)
    count = models.PositiveSmallIntegerField(_("nombre"), default=1)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="handout_line_counted", condition=Q(count__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.text}"
