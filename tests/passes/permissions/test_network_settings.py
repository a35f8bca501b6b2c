"""The permission matrix of the network's settings: each role × the page, its htmx form and
the API. Only the coordination reads or changes them; nobody else changes anything."""

from __future__ import annotations

import pytest

from network.models import NetworkSettings
from tests.passes.permissions.actions import Action
from tests.passes.permissions.checks import (
    assert_api_error,
    assert_login_redirect,
    assert_no_leak,
    login_as,
    row_counts,
    send,
)
from tests.passes.permissions.expected import cases
from tests.passes.permissions.world import API, HTMX, LOGIN, PAGE

pytestmark = pytest.mark.django_db

NEW_VALUES = {"renewal_reminder_days": 14, "retention_months": 36}

SETTINGS_ACTIONS = [
    Action("settings_page", PAGE, "get", lambda w: "/network/settings/"),
    Action(
        "settings_save",
        PAGE,
        "post",
        lambda w: "/network/settings/",
        lambda w: NEW_VALUES,
        changes=True,
    ),
    Action(
        "settings_save",
        HTMX,
        "post",
        lambda w: "/network/settings/",
        lambda w: NEW_VALUES,
        headers={"HX-Request": "true"},
        changes=True,
    ),
    Action("settings_read", API, "get", lambda w: "/api/network/settings/"),
    Action(
        "settings_put",
        API,
        "put",
        lambda w: "/api/network/settings/",
        lambda w: NEW_VALUES,
        changes=True,
    ),
    Action(
        "settings_patch",
        API,
        "patch",
        lambda w: "/api/network/settings/",
        lambda w: {"retention_months": 36},
        changes=True,
    ),
]


def refused(*, page, htmx, api) -> dict[str, int | str]:
    by_kind = {PAGE: page, HTMX: htmx, API: api}
    return {action.key: by_kind[action.kind] for action in SETTINGS_ACTIONS}


SETTINGS_EXPECTED: dict[str, dict[str, int | str]] = {
    "social_worker_a": refused(page=403, htmx=403, api=403),
    "partner_head_a": refused(page=403, htmx=403, api=403),
    "social_worker_b": refused(page=403, htmx=403, api=403),
    "volunteer_s": refused(page=403, htmx=403, api=403),
    "manager_s": refused(page=403, htmx=403, api=403),
    "coordinator": {
        "settings_page-page": 200,
        "settings_save-page": 302,
        "settings_save-htmx": 200,
        "settings_read-api": 200,
        "settings_put-api": 200,
        "settings_patch-api": 200,
    },
    "user_without_role": refused(page=403, htmx=403, api=403),
    "anonymous": refused(page=LOGIN, htmx=LOGIN, api=401),
}


def saved() -> list[tuple[int, int]]:
    return list(NetworkSettings.objects.values_list("renewal_reminder_days", "retention_months"))


@pytest.mark.parametrize(
    ("persona", "action", "expected"), list(cases(SETTINGS_ACTIONS, SETTINGS_EXPECTED))
)
def test_network_settings_permission_matrix(request, world, network_org, persona, action, expected):
    w = world
    client, _user = login_as(request, persona, action.kind)
    before_counts, before = row_counts(), saved()

    response = send(client, action, w)

    url = action.url(w)
    if expected == LOGIN:
        assert_login_redirect(response, url)
    else:
        assert response.status_code == expected, (
            f"{persona} {action.method.upper()} {url}: {response.status_code}, expected {expected}"
        )
    if action.kind == API and response.status_code >= 400:
        assert_api_error(response, persona, response.status_code)
    if action.kind != API and response.status_code == 403:
        assert "network/no_access.html" in [t.name for t in response.templates]
    assert_no_leak(response, w)
    if persona == "coordinator" and action.changes:
        assert saved() != before
    else:
        assert saved() == before
        assert row_counts() == before_counts
