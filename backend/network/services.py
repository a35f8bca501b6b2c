"""What changes state in the network app: roles, languages, the worker's heartbeat."""

import socket
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from network.audit import audit_record
from network.models import (
    ROLE_ORGANISATION_KIND,
    Convention,
    Membership,
    NetworkSettings,
    Organisation,
    UsageRule,
    User,
    WorkerHeartbeat,
)


class RoleNotAllowedHere(DomainError):
    code = "role_not_allowed_here"
    kind = ErrorKind.INVALID


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, organisation: Organisation, role: str
) -> Membership:
    """Give `user` the `role` in `organisation` (or re-activate it). Idempotent.

    Raises `RoleNotAllowedHere` when the role does not fit the kind of organisation.
    """
    if ROLE_ORGANISATION_KIND[role] != organisation.kind:
        raise RoleNotAllowedHere(
            _("Le rôle « %(role)s » ne peut pas être tenu dans « %(org)s ».")
            % {"role": Membership(role=role).get_role_display(), "org": organisation.name},
            field="role",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        created = True
    if created:
        audit_record(
            actor=actor,
            action="membership.grant",
            target=membership,
            organisation=organisation,
            detail={"user_id": user.pk, "role": role},
        )
    return membership


def user_set_language(*, user: User, language: str) -> None:
    """Remember the user's interface language. Raises ValidationError for an unknown one."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Langue inconnue."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def worker_heartbeat_record(*, now: datetime | None = None) -> WorkerHeartbeat:
    """Note that the worker and its schedule are alive (shown by /healthz)."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        name="worker",
        defaults={"seen_at": now or timezone.now(), "hostname": socket.gethostname()},
    )
    return heartbeat


# --- conventions --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleData:
    service_id: int
    kind: str
    period: str
    quantity: int | None = None
    budget_base_cents: int | None = None
    budget_per_extra_member_cents: int | None = None


class ConventionRefused(DomainError):
    code = "convention_refused"
    kind = ErrorKind.INVALID


def _check_rules(rules: list[RuleData], service_ids: set[int]) -> None:
    seen: set[tuple[int, str]] = set()
    for rule in rules:
        if rule.service_id not in service_ids:
            raise ConventionRefused(
                _("Une règle porte sur un service que la convention n'ouvre pas."),
                field="rules",
                code="rule_service_not_in_convention",
            )
        if (rule.service_id, rule.kind) in seen:
            raise ConventionRefused(
                _("Deux règles du même type pour le même service : gardez-en une seule."),
                field="rules",
                code="rule_duplicate",
            )
        seen.add((rule.service_id, rule.kind))
        if rule.kind == UsageRule.Kind.BUDGET:
            if not rule.budget_base_cents:
                raise ConventionRefused(
                    _("Un budget doit indiquer un montant pour une personne."),
                    field="rules",
                    code="rule_budget_missing",
                )
        elif not rule.quantity:
            raise ConventionRefused(
                _("Indiquez combien de passages, colis ou tickets la règle permet par période."),
                field="rules",
                code="rule_quantity_missing",
            )


def _rules_replace(convention: Convention, rules: list[RuleData], service_ids: set[int]) -> None:
    convention.rules.filter(service_id__in=service_ids).delete()
    UsageRule.objects.bulk_create(
        UsageRule(
            convention=convention,
            service_id=r.service_id,
            kind=r.kind,
            period=r.period,
            quantity=None if r.kind == UsageRule.Kind.BUDGET else r.quantity,
            budget_base_cents=r.budget_base_cents if r.kind == UsageRule.Kind.BUDGET else None,
            budget_per_extra_member_cents=(
                r.budget_per_extra_member_cents if r.kind == UsageRule.Kind.BUDGET else None
            ),
        )
        for r in rules
    )


# Sensible bounds that catch a mistyped year (2062 for 2026) before it does harm.
CONVENTION_MAX_YEARS = 5
PASS_MAX_DAYS = 731


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def convention_save(
    *,
    actor: User,
    convention: Convention | None,
    fields: dict[str, Any],
    services: list[Organisation],
    rules: list[RuleData],
) -> Convention:
    """Create a convention, or amend one (its version goes up by one).

    Passes already issued keep the rules they were issued under until they are
    renewed. Locks the convention while amending. Refuses with `dates_inverted`,
    `convention_too_long`, `pass_validity_too_long`, `no_service`, and the rule codes
    of `_check_rules`.
    """
    if fields["ends_on"] < fields["starts_on"]:
        raise ConventionRefused(
            _("La fin de la convention est avant son début : inversez les dates."),
            field="ends_on",
            code="dates_inverted",
        )
    if fields["ends_on"] > _years_after(fields["starts_on"], CONVENTION_MAX_YEARS):
        raise ConventionRefused(
            _(
                "Une convention dure %(years)s ans au plus : vérifiez l'année de fin, ou "
                "enregistrez un avenant à son terme."
            )
            % {"years": CONVENTION_MAX_YEARS},
            field="ends_on",
            code="convention_too_long",
            kind=ErrorKind.INVALID,
        )
    if fields.get("max_pass_days", 1) > PASS_MAX_DAYS:
        raise ConventionRefused(
            _(
                "Un accès-pass est valable %(days)s jours au plus (deux ans) : une nouvelle "
                "enquête sociale s'impose ensuite."
            )
            % {"days": PASS_MAX_DAYS},
            field="max_pass_days",
            code="pass_validity_too_long",
            kind=ErrorKind.INVALID,
        )
    if not services:
        raise ConventionRefused(
            _("Une convention ouvre au moins un service collectif."),
            field="services",
            code="no_service",
        )
    service_ids = {s.pk for s in services}
    _check_rules(rules, service_ids)
    if convention is None:
        convention = Convention.objects.create(**fields)
        action = "convention.create"
    else:
        convention = Convention.objects.select_for_update().get(pk=convention.pk)
        for name, value in fields.items():
            setattr(convention, name, value)
        convention.version += 1
        convention.amended_at = timezone.now()
        convention.save()
        convention.rules.exclude(service_id__in=service_ids).delete()
        action = "convention.amend"
    convention.services.set(services)
    _rules_replace(convention, rules, service_ids)
    audit_record(
        actor=actor,
        action=action,
        target=convention,
        organisation=convention.partner,
        detail={"version": convention.version, "rules": len(rules)},
    )
    return convention


@transaction.atomic
def convention_rules_amend(
    *, actor: User, convention: Convention, service: Organisation, rules: list[RuleData]
) -> Convention:
    """A collective service's manager changes the rules for their own service only."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if not convention.services.filter(pk=service.pk).exists():
        raise ConventionRefused(
            _("Cette convention n'ouvre pas votre service."),
            field="rules",
            code="rule_service_not_in_convention",
        )
    _check_rules(rules, {service.pk})
    _rules_replace(convention, rules, {service.pk})
    convention.version += 1
    convention.amended_at = timezone.now()
    convention.save(update_fields=["version", "amended_at"])
    audit_record(
        actor=actor,
        action="convention.amend_rules",
        target=convention,
        organisation=service,
        detail={"version": convention.version, "service_id": service.pk, "rules": len(rules)},
    )
    return convention


@transaction.atomic
def partner_register(*, actor: User, fields: dict[str, Any]) -> Organisation:
    """Record a partner social service of the network (the coordination does it)."""
    from django.utils.text import slugify

    base = slugify(fields["name"])[:70] or "partenaire"
    slug, suffix = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    partner = Organisation.objects.create(kind=Organisation.Kind.PARTNER, slug=slug, **fields)
    audit_record(actor=actor, action="partner.register", target=partner, organisation=partner)
    return partner


# --- the network's settings -----------------------------------------------------------


class NetworkSettingsRefused(DomainError):
    code = "network_settings_refused"
    kind = ErrorKind.INVALID


def _settings_value_check(value: int, *, low: int, high: int, field: str, code: str) -> None:
    sentences = {
        "renewal_reminder_days": _(
            "Le rappel de renouvellement se donne de %(low)s à %(high)s jours avant la fin de "
            "l'accès-pass : %(value)s n'est pas possible."
        ),
        "retention_months": _(
            "Un dossier sans accès-pass se garde de %(low)s à %(high)s mois avant d'être "
            "anonymisé : %(value)s n'est pas possible."
        ),
    }
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NetworkSettingsRefused(
            sentences[field] % {"low": low, "high": high, "value": value}, field=field, code=code
        )


@transaction.atomic
def network_settings_update(
    *,
    actor: User,
    network: Organisation,
    renewal_reminder_days: int | None = None,
    retention_months: int | None = None,
) -> NetworkSettings:
    """Change the network's renewal reminder period (days) and retention period (months).

    A value left out keeps its current one. Locks the network's settings row (made
    with the defaults the first time). Idempotent: the same values again change
    nothing and write no audit entry. Refuses, changing nothing, with
    `reminder_days_out_of_range` (outside 1..180), `retention_months_out_of_range`
    (outside 6..120) or `not_a_network`.
    """
    if network.kind != Organisation.Kind.NETWORK:
        raise NetworkSettingsRefused(
            _("Ces réglages sont ceux du réseau : « %(name)s » n'est pas un réseau.")
            % {"name": network.name},
            code="not_a_network",
        )
    if renewal_reminder_days is not None:
        _settings_value_check(
            renewal_reminder_days,
            low=NetworkSettings.REMINDER_DAYS_MIN,
            high=NetworkSettings.REMINDER_DAYS_MAX,
            field="renewal_reminder_days",
            code="reminder_days_out_of_range",
        )
    if retention_months is not None:
        _settings_value_check(
            retention_months,
            low=NetworkSettings.RETENTION_MONTHS_MIN,
            high=NetworkSettings.RETENTION_MONTHS_MAX,
            field="retention_months",
            code="retention_months_out_of_range",
        )
    if renewal_reminder_days is None and retention_months is None:
        return NetworkSettings.objects.filter(network=network).first() or NetworkSettings(
            network=network
        )
    NetworkSettings.objects.get_or_create(network=network)
    row = NetworkSettings.objects.select_for_update().get(network=network)
    before = {
        "renewal_reminder_days": row.renewal_reminder_days,
        "retention_months": row.retention_months,
    }
    if renewal_reminder_days is not None:
        row.renewal_reminder_days = renewal_reminder_days
    if retention_months is not None:
        row.retention_months = retention_months
    after = {
        "renewal_reminder_days": row.renewal_reminder_days,
        "retention_months": row.retention_months,
    }
    if after == before:
        return row
    row.updated_by = actor
    row.save()
    audit_record(
        actor=actor,
        action="network.settings_update",
        target=row,
        organisation=network,
        detail={"before": before, "after": after},
    )
    return row
