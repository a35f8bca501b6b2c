"""A pass's life after issue: suspend, resume, revoke, replace its card, expire."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from network.audit import audit_record
from network.models import User
from passes.models import AccessPass, PassCard, PassEvent
from passes.services.checks import reason_check, refuse
from passes.tokens import human_code_new


def locked(access_pass: AccessPass) -> AccessPass:
    return AccessPass.objects.select_for_update().get(pk=access_pass.pk)


def pass_event(
    access_pass: AccessPass, action: str, actor: User | None, reason: str = "", **detail: Any
) -> None:
    """One line of the pass's history, and the same in the audit trail."""
    PassEvent.objects.create(
        access_pass=access_pass, action=action, actor=actor, reason=reason, detail=detail
    )
    audit_record(
        actor=actor,
        action=f"pass.{action}",
        target=access_pass,
        organisation=access_pass.partner,
        detail={k: str(v) for k, v in detail.items()},
    )


def card_new(access_pass: AccessPass, version: int) -> PassCard:
    # Nine characters from 32: a clash is rare, and the unique index catches it.
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return PassCard.objects.create(
                    access_pass=access_pass, version=version, human_code=human_code_new()
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique human code")


def card_next(access_pass: AccessPass) -> PassCard:
    """Retire the pass's cards and draw the next version (the caller saves the pass)."""
    access_pass.cards.filter(retired_at__isnull=True).update(retired_at=timezone.now())
    access_pass.card_version += 1
    return card_new(access_pass, access_pass.card_version)


def expire_due(queryset: QuerySet[AccessPass], today: date) -> int:
    """Mark passes whose end has passed as expired (a conditional update, safe to repeat)."""
    # Locked, so that a concurrent run waits and then writes no second history line.
    due = list(
        queryset.select_for_update()
        .filter(status=AccessPass.Status.ACTIVE, valid_until__lt=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = AccessPass.objects.filter(pk__in=due, status=AccessPass.Status.ACTIVE).update(
        status=AccessPass.Status.EXPIRED, updated_at=timezone.now()
    )
    PassEvent.objects.bulk_create(
        PassEvent(access_pass_id=pk, action=PassEvent.Action.EXPIRE) for pk in due
    )
    return changed


def passes_expire_due(*, today: date | None = None) -> int:
    """Expire every pass whose validity ended before `today`. Idempotent; returns the count."""
    today = today or timezone.localdate()
    with transaction.atomic():
        return expire_due(AccessPass.objects.all(), today)


def _state_change(
    *,
    actor: User,
    access_pass: AccessPass,
    reason: str,
    allowed_from: tuple[str, ...],
    new_status: str,
    action: str,
    refusal: str,
    refusal_code: str,
) -> AccessPass:
    reason = reason_check(reason)
    access_pass = locked(access_pass)
    if access_pass.status not in allowed_from:
        refuse(refusal, code=refusal_code)
    old_status = access_pass.status
    access_pass.status = new_status
    access_pass.save(update_fields=["status", "updated_at"])
    pass_event(access_pass, action, actor, reason, previous_status=old_status)
    return access_pass


@transaction.atomic
def pass_suspend(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """Suspend an active pass: its card is refused until it is resumed. Locks the pass."""
    return _state_change(
        actor=actor,
        access_pass=access_pass,
        reason=reason,
        allowed_from=(AccessPass.Status.ACTIVE,),
        new_status=AccessPass.Status.SUSPENDED,
        action=PassEvent.Action.SUSPEND,
        refusal=_("Seul un accès-pass actif peut être suspendu."),
        refusal_code="not_active",
    )


@transaction.atomic
def pass_resume(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """Lift a suspension. Locks the pass."""
    return _state_change(
        actor=actor,
        access_pass=access_pass,
        reason=reason,
        allowed_from=(AccessPass.Status.SUSPENDED,),
        new_status=AccessPass.Status.ACTIVE,
        action=PassEvent.Action.RESUME,
        refusal=_("Seul un accès-pass suspendu peut être réactivé."),
        refusal_code="not_suspended",
    )


@transaction.atomic
def pass_revoke(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """End a pass for good: its card is refused and it frees its place in the quota."""
    return _state_change(
        actor=actor,
        access_pass=access_pass,
        reason=reason,
        allowed_from=AccessPass.OPEN_STATUSES,
        new_status=AccessPass.Status.REVOKED,
        action=PassEvent.Action.REVOKE,
        refusal=_("Cet accès-pass est déjà terminé (révoqué ou expiré)."),
        refusal_code="not_open",
    )


@transaction.atomic
def pass_replace(*, actor: User, access_pass: AccessPass, reason: str) -> AccessPass:
    """A new card for a lost or stolen one: the old card is refused from now on.

    Same pass, same rules and dates; the card version and the human code change.
    Locks the pass, so two replacements in a row give two distinct versions.
    """
    reason = reason_check(reason)
    access_pass = locked(access_pass)
    if access_pass.status not in AccessPass.OPEN_STATUSES:
        refuse(
            _("La carte d'un accès-pass terminé ne peut pas être remplacée : renouvelez-le."),
            code="not_open",
        )
    old_version = access_pass.card_version
    card_next(access_pass)
    access_pass.save(update_fields=["card_version", "updated_at"])
    pass_event(
        access_pass,
        PassEvent.Action.REPLACE,
        actor,
        reason,
        previous_card_version=old_version,
        card_version=access_pass.card_version,
    )
    return access_pass
