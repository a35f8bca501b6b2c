"""Who may do what, where: the one place for object-level permission checks.

A role is held in an organisation (a `Membership`). Views, the API and tasks
all ask these functions; none of them decides access on its own. An object of
an organisation the user may not see is answered with 404 by the callers, so
its existence does not leak.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeGuard, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.middleware import HtmxDetails

from network.models import Membership, Organisation, Role, User


class Perm(StrEnum):
    ORGANISATION_VIEW = "organisation.view"
    CONVENTION_VIEW = "convention.view"
    CONVENTION_MANAGE = "convention.manage"
    STAFF_VIEW = "staff.view"
    HOUSEHOLD_VIEW = "household.view"
    HOUSEHOLD_MANAGE = "household.manage"
    PASS_MANAGE = "pass.manage"  # noqa: S105  (a permission name, not a password)
    COUNTER_SCAN = "counter.scan"
    SERVICE_MANAGE = "service.manage"
    STATISTICS_VIEW = "statistics.view"
    NETWORK_SETTINGS_MANAGE = "network.settings"


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.SOCIAL_WORKER: frozenset(
        {
            Perm.ORGANISATION_VIEW,
            Perm.CONVENTION_VIEW,
            Perm.HOUSEHOLD_VIEW,
            Perm.HOUSEHOLD_MANAGE,
            Perm.PASS_MANAGE,
        }
    ),
    Role.PARTNER_HEAD: frozenset(
        {
            Perm.ORGANISATION_VIEW,
            Perm.CONVENTION_VIEW,
            Perm.STAFF_VIEW,
            Perm.HOUSEHOLD_VIEW,
            Perm.HOUSEHOLD_MANAGE,
            Perm.PASS_MANAGE,
            Perm.STATISTICS_VIEW,
        }
    ),
    Role.VOLUNTEER: frozenset({Perm.ORGANISATION_VIEW, Perm.COUNTER_SCAN}),
    Role.MANAGER: frozenset(
        {
            Perm.ORGANISATION_VIEW,
            Perm.CONVENTION_VIEW,
            Perm.STAFF_VIEW,
            Perm.COUNTER_SCAN,
            Perm.SERVICE_MANAGE,
            Perm.STATISTICS_VIEW,
        }
    ),
    # Coordinators act across the whole network, never on households.
    Role.COORDINATOR: frozenset(
        {
            Perm.ORGANISATION_VIEW,
            Perm.CONVENTION_VIEW,
            Perm.CONVENTION_MANAGE,
            Perm.STAFF_VIEW,
            Perm.STATISTICS_VIEW,
            Perm.NETWORK_SETTINGS_MANAGE,
        }
    ),
}

# Roles whose permissions reach every organisation, not only their own.
NETWORK_WIDE_ROLES = frozenset({Role.COORDINATOR})


class HtmxRequest(HttpRequest):
    """Any request: django-htmx's middleware tells whether htmx sent it."""

    htmx: HtmxDetails


class AuthenticatedRequest(HtmxRequest):
    """A request of a logged-in user (behind `login_required` or `role_required`)."""

    user: User


class MemberRequest(AuthenticatedRequest):
    """A request that passed `role_required`: a logged-in user acting in one membership."""

    membership: Membership


def _logged_in(request: HttpRequest) -> TypeGuard[AuthenticatedRequest]:
    return request.user.is_authenticated


P = ParamSpec("P")


def usable_memberships(user: User | AnonymousUser) -> QuerySet[Membership]:
    """Memberships that let the user act: active, in an active organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(
        user=user, is_active=True, organisation__is_active=True
    ).select_related("organisation")


_MEMBERSHIPS_ATTR = "_comptoir_memberships"


def user_memberships(user: User | AnonymousUser) -> list[Membership]:
    """The usable memberships, read once per request (kept on the user object)."""
    memberships = getattr(user, _MEMBERSHIPS_ATTR, None)
    if memberships is None:
        memberships = list(usable_memberships(user))
        if getattr(user, "is_authenticated", False):
            setattr(user, _MEMBERSHIPS_ATTR, memberships)
    return memberships


def user_memberships_preload(user: User, memberships: list[Membership]) -> None:
    """Give `user` its usable memberships, read earlier (the device tokens' cache)."""
    setattr(user, _MEMBERSHIPS_ATTR, memberships)


def _memberships_with(user: User, perm: Perm) -> list[Membership]:
    return [m for m in user_memberships(user) if perm in ROLE_PERMS[m.role]]


def has_perm(user: User, perm: Perm, organisation: Organisation | int | None) -> bool:
    """May `user` do `perm` in `organisation`?"""
    org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
    for membership in _memberships_with(user, perm):
        if membership.role in NETWORK_WIDE_ROLES or membership.organisation_id == org_id:
            return True
    return False


def has_perm_anywhere(user: User, perm: Perm) -> bool:
    return bool(_memberships_with(user, perm))


def organisations_with_perm(user: User, perm: Perm) -> QuerySet[Organisation]:
    """The organisations in which `user` may do `perm` (scopes lists and lookups)."""
    memberships = _memberships_with(user, perm)
    if any(m.role in NETWORK_WIDE_ROLES for m in memberships):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=[m.organisation_id for m in memberships])


def scope_q(user: User, perm: Perm, *fields: str) -> Q:
    """A filter keeping rows whose organisation (through any of `fields`) is allowed."""
    memberships = _memberships_with(user, perm)
    if any(m.role in NETWORK_WIDE_ROLES for m in memberships):
        return Q()
    org_ids = [m.organisation_id for m in memberships]
    query = Q(pk__in=[])
    for field in fields:
        query |= Q(**{f"{field}__in": org_ids})
    return query


def refusal_reason(user: User) -> str | None:
    """Why an authenticated user cannot act at all, in their language; None if they can."""
    if user_memberships(user):
        return None
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    inactive_orgs = sorted(
        {m.organisation.name for m in memberships if m.is_active and not m.organisation.is_active}
    )
    if inactive_orgs:
        return _(
            "Votre organisation « %(name)s » est désactivée : vous ne pouvez plus agir en "
            "son nom. Adressez-vous à la coordination du réseau."
        ) % {"name": ", ".join(inactive_orgs)}
    if memberships.exists():
        return _(
            "Votre rôle a été retiré. Adressez-vous au responsable de votre organisation "
            "si c'est une erreur."
        )
    return _(
        "Votre compte n'a encore aucun rôle dans une organisation. Demandez au responsable "
        "de votre service ou à la coordination du réseau de vous en attribuer un."
    )


def counter_session_membership(request: HttpRequest) -> Membership | None:
    """The volunteer membership this session was opened for, if it is a counter's session.

    A tablet at a counter is shared and stays logged in for a whole shift: a
    session opened as a volunteer opens that counter and nothing else, even for
    someone who also holds a desk role (they log out and in again for that).
    """
    chosen = request.session.get("membership_id")
    if chosen is None:
        return None
    return next(
        (m for m in user_memberships(request.user) if m.pk == chosen and m.role == Role.VOLUNTEER),
        None,
    )


def membership_for_role(request: HttpRequest, roles: Iterable[str]) -> Membership | None:
    """The user's usable membership in one of `roles`, preferring the one chosen this session."""
    wanted = set(roles)
    counter = counter_session_membership(request)
    if counter is not None:
        return counter if counter.role in wanted else None
    candidates = [m for m in user_memberships(request.user) if m.role in wanted]
    chosen = request.session.get("membership_id")
    for membership in candidates:
        if membership.pk == chosen:
            return membership
    return candidates[0] if candidates else None


# Each role's home page (URL names: the pages live in the apps above this one), in the
# order the header lists them, with the short name of that page.
# Each role's home page (a URL name), registered by the app that serves it in its
# AppConfig.ready (network sits below them all and names none of their pages).
ROLE_HOME: dict[str, str] = {}


def role_home_register(role: str, url_name: str) -> None:
    ROLE_HOME[role] = url_name


ROLE_HOME_LABEL: dict[str, Promise] = {
    Role.SOCIAL_WORKER: gettext_lazy("Travail social"),
    Role.PARTNER_HEAD: gettext_lazy("Responsable de service"),
    Role.VOLUNTEER: gettext_lazy("Comptoir"),
    Role.MANAGER: gettext_lazy("Gestion du service"),
    Role.COORDINATOR: gettext_lazy("Coordination"),
}


@dataclass(frozen=True)
class RoleHome:
    """A home page the user may open: one per role they hold."""

    role: str
    url: str
    label: str
    organisations: tuple[str, ...]
    current: bool


def role_homes(request: HttpRequest) -> list[RoleHome]:
    """The home pages of the user's roles, for the header and the refusal page.

    A counter's session opens its counter only (see `counter_session_membership`).
    """
    if not getattr(request.user, "is_authenticated", False):
        return []
    counter = counter_session_membership(request)
    memberships = [counter] if counter else user_memberships(request.user)
    current = getattr(request, "membership", None)
    homes = []
    for role, url_name in ROLE_HOME.items():
        held = [m for m in memberships if m.role == role]
        if held:
            homes.append(
                RoleHome(
                    role=role,
                    url=reverse(url_name),
                    label=str(ROLE_HOME_LABEL[role]),
                    organisations=tuple(m.organisation.name for m in held),
                    current=current is not None and current.role == role,
                )
            )
    return homes


def _refusal(request: AuthenticatedRequest, roles: Iterable[str]) -> HttpResponse:
    """The 403 page of a role-restricted page: for whom the page is, and the user's homes.

    Someone with no usable role at all is told why instead (no role yet, role withdrawn,
    organisation deactivated); a counter's session is told how to leave it.
    """
    if not user_memberships(request.user):
        context: dict[str, Any] = {"reason": refusal_reason(request.user)}
    else:
        counter = counter_session_membership(request)
        held = [counter] if counter else user_memberships(request.user)
        context = {
            "page_roles": [Role(role).label for role in roles],
            "user_roles": [f"{Role(m.role).label} · {m.organisation.name}" for m in held],
            "homes": role_homes(request),
            "counter_session": counter,
        }
    return render(request, "network/no_access.html", context, status=403)


def role_required(
    *roles: str,
) -> Callable[
    [Callable[Concatenate[MemberRequest, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, P], HttpResponse],
]:
    """View decorator: the user must hold one of `roles`; the membership is passed on."""

    def decorator(
        view: Callable[Concatenate[MemberRequest, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not _logged_in(request):
                from django.contrib.auth.views import redirect_to_login

                response = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request"):
                    # htmx would swap the login page into a fragment: send the browser there.
                    redirect = HttpResponse(status=204)
                    redirect["HX-Redirect"] = response["Location"]
                    return redirect
                return response
            membership = membership_for_role(request, roles)
            if membership is None:
                return _refusal(request, roles)
            # From here on the request is what `MemberRequest` says: a user, a membership.
            member_request = cast(MemberRequest, request)
            member_request.membership = membership
            return view(member_request, *args, **kwargs)

        return wrapped

    return decorator
