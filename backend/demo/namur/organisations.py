"""The demo's organisations, conventions, logins and appointments, through the world-builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from comptoir.errors import DomainError
from demo.namur.data import (
    CONVENTIONS,
    DEMO_PASSWORD,
    EXTRA_RULES,
    NETWORK,
    PARTNER_ACTORS,
    PARTNERS,
    SERVICE_RULES,
    SERVICES,
    USERS,
)
from demo.world import (
    convention_make,
    opening_rule_make,
    organisation_make,
    usage_rule_make,
    user_make,
)
from network.models import Convention, Organisation, User
from passes.models import AccessPass
from schedules.models import Appointment
from schedules.selectors import next_opening_sessions
from schedules.services import appointment_book


@dataclass
class DemoNetwork:
    """What the later steps of the load need: the rows by slug, reference or username."""

    today: date
    orgs: dict[str, Organisation] = field(default_factory=dict)
    # By partner slug: this year's convention; by "<slug>:previous", last year's.
    conventions: dict[str, Convention] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def actor_for(self, partner_slug: str) -> User:
        return self.users[PARTNER_ACTORS[partner_slug]]


def network_load(today: date) -> DemoNetwork:
    """The organisations with their sessions, the conventions with their rules, the logins."""
    demo = DemoNetwork(today=today)
    network = organisation_make(
        kind=Organisation.Kind.NETWORK, slug=NETWORK.slug, name=NETWORK.name, **NETWORK.fields()
    )
    demo.orgs[network.slug] = network
    for spec in SERVICES:
        new = not Organisation.objects.filter(slug=spec.slug).exists()
        service = organisation_make(
            kind=Organisation.Kind.SERVICE, slug=spec.slug, name=spec.name, **spec.fields()
        )
        demo.orgs[service.slug] = service
        # The real sessions only with a new service: a manager may have changed them since.
        for session in spec.sessions if new else ():
            opening_rule_make(
                service=service,
                recurrence=session.recurrence,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                by_appointment=session.by_appointment,
                slot_minutes=20,
                slot_capacity=2,
                closes_on_public_holidays=session.closes_on_public_holidays,
            )
    for spec in PARTNERS:
        partner = organisation_make(
            kind=Organisation.Kind.PARTNER, slug=spec.slug, name=spec.name, **spec.fields()
        )
        demo.orgs[partner.slug] = partner
    conventions_load(demo)
    for username, first, last, roles, superuser in USERS:
        demo.users[username] = user_make(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            superuser=superuser,
            roles=[(demo.orgs[slug], role) for slug, role in roles],
        )
    return demo


def conventions_load(demo: DemoNetwork) -> None:
    """This year's conventions, and last year's for the CPAS: its ended passes show an
    expiry and a renewal under the next year's convention."""
    year = demo.today.year
    for suffix, partner_slug, service_slugs, quota, max_days in CONVENTIONS:
        services = [demo.orgs[slug] for slug in service_slugs]
        for convention_year in (year - 1, year) if suffix == "CPAS" else (year,):
            convention = convention_make(
                partner=demo.orgs[partner_slug],
                services=services,
                reference=f"CONV-{convention_year}-{suffix}",
                starts_on=date(convention_year, 1, 1),
                ends_on=date(convention_year, 12, 31),
                max_active_passes=quota,
                max_pass_days=max_days,
            )
            for service in convention.services.all():
                rules = SERVICE_RULES.get(service.slug, []) + EXTRA_RULES.get(
                    (suffix, service.slug), []
                )
                for rule in rules:
                    usage_rule_make(convention=convention, service=service, rule=rule)
            key = partner_slug if convention_year == year else f"{partner_slug}:previous"
            demo.conventions[key] = convention


def appointments_load(demo: DemoNetwork) -> None:
    """Two households booked into the next appointment session of La Cigogne."""
    service = demo.orgs["la-cigogne"]
    now = timezone.now()
    if Appointment.objects.filter(service=service, starts_at__gt=now).exists():
        return
    sessions = next_opening_sessions(service=service, now=now, count=10)
    session = next((s for s in sessions if s.by_appointment and s.starts > now), None)
    if session is None:
        return
    candidates = AccessPass.objects.filter(
        status=AccessPass.Status.ACTIVE,
        valid_from__lte=session.starts.date(),
        valid_until__gte=session.starts.date(),
        services=service,
        partner__slug="cpas-namur",
    ).select_related("household")
    for access_pass in candidates.order_by("pk")[:2]:
        try:
            appointment_book(
                user=demo.actor_for("cpas-namur"),
                household=access_pass.household,
                service=service,
                starts_at=session.starts,
            )
        except DomainError as refusal:
            demo.notes.append(f"appointment not booked: {refusal.code}")
