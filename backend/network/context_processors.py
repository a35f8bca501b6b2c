from typing import Any

from django.http import HttpRequest

from network.access import counter_session_membership, role_homes, user_memberships


def roles(request: HttpRequest) -> dict[str, Any]:
    """The header's ways home: each role's home page, the role switcher, the admin."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counter = counter_session_membership(request)
    return {
        "user_memberships": user_memberships(user),
        "current_membership": getattr(request, "membership", None),
        "role_homes": role_homes(request),
        # A counter's tablet is shared: it opens that counter and nothing else.
        "counter_session": counter is not None,
    }
