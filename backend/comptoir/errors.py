"""The domain's refusals: a stable code and a sentence for people, never an HTTP status.

Services raise them; the API's exception handler and the views decide how to
answer (`network.api_policy.DOMAIN_ERROR_STATUS` maps each kind to a status).
"""

from enum import StrEnum

from django.forms import BaseForm


class ErrorKind(StrEnum):
    """What sort of refusal it is, so that every interface can answer it in its own way."""

    # The request cannot be right whatever the state (dates inverted, a missing reason).
    INVALID = "invalid"
    # The request is well formed but the current state refuses it (quota reached, revoked).
    CONFLICT = "conflict"
    # The actor may not do this here.
    FORBIDDEN = "forbidden"
    # The thing named does not exist for this actor.
    NOT_FOUND = "not_found"


class DomainError(Exception):
    """A refusal of the domain, with a stable `code`, a sentence, and the field it concerns."""

    code = "domain_error"
    kind = ErrorKind.CONFLICT

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        kind: ErrorKind | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if kind is not None:
            self.kind = kind


def form_add_refusal(form: BaseForm, refusal: DomainError) -> None:
    """Show a service's refusal next to the field it concerns, or above the form."""
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)
