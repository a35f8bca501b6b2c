import unicodedata
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from network.models import Convention, Organisation
from network.rules import RuleSnapshot


def name_key(text: str) -> str:
    """A name folded for search and matching: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("-", " ").replace("'", " ").split())


class Sex(models.TextChoices):
    FEMALE = "f", _("Femme")
    MALE = "m", _("Homme")
    OTHER = "x", _("Autre / non précisé")


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
    # The categories EU food-aid reporting counts (see README, "Access passes"): optional,
    # recorded only where the partner chooses to, seen by the partner's staff alone.
    # Household-level counts rather than per-person flags: less identifying, and all that
    # the reporting needs. Empty or NULL means "not recorded", never zero.
    holder_sex = models.CharField(
        _("sexe de la personne de référence"),
        max_length=1,
        choices=Sex.choices,
        blank=True,
        default="",
    )
    persons_with_disability = models.PositiveSmallIntegerField(
        _("personnes en situation de handicap"), null=True, blank=True
    )
    persons_of_foreign_background = models.PositiveSmallIntegerField(
        _("personnes migrantes, d'origine étrangère ou d'une minorité"), null=True, blank=True
    )
    persons_homeless = models.PositiveSmallIntegerField(
        _("personnes sans abri"), null=True, blank=True
    )
    # Folded copies of the names, kept by the services, for search as you type
    # and for spotting the same person registered by another partner.
    last_name_key = models.CharField(max_length=100, editable=False, default="")
    first_name_key = models.CharField(max_length=100, editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the retention period passed without a valid pass: the identity and the
    # notes are gone (see `passes.services.retention`), the counts stay for statistics.
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ménage")
        verbose_name_plural = _("ménages")
        ordering = ["last_name_key", "first_name_key", "id"]
        indexes = [
            models.Index(
                fields=["partner", "last_name_key", "first_name_key", "id"],
                name="household_partner_name",
            ),
            # LIKE 'prefix%' uses these on PostgreSQL whatever the collation.
            models.Index(
                fields=["last_name_key"],
                name="household_last_name_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["first_name_key"],
                name="household_first_name_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["last_name_key", "first_name_key", "birth_year"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="household_birth_year_plausible",
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    # The oldest reference person we expect: an older year is a typing mistake.
    OLDEST_AGE = 110
    # The optional counts of EU food-aid categories, each at most the household's size.
    FOOD_AID_COUNTS = (
        "persons_with_disability",
        "persons_of_foreign_background",
        "persons_homeless",
    )
    # Every field of the EU food-aid categories: partner's pages and API only.
    FOOD_AID_FIELDS = ("holder_sex", *FOOD_AID_COUNTS)

    @classmethod
    def birth_year_bounds(cls, today: date) -> tuple[int, int]:
        return today.year - cls.OLDEST_AGE, today.year

    @property
    def size(self) -> int:
        return 1 + len(self.members.all())

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None


class HouseholdMember(models.Model):
    """Another member of the household, by age band and sex (food-aid reporting needs no more)."""

    # "15 or under" is a cut-off of EU food-aid reporting: no band straddles it.
    class AgeBand(models.TextChoices):
        UNDER_3 = "0-2", _("0 à 2 ans")
        CHILD = "3-15", _("3 à 15 ans")
        YOUTH = "16-24", _("16 à 24 ans")
        ADULT = "25-64", _("25 à 64 ans")
        SENIOR = "65+", _("65 ans et plus")

    Sex = Sex

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    age_band = models.CharField(_("tranche d'âge"), max_length=8, choices=AgeBand.choices)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices)

    class Meta:
        verbose_name = _("membre du ménage")
        verbose_name_plural = _("membres du ménage")
        # Members are written band by band, youngest first: creation order reads well.
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_age_band_display()} {self.get_sex_display()}"


class AssessmentReason(models.Model):
    """A reason category for an assessment, from a list the network keeps (admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label_fr = models.CharField(_("libellé (français)"), max_length=120)
    label_nl = models.CharField(_("libellé (néerlandais)"), max_length=120, blank=True)
    label_en = models.CharField(_("libellé (anglais)"), max_length=120, blank=True)
    is_active = models.BooleanField(_("proposé"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("motif d'enquête sociale")
        verbose_name_plural = _("motifs d'enquête sociale")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "fr")[:2]
        return getattr(self, f"label_{language}", "") or self.label_fr


class Assessment(models.Model):
    """The social assessment behind a pass decision. Its notes stay with the partner."""

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Accordé")
        REFUSED = "refused", _("Refusé")
        REFERRED = "referred", _("Orienté ailleurs")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("date de l'enquête"))
    outcome = models.CharField(_("décision"), max_length=12, choices=Outcome.choices)
    reasons = models.ManyToManyField(AssessmentReason, blank=True, verbose_name=_("motifs"))
    notes = models.TextField(
        _("notes"),
        blank=True,
        help_text=_("Lisibles par l'équipe de votre service seulement ; chaque lecture est notée."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enquête sociale")
        verbose_name_plural = _("enquêtes sociales")
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["household", "-assessed_on", "-id"])]

    def __str__(self) -> str:
        return f"#{self.pk}"


class AccessPass(models.Model):
    """A household's right to use collective services under one convention.

    The printed card carries a signed token naming the pass and its card
    version; replacing the card bumps `card_version`, so the old card is refused.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Actif")
        SUSPENDED = "suspended", _("Suspendu")
        REVOKED = "revoked", _("Révoqué")
        EXPIRED = "expired", _("Expiré")

    # States that hold a place in the convention's quota.
    OPEN_STATUSES = (Status.ACTIVE, Status.SUSPENDED)

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="passes")
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("partenaire")
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, related_name="passes", verbose_name=_("convention")
    )
    services = models.ManyToManyField(
        Organisation, related_name="+", verbose_name=_("services collectifs")
    )
    status = models.CharField(
        _("état"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    valid_from = models.DateField(_("valable du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    card_version = models.PositiveSmallIntegerField(_("version de la carte"), default=1)
    # The convention's usage rules as they were when the pass was issued or renewed.
    rules = models.JSONField(_("règles"), default=list)
    convention_version = models.PositiveIntegerField(default=1)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("accès-pass")
        verbose_name_plural = _("accès-pass")
        ordering = ["-valid_until", "-id"]
        indexes = [
            models.Index(fields=["convention", "status", "valid_until"]),
            models.Index(fields=["partner", "status", "valid_until"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="pass_dates_in_order", condition=Q(valid_until__gte=models.F("valid_from"))
            ),
            models.UniqueConstraint(
                fields=["household", "convention"],
                condition=Q(status__in=["active", "suspended"]),
                name="pass_one_open_per_household_and_convention",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def state_on(self, day: date) -> str:
        """The state a person should read: active, suspended, revoked, expired, or not yet valid."""
        return self.state_of(self.status, self.valid_from, self.valid_until, day)

    @classmethod
    def state_of(cls, status: str, valid_from: date, valid_until: date, day: date) -> str:
        """`state_on` from the row's values (for lists read without building models)."""
        if status == cls.Status.ACTIVE:
            if valid_until < day:
                return cls.Status.EXPIRED
            if valid_from > day:
                return "not_yet_valid"
        return status

    def is_valid_on(self, day: date) -> bool:
        return self.state_on(day) == self.Status.ACTIVE

    def card_refusal(self, card_version: int, day: date) -> str:
        """Why a card of this pass is not good on `day` (a refusal code), or "" when it is.

        Reads the convention's end: select it with the pass where this runs per scan.
        """
        if card_version != self.card_version:
            return "replaced" if card_version < self.card_version else "unknown_pass"
        return self.pass_refusal_of(
            self.status, self.valid_from, self.valid_until, self.convention.ends_on, day
        )

    @classmethod
    def pass_refusal_of(
        cls, status: str, valid_from: date, valid_until: date, convention_ends_on: date, day: date
    ) -> str:
        """Why the pass's current card is not good on `day`, from the row's values."""
        state = cls.state_of(status, valid_from, valid_until, day)
        if state != cls.Status.ACTIVE:
            return str(state)
        if day > convention_ends_on:
            return "convention_ended"
        return ""

    def rule_snapshots(self, service_id: int | None = None) -> list[RuleSnapshot]:
        """The rules copied onto the pass, typed; only one service's when `service_id` is given."""
        rules = [RuleSnapshot.from_json(rule) for rule in self.rules]
        if service_id is None:
            return rules
        return [rule for rule in rules if rule.service_id == service_id]

    def days_left(self, day: date) -> int:
        return (self.valid_until - day).days


class RenewalReminder(models.Model):
    """A renewal reminder sent about a pass for one end date: never two for the same.

    A renewed pass keeps its id and gets a new end date, so it is reminded again,
    once, for the new one.
    """

    access_pass = models.ForeignKey(AccessPass, on_delete=models.CASCADE, related_name="reminders")
    valid_until = models.DateField(_("fin rappelée"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("envoyé le"))

    class Meta:
        verbose_name = _("rappel de renouvellement")
        verbose_name_plural = _("rappels de renouvellement")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["access_pass", "valid_until"], name="renewal_reminder_once_per_end"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.access_pass_id} {self.valid_until}"


class PassCard(models.Model):
    """One printed card of a pass: its version and its short human code."""

    access_pass = models.ForeignKey(AccessPass, on_delete=models.CASCADE, related_name="cards")
    version = models.PositiveSmallIntegerField()
    human_code = models.CharField(max_length=12, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("carte")
        verbose_name_plural = _("cartes")
        ordering = ["access_pass", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["access_pass", "version"], name="card_unique_version")
        ]

    def __str__(self) -> str:
        return f"#{self.access_pass_id} v{self.version}"


class PassEvent(models.Model):
    """One line of a pass's history: who did what, when and why."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Délivré")
        RENEW = "renew", _("Renouvelé")
        SUSPEND = "suspend", _("Suspendu")
        RESUME = "resume", _("Réactivé")
        REVOKE = "revoke", _("Révoqué")
        REPLACE = "replace", _("Carte remplacée")
        EXPIRE = "expire", _("Expiré")

    access_pass = models.ForeignKey(AccessPass, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("motif"), blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("événement d'un accès-pass")
        verbose_name_plural = _("historique des accès-pass")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"#{self.access_pass_id} {self.action}"


class Voucher(models.Model):
    """A single-use signed code for one household at one service, issued by a partner.

    A referral to a vestiaire (« vêtements d'hiver pour 3 personnes », valid some days),
    or a paper meal ticket at a social restaurant (one meal) for a household without a
    card. Its QR holds a signed token naming the voucher only; the counter accepts it
    once (`used_at`), then says when and where it was used.
    """

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("Bon d'orientation")
        MEAL = "meal", _("Ticket-repas")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("ménage")
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.PARTNER},
        verbose_name=_("service partenaire"),
    )
    service = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SERVICE},
        verbose_name=_("service collectif"),
    )
    # What a referral covers, in the social worker's words; empty for a meal ticket.
    covers = models.CharField(_("ce que le bon couvre"), max_length=200, blank=True)
    valid_from = models.DateField(_("valable du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    human_code = models.CharField(max_length=12, unique=True)
    # The meal tickets printed together on one sheet.
    batch = models.UUIDField(null=True, blank=True, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)
    used_service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    revoke_reason = models.CharField(_("motif de l'annulation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("bon")
        verbose_name_plural = _("bons")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["service", "issued_at"], name="voucher_service_idx")]
        constraints = [
            models.CheckConstraint(
                name="voucher_dates_in_order", condition=Q(valid_until__gte=F("valid_from"))
            ),
            models.CheckConstraint(
                name="voucher_used_where",
                condition=Q(used_at__isnull=True, used_service__isnull=True)
                | Q(used_at__isnull=False, used_service__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def refusal(self, service_id: int, day: date) -> str:
        """Why this voucher is not good at `service_id` on `day` (empty: it is)."""
        if self.revoked_at is not None:
            return "voucher_revoked"
        if self.used_at is not None:
            return "voucher_used"
        if self.service_id != service_id:
            return "voucher_other_service"
        if day < self.valid_from:
            return "voucher_not_yet_valid"
        if day > self.valid_until:
            return "voucher_expired"
        return ""

    def state_on(self, day: date) -> str:
        """« used », « revoked », « expired » or « valid », for lists."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if day > self.valid_until:
            return "expired"
        return "valid"
