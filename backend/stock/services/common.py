"""What every stock service shares: its refusal, and the checks on quantities and actors."""

from __future__ import annotations

from decimal import Decimal
from typing import NoReturn

from django.utils import formats
from django.utils.translation import gettext as _

from comptoir.errors import DomainError, ErrorKind
from comptoir.money import plain
from network.access import Perm, has_perm
from network.models import Organisation, User

# More than any shelf holds: a larger number is a typing slip (a barcode in the field).
QUANTITY_MAX = Decimal(100_000)
# The shortest reason that says something ("vol", "casse").
REASON_MIN_LENGTH = 3


class StockRefused(DomainError):
    """A refusal about goods: the catalogue, the stock, or what draws on it (a basket, a
    sale, a parcel); `code` says which."""

    code = "stock_refused"


def refuse(
    message: str, *, code: str, field: str | None = None, kind: ErrorKind = ErrorKind.CONFLICT
) -> NoReturn:
    raise StockRefused(message, code=code, field=field, kind=kind)


def require_service_manage(user: User, service: Organisation) -> None:
    if service.kind != Organisation.Kind.SERVICE or not has_perm(
        user, Perm.SERVICE_MANAGE, service
    ):
        refuse(
            _("Seul un gestionnaire de ce service peut changer son stock et ses prix."),
            code="not_allowed",
            kind=ErrorKind.FORBIDDEN,
        )


def quantity_check(quantity: Decimal, *, field: str = "quantity") -> None:
    """A quantity is above zero and plausible (refuses `quantity_invalid`)."""
    if not Decimal(0) < quantity <= QUANTITY_MAX:
        refuse(
            _("Indiquez une quantité plus grande que zéro et au plus %(max)s.")
            % {"max": formats.number_format(QUANTITY_MAX, force_grouping=True)},
            code="quantity_invalid",
            field=field,
            kind=ErrorKind.INVALID,
        )


def quantity_format(quantity: Decimal) -> str:
    """10, 2,5 or 0,125: no trailing zeros (and no 1E+1), in the active language."""
    return formats.number_format(plain(quantity))


def reason_clean(reason: str, message: str) -> str:
    """A reason stripped and long enough to say something, else `reason_required`."""
    reason = (reason or "").strip()[:200]
    if len(reason) < REASON_MIN_LENGTH:
        refuse(message, code="reason_required", field="reason", kind=ErrorKind.INVALID)
    return reason
