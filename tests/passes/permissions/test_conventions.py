"""The permission matrix of conventions: each role × each convention page."""

from __future__ import annotations

import pytest

from tests.passes.permissions.actions import Action
from tests.passes.permissions.checks import (
    assert_login_redirect,
    assert_no_leak,
    login_as,
    row_counts,
    send,
)
from tests.passes.permissions.expected import cases
from tests.passes.permissions.world import LOGIN, PAGE

pytestmark = pytest.mark.django_db

CONVENTION_ACTIONS = [
    Action("convention_list", PAGE, "get", lambda w: "/conventions/"),
    Action("convention_new", PAGE, "get", lambda w: "/conventions/new/"),
    # convention_a opens service S (the manager's); convention_t does not.
    Action("convention_of_service", PAGE, "get", lambda w: f"/conventions/{w.convention_a.pk}/"),
    Action(
        "convention_not_of_service", PAGE, "get", lambda w: f"/conventions/{w.convention_t.pk}/"
    ),
]


def every_convention(status) -> dict[str, int | str]:
    return {action.key: status for action in CONVENTION_ACTIONS}


CONVENTION_EXPECTED: dict[str, dict[str, int | str]] = {
    "social_worker_a": every_convention(403),
    "partner_head_a": every_convention(403),
    "social_worker_b": every_convention(403),
    "volunteer_s": every_convention(403),
    "manager_s": {
        "convention_list-page": 200,
        "convention_new-page": 404,
        "convention_of_service-page": 200,
        "convention_not_of_service-page": 404,
    },
    "coordinator": every_convention(200),
    "user_without_role": every_convention(403),
    "anonymous": every_convention(LOGIN),
}


@pytest.mark.parametrize(
    ("persona", "action", "expected"), list(cases(CONVENTION_ACTIONS, CONVENTION_EXPECTED))
)
def test_conventions_permission_matrix(request, world, persona, action, expected):
    w = world
    client, _user = login_as(request, persona, action.kind)
    before_counts = row_counts()

    response = send(client, action, w)

    url = action.url(w)
    if expected == LOGIN:
        assert_login_redirect(response, url)
    else:
        assert response.status_code == expected, (
            f"{persona} GET {url}: {response.status_code}, expected {expected}"
        )
    if response.status_code == 403:
        assert "network/no_access.html" in [t.name for t in response.templates]
    assert_no_leak(response, w)
    assert row_counts() == before_counts
    if persona == "manager_s" and action.name == "convention_list":
        # The manager's list holds the conventions of service S only.
        assert w.convention_a.reference.encode() in response.content
        assert w.convention_t.reference.encode() not in response.content
