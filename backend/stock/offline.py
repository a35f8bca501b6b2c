"""What a tablet handed over offline (a sale, a parcel), recorded when it syncs.

The shop and the food-aid point each say how to record theirs (`shop.offline`,
`foodaid.offline`); what they share lives here: one `OfflineHandout` row per handout,
idempotent by key; the moment checked as a scan's; the scan it followed found by its
key; the record tried in a savepoint, so that a refusal (the shelves no longer hold it,
the scan was a conflict) keeps the row, pending, for the manager, rather than losing
what left the shelves. The manager records it again once the stock is right, or settles
it with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from comptoir.money import plain
from counter.models import Visit
from counter.offline import SyncRefused, offline_moment_checked
from counter.services import idempotency_key_check
from network.audit import audit_record
from network.models import Organisation, User
from stock.models import OfflineHandout, Product
from stock.services.common import reason_clean, refuse, require_service_manage

# Records a handout after `visit`, at `moment`: (its sale or distribution, a sentence
# when it differs from what the tablet showed, else ""). Raises a DomainError when it
# cannot be recorded.
HandoutRecorder = Callable[[OfflineHandout, Visit, datetime], tuple[models.Model, str]]


@dataclass(frozen=True)
class HandoutSent:
    """One handout as the tablet queued it."""

    idempotency_key: str
    visit_key: str
    at: datetime
    lines: list[dict[str, Any]] = field(default_factory=list)
    payment: str = ""
    amount_asked: Decimal | None = None


@dataclass(frozen=True)
class HandoutResult:
    idempotency_key: str
    # "recorded", "differs", "pending" (for the manager), "replayed", or "rejected".
    status: str
    message: str = ""
    handout: OfflineHandout | None = None


def offline_handouts_record(
    *,
    service: Organisation,
    user: User,
    kind: str,
    handouts: list[HandoutSent],
    record: HandoutRecorder,
    now: datetime | None = None,
) -> list[HandoutResult]:
    """Record the handouts a tablet made offline, oldest first, each in its own
    transaction (a sync cut half-way keeps what arrived; sent again, nothing twice).

    Rejected (not kept) only when the key is unusable; otherwise kept: recorded, or
    pending for the manager (one dated more than SYNC_OLDEST_DAYS ago among them).
    """
    now = now or timezone.now()
    results = []
    for sent in sorted(handouts, key=lambda h: h.at):
        try:
            results.append(_handout_record(service, user, kind, sent, record, now))
        except DomainError as refusal:
            results.append(HandoutResult(sent.idempotency_key, "rejected", refusal.message))
    return results


def _handout_record(
    service: Organisation,
    user: User,
    kind: str,
    sent: HandoutSent,
    record: HandoutRecorder,
    now: datetime,
) -> HandoutResult:
    idempotency_key_check(sent.idempotency_key)
    kept = OfflineHandout.objects.filter(service=service, idempotency_key=sent.idempotency_key)
    if (handout := kept.first()) is not None:
        return HandoutResult(sent.idempotency_key, "replayed", handout.problem, handout)
    handout = OfflineHandout(
        service=service,
        kind=kind,
        idempotency_key=sent.idempotency_key,
        visit_key=sent.visit_key[:64],
        visit=Visit.objects.filter(service=service, idempotency_key=sent.visit_key).first(),
        at=sent.at,
        synced_at=now,
        handed_by=user,
        lines=sent.lines,
        payment=sent.payment,
        amount_asked=sent.amount_asked,
    )
    try:
        with transaction.atomic():
            try:
                handout.at = offline_moment_checked(sent.at, now)
            except SyncRefused as too_old:
                # Not recorded in a month that may be reviewed, but kept: goods left.
                handout.status = OfflineHandout.Status.PENDING
                handout.problem = too_old.message[:400]
            else:
                _attempt(handout, record)
            handout.save(force_insert=True)
    except IntegrityError:
        # The same handout arrived meanwhile by another request: its result stands.
        handout = kept.first()
        if handout is None:
            raise
        return HandoutResult(sent.idempotency_key, "replayed", handout.problem, handout)
    return HandoutResult(sent.idempotency_key, handout.status, handout.problem, handout)


def _attempt(handout: OfflineHandout, record: HandoutRecorder) -> None:
    """Record the handout in a savepoint: on a refusal nothing of it is written and the
    row is marked pending with the server's sentence."""
    try:
        with transaction.atomic():
            if handout.visit is None:
                refuse(
                    _("Le scan de ce passage n'est pas arrivé au serveur."),
                    code="visit_missing",
                )
            source, difference = record(handout, handout.visit, handout.at)
    except DomainError as refusal:
        handout.status = OfflineHandout.Status.PENDING
        handout.problem = refusal.message[:400]
        handout.source_type = None
        handout.source_id = None
        return
    handout.status = OfflineHandout.Status.DIFFERS if difference else OfflineHandout.Status.RECORDED
    handout.problem = difference[:400]
    handout.source_type = ContentType.objects.get_for_model(source)
    handout.source_id = source.pk


def _handout_to_settle(service: Organisation, handout_id: int) -> OfflineHandout:
    handout = (
        OfflineHandout.objects.select_for_update()
        .filter(
            pk=handout_id,
            service=service,
            status__in=[OfflineHandout.Status.PENDING, OfflineHandout.Status.DIFFERS],
        )
        .first()
    )
    if handout is None:
        refuse(
            _("Cette remise hors ligne n'attend plus rien ici."),
            code="not_found",
            kind=ErrorKind.NOT_FOUND,
        )
    return handout


@transaction.atomic
def offline_handout_retry(
    *,
    actor: User,
    service: Organisation,
    handout_id: int,
    kind: str,
    record: HandoutRecorder,
) -> OfflineHandout:
    """A manager records a pending handout again, at its real moment (once the stock is
    right, say). Refuses `not_allowed`, `not_found`; when it still cannot be recorded,
    the row stays pending with the new sentence."""
    require_service_manage(actor, service)
    handout = _handout_to_settle(service, handout_id)
    if handout.kind != kind:
        refuse(_("Cette remise hors ligne n'est pas de ce genre."), code="not_found")
    if handout.status != OfflineHandout.Status.PENDING:
        refuse(_("Cette remise est déjà enregistrée."), code="already_recorded")
    # Never into a month that may already be reviewed: past that, it is settled by hand.
    offline_moment_checked(handout.at, timezone.now())
    if handout.visit is None:
        handout.visit = Visit.objects.filter(
            service=service, idempotency_key=handout.visit_key
        ).first()
    _attempt(handout, record)
    handout.save()
    audit_record(
        actor=actor,
        action="offline_handout.retry",
        organisation=service,
        target=handout,
        detail={"status": handout.status},
    )
    return handout


@transaction.atomic
def offline_handout_settle(
    *, actor: User, service: Organisation, handout_id: int, note: str
) -> OfflineHandout:
    """A manager closes a handout that waits: one that cannot be recorded (the stock
    adjusted by hand, say), or one recorded with a difference, seen. With a note.
    Refuses `not_allowed`, `not_found`, `reason_required`."""
    require_service_manage(actor, service)
    handout = _handout_to_settle(service, handout_id)
    handout.settle_note = reason_clean(
        note, _("Dites en quelques mots ce qui a été fait (inventaire ajusté, montant vu…).")
    )
    handout.status = OfflineHandout.Status.SETTLED
    handout.settled_by = actor
    handout.settled_at = timezone.now()
    handout.save(update_fields=["settle_note", "status", "settled_by", "settled_at"])
    audit_record(
        actor=actor,
        action="offline_handout.settle",
        organisation=service,
        target=handout,
        detail={"note": handout.settle_note},
    )
    return handout


@dataclass(frozen=True)
class HandoutWaiting:
    handout: OfflineHandout
    # What the tablet handed over, in words: « 2 × Lait demi-écrémé 1 l, 1 × Riz 1 kg ».
    lines_said: str


def offline_handouts_waiting(service: Organisation) -> list[HandoutWaiting]:
    """What the manager has to look at: handouts not recorded, or recorded differently,
    with what the tablet handed over (two queries)."""
    handouts = list(
        OfflineHandout.objects.filter(
            service=service,
            status__in=[OfflineHandout.Status.PENDING, OfflineHandout.Status.DIFFERS],
        )
        .select_related("handed_by", "visit__access_pass__household")
        .order_by("at", "id")
    )
    ids = {int(line["product"]) for handout in handouts for line in handout.lines}
    names = dict(Product.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [
        HandoutWaiting(
            handout,
            ", ".join(
                f"{plain(Decimal(line['quantity']))} × {names.get(int(line['product']), '?')}"
                for line in handout.lines
            ),
        )
        for handout in handouts
    ]
