from typing import Any

from django.http import HttpRequest

from network.access import user_memberships


def roles(request: HttpRequest) -> dict[str, Any]:
    """The memberships shown in the header's role switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = user_memberships(user)
    current = getattr(request, "membership", None)
    return {"user_memberships": memberships, "current_membership": current}
