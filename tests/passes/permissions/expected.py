"""What each persona gets for each action: the status, or LOGIN, and the error codes."""

from __future__ import annotations

import pytest

from tests.passes.permissions.actions import ACTIONS
from tests.passes.permissions.world import API, HTMX, LOGIN, PAGE, PERSONAS


def every(*, page, htmx, api) -> dict[str, int | str]:
    by_kind = {PAGE: page, HTMX: htmx, API: api}
    return {action.key: by_kind[action.kind] for action in ACTIONS}


# Partner A's own staff: everything works.
OWNER = {
    "household_list-page": 200,
    "household_list_filtered-page": 200,
    "household_search-htmx": 200,
    "household_new-page": 200,
    "household_create-page": 302,
    "household_detail-page": 200,
    "household_edit-page": 200,
    "household_update-page": 302,
    "assessment_new-page": 200,
    "assessment_record-page": 302,
    "assessment_notes-htmx": 200,
    "pass_new-page": 200,
    "pass_issue_check-htmx": 200,
    "pass_issue-page": 302,
    "pass_detail-page": 200,
    "pass_renew-page": 302,
    "pass_suspend-page": 302,
    "pass_resume-page": 302,
    "pass_revoke-page": 302,
    "pass_replace-page": 302,
    "pass_card-page": 200,
    "pass_card_png-page": 200,
    "card_sheet-page": 200,
    "voucher_referral-htmx": 200,
    "voucher_revoke-page": 302,
    "voucher_print-page": 200,
    "household_list-api": 200,
    "household_list_filtered-api": 200,
    "household_search-api": 200,
    "household_create-api": 201,
    "household_create_for_partner_a-api": 201,
    "household_detail-api": 200,
    "household_update-api": 200,
    "household_categories_update-api": 200,
    "assessment_list-api": 200,
    "assessment_record-api": 201,
    "assessment_notes-api": 200,
    "pass_list-api": 200,
    "pass_list_filtered-api": 200,
    "pass_issue-api": 201,
    "pass_detail-api": 200,
    "pass_renew-api": 200,
    "pass_suspend-api": 200,
    "pass_resume-api": 200,
    "pass_revoke-api": 200,
    "pass_replace-api": 200,
    "pass_history-api": 200,
    "pass_qr_svg-api": 200,
    "pass_qr_png-api": 200,
    "pass_keys-api": 200,
    "voucher_list-api": 200,
    "voucher_give-api": 201,
    "voucher_revoke-api": 200,
}
assert OWNER.keys() == {a.key for a in ACTIONS}

# Another partner: A's records do not exist for B (404, never 403); B's lists hold B's rows.
OTHER_PARTNER = {
    **every(page=404, htmx=404, api=404),
    "household_list-page": 200,
    "household_list_filtered-page": 200,  # `partner=A` is not one of B's choices: ignored
    "household_search-htmx": 200,
    "household_new-page": 200,
    "household_create-page": 302,  # a household of B's own partner
    "household_list-api": 200,
    "household_list_filtered-api": 200,  # scoped first, then filtered: empty
    "household_search-api": 200,
    "household_create-api": 201,  # a household of B's own partner
    "household_create_for_partner_a-api": 400,  # partner A is not one B may name: `invalid`
    "pass_list-api": 200,
    "pass_list_filtered-api": 200,
    # The body names A's household: B's serializer only knows B's, so it reads as an
    # unknown id (400 `invalid`, "object does not exist"), exactly like a made-up id.
    "pass_issue-api": 400,
    "pass_keys-api": 200,  # public keys: every counter device needs them
}

# Counter and network roles never deal with households: role_required refuses every page
# (403, before any lookup); the API refuses its collections (403) and does not find
# objects (404: the scoped selectors find nothing for a role without household.view).
NOT_A_PARTNER = {
    **every(page=403, htmx=403, api=404),
    "household_list-api": 403,
    "household_list_filtered-api": 403,
    "household_search-api": 403,
    "household_create-api": 403,
    "household_create_for_partner_a-api": 403,
    "pass_list-api": 403,
    "pass_list_filtered-api": 403,
    "pass_issue-api": 403,
    "pass_keys-api": 200,
}

EXPECTED: dict[str, dict[str, int | str]] = {
    "social_worker_a": OWNER,
    "partner_head_a": OWNER,
    "social_worker_b": OTHER_PARTNER,
    "volunteer_s": NOT_A_PARTNER,
    "manager_s": NOT_A_PARTNER,
    "coordinator": NOT_A_PARTNER,
    "user_without_role": every(page=403, htmx=403, api=403),
    # Pages send the browser to the login page; the API asks for credentials.
    "anonymous": every(page=LOGIN, htmx=LOGIN, api=401),
}
for _persona, _expected in EXPECTED.items():
    assert _expected.keys() == OWNER.keys(), _persona

# The `code` of an API error, per persona where it is not the status's usual one.
API_ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
}
API_ERROR_CODES_FOR = {
    "user_without_role": {403: "no_active_membership"},
}

# Known permission bugs: "persona-action-kind" -> reason (strict xfail).
KNOWN_BUGS: dict[str, str] = {}


def cases(actions, expected):
    for persona in PERSONAS:
        for action in actions:
            case_id = f"{persona}-{action.key}"
            marks = ()
            if case_id in KNOWN_BUGS:
                marks = (pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case_id]),)
            yield pytest.param(
                persona, action, expected[persona][action.key], id=case_id, marks=marks
            )
