from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from network.rules import RuleKind, RulePeriod, RuleSnapshot


class User(AbstractUser):
    """A person who logs in. What they may do comes from their memberships."""

    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")


class Organisation(models.Model):
    """A network, a partner social service or a collective service (a counter)."""

    class Kind(models.TextChoices):
        NETWORK = "network", _("Réseau")
        PARTNER = "partner", _("Service partenaire")
        SERVICE = "service", _("Service collectif")

    class PartnerKind(models.TextChoices):
        CPAS = "cpas", _("CPAS / CCAS")
        MUTUALITY = "mutuality", _("Service social de mutualité")
        ONE = "one", _("ONE / PMI")
        SHELTER = "shelter", _("Maison d'accueil")
        SOCIAL_SERVICE = "social_service", _("Service social")
        OTHER = "other", _("Autre")

    class ServiceKind(models.TextChoices):
        SHOP = "shop", _("Épicerie ou magasin social")
        COOP = "coop", _("Coopérative alimentaire")
        FOOD_AID = "food_aid", _("Point d'aide alimentaire")
        RESTAURANT = "restaurant", _("Restaurant social")
        VESTIAIRE = "vestiaire", _("Vestiaire")
        OTHER = "other", _("Autre")

    class Country(models.TextChoices):
        BELGIUM = "BE", _("Belgique")
        FRANCE = "FR", _("France")

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    partner_kind = models.CharField(
        _("type de partenaire"), max_length=20, choices=PartnerKind.choices, blank=True
    )
    service_kind = models.CharField(
        _("type de service"), max_length=20, choices=ServiceKind.choices, blank=True
    )
    street = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    country = models.CharField(
        _("pays"), max_length=2, choices=Country.choices, default=Country.BELGIUM
    )
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    deactivation_reason = models.CharField(_("motif de désactivation"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_partner_kind_only_for_partners",
                condition=Q(kind="partner", partner_kind__gt="")
                | (~Q(kind="partner") & Q(partner_kind="")),
            ),
            models.CheckConstraint(
                name="organisation_service_kind_only_for_services",
                condition=Q(kind="service", service_kind__gt="")
                | (~Q(kind="service") & Q(service_kind="")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        if self.kind == self.Kind.PARTNER:
            return self.get_partner_kind_display()
        if self.kind == self.Kind.SERVICE:
            return self.get_service_kind_display()
        return self.get_kind_display()


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("Travailleur·euse social·e")
    PARTNER_HEAD = "partner_head", _("Responsable de service partenaire")
    VOLUNTEER = "volunteer", _("Bénévole au comptoir")
    MANAGER = "manager", _("Gestionnaire de service collectif")
    COORDINATOR = "coordinator", _("Coordination du réseau")


# The kind of organisation in which each role can be held.
ROLE_ORGANISATION_KIND: dict[str, str] = {
    Role.SOCIAL_WORKER: Organisation.Kind.PARTNER,
    Role.PARTNER_HEAD: Organisation.Kind.PARTNER,
    Role.VOLUNTEER: Organisation.Kind.SERVICE,
    Role.MANAGER: Organisation.Kind.SERVICE,
    Role.COORDINATOR: Organisation.Kind.NETWORK,
}


class Membership(models.Model):
    """A role held by a user in one organisation. One user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rôle dans une organisation")
        verbose_name_plural = _("rôles dans les organisations")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.organisation.is_active


class Convention(models.Model):
    """Agreement between a partner and one or more collective services."""

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="conventions",
        limit_choices_to={"kind": Organisation.Kind.PARTNER},
        verbose_name=_("service partenaire"),
    )
    services = models.ManyToManyField(
        Organisation,
        related_name="service_conventions",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("services collectifs"),
    )
    reference = models.CharField(_("référence"), max_length=60, unique=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    max_active_passes = models.PositiveIntegerField(_("accès-pass actifs au maximum"))
    max_pass_days = models.PositiveIntegerField(_("validité maximale d'un accès-pass (jours)"))
    # Incremented by each amendment; a pass records the version it was issued under.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    amended_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")
        ordering = ["partner__name", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="convention_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            ),
            models.CheckConstraint(
                name="convention_quota_positive", condition=Q(max_active_passes__gt=0)
            ),
            models.CheckConstraint(
                name="convention_validity_positive", condition=Q(max_pass_days__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def is_in_force_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class UsageRule(models.Model):
    """What a pass issued under a convention allows at one collective service.

    A pass copies the rules of its convention when it is issued or renewed, so
    amending a convention changes only the passes issued after the amendment.
    """

    Kind = RuleKind
    Period = RulePeriod

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="rules")
    service = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    kind = models.CharField(_("règle"), max_length=20, choices=Kind.choices)
    period = models.CharField(_("période"), max_length=12, choices=Period.choices)
    quantity = models.PositiveIntegerField(
        _("nombre par période"),
        null=True,
        blank=True,
        help_text=_("Passages, colis ou tickets permis par période. Vide pour un budget."),
    )
    budget_base_cents = models.PositiveIntegerField(
        _("budget pour une personne (centimes)"), null=True, blank=True
    )
    budget_per_extra_member_cents = models.PositiveIntegerField(
        _("budget par personne en plus (centimes)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("règle d'utilisation")
        verbose_name_plural = _("règles d'utilisation")
        ordering = ["service__name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "service", "kind"], name="usage_rule_one_per_kind"
            ),
            models.CheckConstraint(
                name="usage_rule_budget_or_quantity",
                condition=(
                    Q(kind="budget", budget_base_cents__isnull=False, quantity__isnull=True)
                    | (~Q(kind="budget") & Q(budget_base_cents__isnull=True))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def as_snapshot(self) -> RuleSnapshot:
        """The rule as copied onto a pass."""
        return RuleSnapshot(
            service_id=self.service_id,
            kind=self.kind,
            period=self.period,
            quantity=self.quantity,
            budget_base_cents=self.budget_base_cents,
            budget_per_extra_member_cents=self.budget_per_extra_member_cents,
        )

    def describe(self) -> str:
        return self.as_snapshot().describe()


class AuditEntry(models.Model):
    """Who did what to which record, or viewed which sensitive record, and when.

    Entries are written by `network.audit.audit_record` only and never changed.
    They name records by id, never by personal data.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"


class NetworkSettings(models.Model):
    """What the network's coordinators set for the whole network: one row per network.

    Read through `network.selectors.network_policy_current`, which falls back on the
    defaults below while no coordinator has saved the settings yet.
    """

    REMINDER_DAYS_DEFAULT = 30
    REMINDER_DAYS_MIN, REMINDER_DAYS_MAX = 1, 180
    RETENTION_MONTHS_DEFAULT = 24
    RETENTION_MONTHS_MIN, RETENTION_MONTHS_MAX = 6, 120

    network = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="network_settings",
        limit_choices_to={"kind": Organisation.Kind.NETWORK},
        verbose_name=_("réseau"),
    )
    renewal_reminder_days = models.PositiveSmallIntegerField(
        _("rappel de renouvellement (jours avant la fin)"), default=REMINDER_DAYS_DEFAULT
    )
    retention_months = models.PositiveSmallIntegerField(
        _("conservation d'un dossier sans accès-pass (mois)"), default=RETENTION_MONTHS_DEFAULT
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("réglages du réseau")
        verbose_name_plural = _("réglages du réseau")
        constraints = [
            models.CheckConstraint(
                name="network_settings_reminder_days_range",
                condition=Q(renewal_reminder_days__gte=1) & Q(renewal_reminder_days__lte=180),
            ),
            models.CheckConstraint(
                name="network_settings_retention_months_range",
                condition=Q(retention_months__gte=6) & Q(retention_months__lte=120),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id}: {self.renewal_reminder_days} d, {self.retention_months} m"


class WorkerHeartbeat(models.Model):
    """The last time the Celery worker ran its scheduled heartbeat (one row)."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("signal de vie du worker")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at}"
