"""API-wide policy: who may call the API at all, and the shape of every error.

Kept apart from the views: DRF imports these while its own views load.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.request import Request
from rest_framework.response import Response

from comptoir.errors import DomainError, ErrorKind
from network.access import refusal_reason
from network.models import User

# How the API answers each kind of domain refusal.
DOMAIN_ERROR_STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
}


class HasActiveMembership(permissions.BasePermission):
    """Authenticated, and holding at least one role in an active organisation."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        reason = refusal_reason(request.user)
        if reason:
            raise exceptions.PermissionDenied(detail=reason, code="no_active_membership")
        return True


def api_user(request: Request) -> User:
    """The caller of an API view: `HasActiveMembership` let only logged-in users through."""
    user = request.user
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    return user


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error answers `{"code": ..., "detail": ...}`."""
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
    from django.http import Http404
    from rest_framework.views import exception_handler as drf_exception_handler

    # Django's own exceptions get DRF's, so that they too carry a `code`.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=DOMAIN_ERROR_STATUS[exc.kind])
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(response.data, dict) and "detail" in response.data:
            response.data = {"code": codes if isinstance(codes, str) else "error", **response.data}
        else:
            response.data = {
                "code": "invalid",
                "detail": _("Certaines valeurs sont invalides."),
                "errors": response.data,
            }
    return response
