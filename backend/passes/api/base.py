"""What the passes API views share: their base, permission checks, error shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination

from network.access import Perm, has_perm, has_perm_anywhere, organisations_with_perm
from network.api import UserLanguageApiView
from network.models import Organisation, User
from passes.serializers import (
    ErrorSerializer,
)
from passes.services import (
    MemberData,
)

HOUSEHOLDS = ["households"]
PASSES = ["passes"]

# The errors each kind of operation may answer, for the schema.
READ_ERRORS = {403: ErrorSerializer, 404: ErrorSerializer}
LIST_ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


class PassesPagination(PageNumberPagination):
    page_size = 25


class PassesApiView(UserLanguageApiView):
    """Base of the passes API (see `UserLanguageApiView`)."""


def _require_anywhere(user: User, perm: Perm) -> None:
    """Collections answer 403 to people whose role never deals with households."""
    if not has_perm_anywhere(user, perm):
        raise exceptions.PermissionDenied()


def _require(user: User, perm: Perm, organisation_id: int) -> None:
    """A change to an object the user can see but may not change answers 403."""
    if not has_perm(user, perm, organisation_id):
        raise exceptions.PermissionDenied()


def _members(raw: list[dict[str, Any]] | None) -> list[MemberData] | None:
    if raw is None:
        return None
    return [MemberData(age_band=m["age_band"], sex=m["sex"]) for m in raw]


def _only_partner(user: User) -> Organisation:
    """The partner a new household belongs to when the caller did not name one."""
    allowed = organisations_with_perm(user, Perm.HOUSEHOLD_MANAGE)
    partners = list(allowed.filter(kind=Organisation.Kind.PARTNER)[:2])
    if len(partners) != 1:
        raise exceptions.ValidationError(
            {"partner": [serializers.Field.default_error_messages["required"]]}
        )
    return partners[0]
