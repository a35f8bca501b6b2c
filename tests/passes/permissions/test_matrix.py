"""The permission matrix of passes: each role × each action, pages, htmx and API.

One world per test (see `world` and conftest.py). Each case is one request by one
persona on one action, and checks:

- the status, exactly (see EXPECTED); for an anonymous page, the redirect to the login
  page with `next`; for an API error, a JSON body with `code` and `detail` (and for a
  401, the `WWW-Authenticate: Token` challenge);
- for everyone but partner A's own staff: no personal data of A's household in the
  body, no change to A's records, no audited read of A's notes, and for a refusal no
  row written anywhere;
- for partner A's own staff: the action works, changes A's records exactly when it
  should (the htmx check of the issue form does not), and reading notes is audited.
"""

from __future__ import annotations

import pytest

from network.models import AuditEntry
from passes.models import Household
from tests.passes.permissions.actions import ACTIONS, Action
from tests.passes.permissions.checks import (
    assert_api_error,
    assert_login_redirect,
    assert_no_leak,
    login_as,
    partner_a_records,
    row_counts,
    send,
)
from tests.passes.permissions.expected import EXPECTED, cases
from tests.passes.permissions.world import API, HTMX, LAST_NAME, LOGIN, OWNERS, World

pytestmark = pytest.mark.django_db


COLLECTIONS = {
    "household_list",
    "household_list_filtered",
    "household_search",
    "pass_list",
    "pass_list_filtered",
}


def assert_only_b_rows(action: Action, response, w: World) -> None:
    """B's collections: B's rows only, never A's household or pass."""
    if action.kind != API:
        assert f"/households/{w.household.pk}/".encode() not in response.content
        assert f"/passes/{w.access_pass.pk}/".encode() not in response.content
        if action.name == "household_list":
            assert f"/households/{w.household_b.pk}/".encode() in response.content
        return
    rows = response.json()["results"]
    if action.name.startswith("household_"):
        assert w.household.pk not in {row["id"] for row in rows}
        assert {row["partner"]["id"] for row in rows} <= {w.partner_b.pk}
    else:
        assert w.access_pass.pk not in {row["id"] for row in rows}
        assert {row["partner"] for row in rows} <= {w.partner_b.pk}
    if action.name in ("household_list", "pass_list"):
        expected_id = w.household_b.pk if action.name == "household_list" else w.pass_b.pk
        assert expected_id in {row["id"] for row in rows}


# --- the matrix ---------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "action", "expected"), list(cases(ACTIONS, EXPECTED)))
def test_passes_permission_matrix(request, world, persona, action, expected):
    w = world
    if action.prepare:
        action.prepare(w)
    client, user = login_as(request, persona, action.kind)  # the login's audit entry first
    before_a, before_counts = partner_a_records(w), row_counts()

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
    if action.kind == HTMX and response.status_code == 200:
        assert b"<html" not in response.content.lower(), "an htmx answer is a fragment"

    notes_reads = AuditEntry.objects.filter(
        action="assessment.view", target_id=str(w.assessment.pk)
    )
    if persona in OWNERS:
        changed = partner_a_records(w) != before_a
        assert changed == action.changes, f"{action.key} changed A's records: {changed}"
        assert notes_reads.filter(actor=user).exists() == action.audited_read
        if action.shows_name:
            # The owners' answer names the household: the leak check elsewhere means something.
            assert LAST_NAME.lower().encode() in response.content.lower()
        return

    assert_no_leak(response, w)
    assert partner_a_records(w) == before_a, f"{persona} changed partner A's records"
    assert not notes_reads.exists(), f"{persona} read (and the trail noted) A's notes"
    if expected in (201, 302) and persona == "social_worker_b":
        # B registered a household for B's own partner, and nothing else.
        after = row_counts()
        assert after["Household"] == before_counts["Household"] + 1
        assert Household.objects.filter(partner=w.partner_b).count() == 2
    else:
        assert row_counts() == before_counts, f"{persona} wrote rows with {action.key}"
    if persona == "social_worker_b" and action.name in COLLECTIONS:
        assert_only_b_rows(action, response, w)


def test_another_partners_household_reads_like_an_unknown_id(world, social_worker_b, api):
    """The one non-404 refusal of B: issuing a pass for A's household (an id in the body).
    B gets exactly the answer an id that never existed gets, so nothing tells them apart."""
    w = world
    api.force_authenticate(social_worker_b)
    missing = Household.objects.order_by("-pk").first().pk + 1000
    before = row_counts()
    answers = []
    for household_id in (w.household.pk, missing):
        response = api.post(
            "/api/passes/",
            {"household": household_id, "convention": w.convention_a2.pk},
            format="json",
        )
        assert response.status_code == 400
        body = response.content.decode().replace(str(household_id), "<id>")
        answers.append(body)
        assert_no_leak(response, w)
    assert answers[0] == answers[1]
    assert row_counts() == before
