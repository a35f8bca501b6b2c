"""What a persona may try on passes and vouchers: each page, htmx fragment and API operation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from passes.forms import member_field_name
from tests.passes.permissions.world import (
    API,
    FIRST_NAME,
    HTMX,
    LAST_NAME,
    PAGE,
    REASON,
    World,
    suspend_first,
)


@dataclass(frozen=True)
class Action:
    name: str
    kind: str  # PAGE, HTMX or API
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    headers: dict = field(default_factory=dict)
    prepare: Callable[[World], None] | None = None
    changes: bool = False  # the owners' call changes partner A's records
    shows_name: bool = False  # the owners' answer names the household (so a leak would show)
    audited_read: bool = False  # the owners' call writes an `assessment.view` entry

    @property
    def key(self) -> str:
        return f"{self.name}-{self.kind}"


HX = {"HX-Request": "true"}
HX_RESULTS = {"HX-Request": "true", "HX-Target": "household-results"}


def household_form(first_name: str, last_name: str, postal_code: str = "5000") -> dict:
    return {
        "first_name": first_name,
        "last_name": last_name,
        "birth_year": "1984",
        "postal_code": postal_code,
        "commune": "Namur",
        "language": "fr",
        "legal_basis": "public_task",
        "legal_basis_recorded_on": "2026-02-01",
        member_field_name("25-64", "f"): "1",
        member_field_name("3-15", "m"): "2",
        # The EU food-aid categories go with the rest of the file, and are as guarded.
        "holder_sex": "f",
        "persons_homeless": "1",
    }


NEW_HOUSEHOLD_JSON = {
    "first_name": "Nouveau",
    "last_name": "Ménage",
    "birth_year": 1990,
    "postal_code": "5000",
    "commune": "Namur",
    "legal_basis": "public_task",
    "legal_basis_recorded_on": "2026-02-01",
    "members": [{"age_band": "25-64", "sex": "f"}],
}


def _household(w: World) -> str:
    return f"/households/{w.household.pk}/"


def _pass(w: World) -> str:
    return f"/passes/{w.access_pass.pk}/"


def _api_household(w: World) -> str:
    return f"/api/households/{w.household.pk}/"


def _api_pass(w: World) -> str:
    return f"/api/passes/{w.access_pass.pk}/"


PAGE_ACTIONS = [
    Action("household_list", PAGE, "get", lambda w: "/households/", shows_name=True),
    Action(
        "household_list_filtered",
        PAGE,
        "get",
        lambda w: f"/households/?partner={w.partner_a.pk}",
        shows_name=True,
    ),
    Action(
        "household_search",
        HTMX,
        "post",
        lambda w: "/households/",
        lambda w: {"q": LAST_NAME},
        headers=HX_RESULTS,
        shows_name=True,
    ),
    Action("household_new", PAGE, "get", lambda w: "/households/new/"),
    Action(
        "household_create",
        PAGE,
        "post",
        lambda w: "/households/new/",
        lambda w: household_form("Nouveau", "Ménage"),
        changes=True,
    ),
    Action("household_detail", PAGE, "get", _household, shows_name=True),
    Action("household_edit", PAGE, "get", lambda w: _household(w) + "edit/", shows_name=True),
    Action(
        "household_update",
        PAGE,
        "post",
        lambda w: _household(w) + "edit/",
        lambda w: household_form(FIRST_NAME, LAST_NAME, postal_code="5100"),
        changes=True,
    ),
    Action("assessment_new", PAGE, "get", lambda w: _household(w) + "assessments/new/"),
    Action(
        "assessment_record",
        PAGE,
        "post",
        lambda w: _household(w) + "assessments/new/",
        lambda w: {
            "assessed_on": "2026-03-02",
            "outcome": "granted",
            "reasons": [w.reason_id],
            "notes": "Situation inchangée.",
        },
        changes=True,
    ),
    Action(
        "assessment_notes",
        HTMX,
        "get",
        lambda w: f"/assessments/{w.assessment.pk}/notes/",
        headers=HX,
        shows_name=True,
        audited_read=True,
    ),
    Action("pass_new", PAGE, "get", lambda w: _household(w) + "passes/new/"),
    Action(
        "pass_issue_check",
        HTMX,
        "post",
        lambda w: _household(w) + "passes/new/",
        lambda w: {"convention": w.convention_a2.pk, "check": "1"},
        headers=HX,
    ),
    Action(
        "pass_issue",
        PAGE,
        "post",
        lambda w: _household(w) + "passes/new/",
        lambda w: {"convention": w.convention_a2.pk},
        changes=True,
    ),
    Action("pass_detail", PAGE, "get", _pass, shows_name=True),
    Action(
        "pass_renew",
        PAGE,
        "post",
        lambda w: _pass(w) + "renew/",
        lambda w: {"convention": w.convention_a.pk, **REASON},
        changes=True,
    ),
    Action(
        "pass_suspend",
        PAGE,
        "post",
        lambda w: _pass(w) + "suspend/",
        lambda w: REASON,
        changes=True,
    ),
    Action(
        "pass_resume",
        PAGE,
        "post",
        lambda w: _pass(w) + "resume/",
        lambda w: REASON,
        prepare=suspend_first,
        changes=True,
    ),
    Action(
        "pass_revoke", PAGE, "post", lambda w: _pass(w) + "revoke/", lambda w: REASON, changes=True
    ),
    Action(
        "pass_replace",
        PAGE,
        "post",
        lambda w: _pass(w) + "replace/",
        lambda w: REASON,
        changes=True,
    ),
    Action("pass_card", PAGE, "get", lambda w: _pass(w) + "card/"),
    Action("pass_card_png", PAGE, "get", lambda w: f"/passes/{w.access_pass.pk}/card.png"),
    Action("card_sheet", PAGE, "get", lambda w: f"/cards/sheet/?pass={w.access_pass.pk}"),
    Action(
        "voucher_referral",
        HTMX,
        "post",
        lambda w: _household(w) + "vouchers/referral/",
        lambda w: {
            "referral-service": w.voucher.service_id,
            "referral-covers": "Manteau d'hiver",
            "referral-valid_days": "30",
        },
        headers=HX,
        changes=True,
    ),
    Action(
        "voucher_revoke",
        PAGE,
        "post",
        lambda w: f"/vouchers/{w.voucher.pk}/revoke/",
        lambda w: REASON,
        changes=True,
    ),
    Action("voucher_print", PAGE, "get", lambda w: f"/vouchers/{w.voucher.pk}/print/"),
]

API_ACTIONS = [
    Action("household_list", API, "get", lambda w: "/api/households/", shows_name=True),
    Action(
        "household_list_filtered",
        API,
        "get",
        lambda w: f"/api/households/?partner={w.partner_a.pk}",
        shows_name=True,
    ),
    Action(
        "household_search",
        API,
        "post",
        lambda w: "/api/households/search/",
        lambda w: {"q": LAST_NAME},
        shows_name=True,
    ),
    Action(
        "household_create",
        API,
        "post",
        lambda w: "/api/households/",
        lambda w: NEW_HOUSEHOLD_JSON,
        changes=True,
    ),
    Action(
        "household_create_for_partner_a",
        API,
        "post",
        lambda w: "/api/households/",
        lambda w: {**NEW_HOUSEHOLD_JSON, "partner": w.partner_a.pk},
        changes=True,
    ),
    Action("household_detail", API, "get", _api_household, shows_name=True),
    Action(
        "household_update",
        API,
        "patch",
        _api_household,
        lambda w: {"postal_code": "5100"},
        changes=True,
    ),
    Action(
        "household_categories_update",
        API,
        "patch",
        _api_household,
        lambda w: {"holder_sex": "f", "persons_with_disability": 1, "persons_homeless": 2},
        changes=True,
    ),
    Action("assessment_list", API, "get", lambda w: _api_household(w) + "assessments/"),
    Action(
        "assessment_record",
        API,
        "post",
        lambda w: _api_household(w) + "assessments/",
        lambda w: {
            "assessed_on": "2026-03-02",
            "outcome": "granted",
            "reasons": ["low_income"],
            "notes": "Situation inchangée.",
        },
        changes=True,
    ),
    Action(
        "assessment_notes",
        API,
        "get",
        lambda w: f"/api/assessments/{w.assessment.pk}/notes/",
        shows_name=True,
        audited_read=True,
    ),
    Action("pass_list", API, "get", lambda w: "/api/passes/"),
    Action("pass_list_filtered", API, "get", lambda w: f"/api/passes/?household={w.household.pk}"),
    Action(
        "pass_issue",
        API,
        "post",
        lambda w: "/api/passes/",
        lambda w: {"household": w.household.pk, "convention": w.convention_a2.pk},
        changes=True,
    ),
    Action("pass_detail", API, "get", _api_pass),
    Action(
        "pass_renew", API, "post", lambda w: _api_pass(w) + "renew/", lambda w: REASON, changes=True
    ),
    Action(
        "pass_suspend",
        API,
        "post",
        lambda w: _api_pass(w) + "suspend/",
        lambda w: REASON,
        changes=True,
    ),
    Action(
        "pass_resume",
        API,
        "post",
        lambda w: _api_pass(w) + "resume/",
        lambda w: REASON,
        prepare=suspend_first,
        changes=True,
    ),
    Action(
        "pass_revoke",
        API,
        "post",
        lambda w: _api_pass(w) + "revoke/",
        lambda w: REASON,
        changes=True,
    ),
    Action(
        "pass_replace",
        API,
        "post",
        lambda w: _api_pass(w) + "replace/",
        lambda w: REASON,
        changes=True,
    ),
    Action("pass_history", API, "get", lambda w: _api_pass(w) + "history/"),
    Action("pass_qr_svg", API, "get", lambda w: f"/api/passes/{w.access_pass.pk}/qr.svg"),
    Action("pass_qr_png", API, "get", lambda w: f"/api/passes/{w.access_pass.pk}/qr.png"),
    Action("pass_keys", API, "get", lambda w: "/api/pass-keys/"),
    Action("voucher_list", API, "get", lambda w: _api_household(w) + "vouchers/"),
    Action(
        "voucher_give",
        API,
        "post",
        lambda w: _api_household(w) + "vouchers/",
        lambda w: {"kind": "referral", "service": w.voucher.service_id, "covers": "Manteau"},
        changes=True,
    ),
    Action(
        "voucher_revoke",
        API,
        "post",
        lambda w: f"/api/vouchers/{w.voucher.pk}/revoke/",
        lambda w: REASON,
        changes=True,
    ),
]

ACTIONS = PAGE_ACTIONS + API_ACTIONS
assert len({a.key for a in ACTIONS}) == len(ACTIONS)
