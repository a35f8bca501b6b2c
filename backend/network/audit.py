"""The audit trail: one helper that every app calls."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from network.models import AuditEntry, Organisation, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write who did what to which record. `action` is a dotted verb: `pass.issue`.

    `detail` holds ids and codes, never names or notes: the trail must not
    become a second copy of personal data.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_username=user.get_username() if user else "",
        action=action,
        organisation=organisation,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
    )


def audit_view(
    *, actor: User, target: models.Model, organisation: Organisation | None = None
) -> AuditEntry:
    """Record that `actor` read a sensitive record (assessment notes, a household file)."""
    label = target._meta.model_name
    return audit_record(
        actor=actor, action=f"{label}.view", target=target, organisation=organisation
    )


def audit_trail_for(target: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")
