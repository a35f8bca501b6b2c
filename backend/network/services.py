"""What changes state in the network app: roles, languages, the worker's heartbeat."""

import socket
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network.audit import audit_record
from network.models import (
    ROLE_ORGANISATION_KIND,
    Membership,
    Organisation,
    User,
    WorkerHeartbeat,
)


class DomainError(Exception):
    """A refusal of the domain, with a stable `code` and a sentence for people."""

    code = "domain_error"
    status = 409

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class RoleNotAllowedHere(DomainError):
    code = "role_not_allowed_here"
    status = 400


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
