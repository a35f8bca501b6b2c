"""What a vestiaire gave: free text lines with a count, after an accepted scan.

A referral voucher says what it covers (« vêtements d'hiver pour 3 personnes »); the
volunteer notes what actually left (« manteau enfant × 2 »). Recorded once per visit,
rewritten the same day if the volunteer corrects it; the audit keeps who and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from counter.models import Visit
from foodaid.models import Handout, HandoutLine
from network.access import Perm, has_perm
from network.audit import audit_record
from network.models import Organisation, User

LINES_MAX = 20
COUNT_MAX = 99
TEXT_MIN = 2


class HandoutRefused(DomainError):
    """A refusal about what a vestiaire gave; `code` says which."""

    code = "handout_refused"


@dataclass(frozen=True)
class HandoutItem:
    text: str
    count: int = 1


def _refuse(
    message: str, *, code: str, field: str | None = None, kind: ErrorKind = ErrorKind.INVALID
) -> NoReturn:
    raise HandoutRefused(message, code=code, field=field, kind=kind)


def _items_clean(items: Sequence[HandoutItem]) -> list[HandoutItem]:
    cleaned = [HandoutItem(" ".join(i.text.split())[:120], i.count) for i in items]
    cleaned = [i for i in cleaned if i.text]
    if not cleaned:
        _refuse(
            _("Notez au moins un article donné, par exemple « manteau enfant »."),
            code="handout_empty",
            field="lines",
        )
    if len(cleaned) > LINES_MAX:
        _refuse(
            _("Au plus %(max)d lignes : regroupez les articles semblables.") % {"max": LINES_MAX},
            code="handout_too_long",
            field="lines",
        )
    for item in cleaned:
        if len(item.text) < TEXT_MIN:
            _refuse(
                _("« %(text)s » : décrivez l'article en quelques lettres.") % {"text": item.text},
                code="handout_text_short",
                field="lines",
            )
        if not 1 <= item.count <= COUNT_MAX:
            _refuse(
                _("%(text)s : indiquez un nombre de 1 à %(max)d.")
                % {"text": item.text, "max": COUNT_MAX},
                code="handout_count_invalid",
                field="lines",
            )
    return cleaned


@transaction.atomic
def handout_record(
    *,
    actor: User,
    service: Organisation,
    visit_id: int,
    items: Sequence[HandoutItem],
    moment: datetime | None = None,
) -> Handout:
    """Note what a vestiaire gave on an accepted visit of today (again the same day: the
    lines are replaced). Refuses `not_allowed`, `not_a_vestiaire`, `not_found`,
    `visit_not_accepted`, `visit_not_today`, `handout_empty`, `handout_too_long`,
    `handout_text_short`, `handout_count_invalid`; nothing is half-saved."""
    moment = moment or timezone.now()
    if not has_perm(actor, Perm.COUNTER_SCAN, service):
        _refuse(
            _("Seuls les bénévoles et gestionnaires de ce service peuvent noter un don ici."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )
    if service.service_kind != Organisation.ServiceKind.VESTIAIRE:
        _refuse(
            _("%(service)s n'est pas un vestiaire.") % {"service": service.name},
            code="not_a_vestiaire",
            kind=ErrorKind.CONFLICT,
        )
    cleaned = _items_clean(items)
    visit = (
        Visit.objects.select_for_update(of=("self",)).filter(pk=visit_id, service=service).first()
    )
    if visit is None:
        _refuse(_("Ce passage n'existe pas ici."), code="not_found", kind=ErrorKind.NOT_FOUND)
    if not visit.accepted or visit.undone_at is not None:
        _refuse(
            _("Un don se note après un passage accepté : scannez à nouveau le bon ou la carte."),
            code="visit_not_accepted",
            kind=ErrorKind.CONFLICT,
        )
    if timezone.localdate(visit.at) != timezone.localdate(moment):
        _refuse(
            _("Ce passage n'est pas d'aujourd'hui : un don se note le jour même."),
            code="visit_not_today",
            kind=ErrorKind.CONFLICT,
        )
    handout, created = Handout.objects.get_or_create(
        visit=visit, defaults={"service": service, "given_by": actor, "at": moment}
    )
    if not created:
        handout.lines.all().delete()
    HandoutLine.objects.bulk_create(
        HandoutLine(handout=handout, text=item.text, count=item.count) for item in cleaned
    )
    audit_record(
        actor=actor,
        action="handout.record" if created else "handout.correct",
        organisation=service,
        target=handout,
        detail={"lines": len(cleaned)},
    )
    return handout


def handout_of_visit(visit: Visit) -> Handout | None:
    return Handout.objects.filter(visit=visit).prefetch_related("lines").first()


def visit_handout_refusal(visit: Visit) -> str | None:
    """Why a visit with a handout may not be undone (the counter asks before undoing)."""
    if Handout.objects.filter(visit=visit).exists():
        return _("Un don a été noté sur ce passage : il ne peut plus être annulé.")
    return None
