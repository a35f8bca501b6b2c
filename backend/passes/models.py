from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.models import Organisation


class Household(models.Model):
    """The people a pass serves, registered by a partner. Only what the work needs."""

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("Consentement de la personne")
        PUBLIC_TASK = "public_task", _("Mission d'intérêt public")
        LEGAL_OBLIGATION = "legal_obligation", _("Obligation légale")

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"kind": Organisation.Kind.PARTNER},
        verbose_name=_("service partenaire"),
    )
    first_name = models.CharField(_("prénom de la personne de référence"), max_length=100)
    last_name = models.CharField(_("nom de la personne de référence"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("année de naissance"))
    postal_code = models.CharField(_("code postal"), max_length=10)
    commune = models.CharField(_("commune"), max_length=100)
    language = models.CharField(
        _("langue préférée"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    legal_basis = models.CharField(
        _("base légale du traitement"), max_length=20, choices=LegalBasis.choices
    )
    legal_basis_recorded_on = models.DateField(_("base légale enregistrée le"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ménage")
        verbose_name_plural = _("ménages")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["partner", "last_name", "first_name"])]
        constraints = [
            models.CheckConstraint(
                name="household_birth_year_plausible",
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def size(self) -> int:
        return 1 + len(self.members.all())


class HouseholdMember(models.Model):
    """Another member of the household, by age band and sex (food-aid reporting needs no more)."""

    class AgeBand(models.TextChoices):
        UNDER_3 = "0-2", _("0 à 2 ans")
        CHILD = "3-14", _("3 à 14 ans")
        YOUTH = "15-24", _("15 à 24 ans")
        ADULT = "25-64", _("25 à 64 ans")
        SENIOR = "65+", _("65 ans et plus")

    class Sex(models.TextChoices):
        FEMALE = "f", _("Femme")
        MALE = "m", _("Homme")
        OTHER = "x", _("Autre / non précisé")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    age_band = models.CharField(_("tranche d'âge"), max_length=8, choices=AgeBand.choices)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)

    class Meta:
        verbose_name = _("membre du ménage")
        verbose_name_plural = _("membres du ménage")

    def __str__(self) -> str:
        return f"{self.get_age_band_display()} {self.get_sex_display()}"
