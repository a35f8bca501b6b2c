from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from network.models import Convention, Membership, NetworkSettings, Organisation


def conventions_for_organisation(*, organisation: Organisation) -> QuerySet[Convention]:
    """Conventions a partner signed, or that open a collective service."""
    return (
        Convention.objects.filter(Q(partner=organisation) | Q(services=organisation))
        .distinct()
        .select_related("partner")
        .prefetch_related("services")
        .order_by("-ends_on")
    )


def conventions_in_force(*, today: date) -> QuerySet[Convention]:
    return (
        Convention.objects.filter(starts_on__lte=today, ends_on__gte=today)
        .select_related("partner")
        .prefetch_related("services")
        .order_by("partner__name", "reference")
    )


def staff_for_organisation(
    *, organisation: Organisation, roles: list[str] | None = None
) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(organisation=organisation, is_active=True)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.select_related("user").order_by("role", "user__last_name")


def organisations_overview() -> QuerySet[Organisation]:
    """Partners and services with their counts of active staff, for the coordination."""
    return (
        Organisation.objects.exclude(kind=Organisation.Kind.NETWORK)
        .annotate(
            staff_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True)
        )
        .order_by("kind", "name")
    )


# --- the network's settings -----------------------------------------------------------


@dataclass(frozen=True)
class NetworkPolicy:
    """The network's settings as the jobs and pages of the apps above read them."""

    renewal_reminder_days: int
    retention_months: int


def network_current() -> Organisation | None:
    """The network this deployment serves.

    Partners and collective services are not linked to a network organisation: one
    deployment serves one network, whose coordinators act on every organisation
    (`NETWORK_WIDE_ROLES`). Should several network organisations exist, the oldest
    active one holds the settings.
    """
    return (
        Organisation.objects.filter(kind=Organisation.Kind.NETWORK)
        .order_by("-is_active", "pk")
        .first()
    )


def network_settings_get(*, network: Organisation | None) -> NetworkSettings:
    """The saved settings of `network`, or an unsaved row holding the defaults."""
    if network is None:
        return NetworkSettings()
    return NetworkSettings.objects.filter(network=network).first() or NetworkSettings(
        network=network
    )


def network_policy_current() -> NetworkPolicy:
    """The settings in force for the deployment's network (the defaults until saved)."""
    row = network_settings_get(network=network_current())
    return NetworkPolicy(
        renewal_reminder_days=row.renewal_reminder_days, retention_months=row.retention_months
    )
