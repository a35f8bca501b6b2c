"""The permission matrix of the passes feature: each role × each action, pages, htmx and API.

One world per test, built through the services: partner A's household (a distinctive
name, so that a leak shows), its granted assessment (notes naming the household) and
its active pass; partner B's household and pass; a second convention of A to issue
under; a convention that does not open service S.

Each case is one request by one persona on one action, and checks:

- the status, exactly (see EXPECTED); for an anonymous page, the redirect to the login
  page with `next`; for an API error, a JSON body with `code` and `detail` (and for a
  401, the `WWW-Authenticate: Token` challenge);
- for everyone but partner A's own staff: no personal data of A's household in the
  body, no change to A's records, no audited read of A's notes, and for a refusal no
  row written anywhere;
- for partner A's own staff: the action works, changes A's records exactly when it
  should (the htmx check of the issue form does not), and reading notes is audited.

Beyond passes, the last test walks every operation of the API's own schema and checks
that each one refuses the anonymous caller (401) and the user without a role (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.test import Client
from rest_framework.test import APIClient

from counter.services import visit_record
from network.models import AuditEntry, Convention, Organisation
from passes.forms import member_field_name
from passes.models import (
    AccessPass,
    Assessment,
    AssessmentReason,
    Household,
    HouseholdMember,
    PassCard,
    PassEvent,
)
from passes.selectors import pass_token
from passes.services import assessment_record, pass_issue, pass_suspend
from schedules.models import OpeningRule

pytestmark = pytest.mark.django_db

LAST_NAME = "Vandermeersch"
FIRST_NAME = "Amandine"
NOTES = f"Dettes d'énergie, loyer en retard : note confidentielle du dossier {LAST_NAME}."
REASON = {"reason": "Contrôle demandé par la permanence"}

PAGE, HTMX, API = "page", "htmx", "api"
LOGIN = "login"  # expected: 302 to the login page, with `next`

PERSONAS = [
    "social_worker_a",
    "partner_head_a",
    "social_worker_b",
    "volunteer_s",
    "manager_s",
    "coordinator",
    "user_without_role",
    "anonymous",
]
OWNERS = {"social_worker_a", "partner_head_a"}


# --- the world ----------------------------------------------------------------------


@dataclass
class World:
    social_worker_a: object
    partner_a: Organisation
    partner_b: Organisation
    household: Household  # partner A's, named LAST_NAME
    assessment: Assessment  # its granted assessment, with NOTES
    access_pass: AccessPass  # its active pass under convention_a
    human_code: str  # the pass's card code
    convention_a: Convention  # opens service S
    convention_a2: Convention  # A's second convention: a new pass can be issued under it
    convention_t: Convention  # does not open service S
    household_b: Household
    pass_b: AccessPass
    reason_id: int


@pytest.fixture
def world(
    frozen_day,
    pass_keys,
    social_worker_a,
    social_worker_b,
    partner_a,
    partner_b,
    make_household,
    make_convention,
    convention_a,
    convention_b,
) -> World:
    convention_a2 = make_convention(partner_a, "CONV-A2-2026")
    service_t = Organisation.objects.create(
        kind="service", name="Vestiaire T", slug="vestiaire-t", service_kind="vestiaire"
    )
    convention_t = Convention.objects.create(
        partner=partner_b,
        reference="CONV-T-2026",
        starts_on=convention_a.starts_on,
        ends_on=convention_a.ends_on,
        max_active_passes=3,
        max_pass_days=90,
    )
    convention_t.services.set([service_t])
    household = make_household(social_worker_a, partner_a, FIRST_NAME, LAST_NAME, 1984)
    reason = AssessmentReason.objects.get(code="low_income")
    assessment = assessment_record(
        actor=social_worker_a,
        household=household,
        assessed_on=frozen_day.replace(day=1),
        outcome=Assessment.Outcome.GRANTED,
        reasons=[reason],
        notes=NOTES,
    )
    access_pass = pass_issue(actor=social_worker_a, household=household, convention=convention_a)
    household_b = make_household(social_worker_b, partner_b, "Jean", "Martin", 1975, granted=True)
    pass_b = pass_issue(actor=social_worker_b, household=household_b, convention=convention_b)
    return World(
        social_worker_a=social_worker_a,
        partner_a=partner_a,
        partner_b=partner_b,
        household=household,
        assessment=assessment,
        access_pass=access_pass,
        human_code=PassCard.objects.get(access_pass=access_pass).human_code,
        convention_a=convention_a,
        convention_a2=convention_a2,
        convention_t=convention_t,
        household_b=household_b,
        pass_b=pass_b,
        reason_id=reason.pk,
    )


def suspend_first(w: World) -> None:
    """Resume needs a suspended pass: suspend it before the request, whoever makes it."""
    pass_suspend(actor=w.social_worker_a, access_pass=w.access_pass, reason="Contrôle en cours")


# --- the actions --------------------------------------------------------------------


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
        member_field_name("3-14", "m"): "2",
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
]

ACTIONS = PAGE_ACTIONS + API_ACTIONS
assert len({a.key for a in ACTIONS}) == len(ACTIONS)


# --- what each persona gets -----------------------------------------------------------


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
    "household_list-api": 200,
    "household_list_filtered-api": 200,
    "household_search-api": 200,
    "household_create-api": 201,
    "household_create_for_partner_a-api": 201,
    "household_detail-api": 200,
    "household_update-api": 200,
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


# --- helpers ------------------------------------------------------------------------


def login_as(request, persona: str, kind: str):
    """A test Client (pages) or an APIClient (API), logged in as `persona`."""
    client = APIClient() if kind == API else Client()
    if persona == "anonymous":
        return client, None
    user = request.getfixturevalue(persona)
    if kind == API:
        client.force_authenticate(user)
    else:
        client.force_login(user)
    return client, user


def send(client, action: Action, w: World):
    url = action.url(w)
    data = action.data(w) if action.data else None
    method = getattr(client, action.method)
    if action.kind == API:
        if action.method == "get":
            return method(url)
        return method(url, data or {}, format="json")
    if action.method == "get":
        return method(url, headers=action.headers)
    return method(url, data or {}, headers=action.headers)


def partner_a_records(w: World) -> dict:
    """Everything of partner A an action could change."""
    partner = w.partner_a
    return {
        "households": list(
            Household.objects.filter(partner=partner)
            .order_by("pk")
            .values_list("pk", "first_name", "last_name", "postal_code", "updated_at")
        ),
        "members": list(
            HouseholdMember.objects.filter(household__partner=partner)
            .order_by("pk")
            .values_list("pk", "age_band", "sex")
        ),
        "assessments": list(
            Assessment.objects.filter(household__partner=partner)
            .order_by("pk")
            .values_list("pk", "outcome", "notes")
        ),
        "passes": list(
            AccessPass.objects.filter(partner=partner)
            .order_by("pk")
            .values_list("pk", "status", "card_version", "valid_from", "valid_until", "updated_at")
        ),
        "cards": list(
            PassCard.objects.filter(access_pass__partner=partner)
            .order_by("pk")
            .values_list("pk", "version", "retired_at")
        ),
        "events": PassEvent.objects.filter(access_pass__partner=partner).count(),
    }


def row_counts() -> dict[str, int]:
    models = (Household, HouseholdMember, Assessment, AccessPass, PassCard, PassEvent)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["AuditEntry"] = AuditEntry.objects.count()
    counts["Convention"] = Convention.objects.count()
    return counts


def secrets_of_a(w: World) -> list[bytes]:
    """What must never reach anyone outside partner A (compared case-insensitively)."""
    return [LAST_NAME.lower().encode(), FIRST_NAME.lower().encode(), w.human_code.lower().encode()]


def assert_no_leak(response, w: World) -> None:
    body = response.content.lower()
    for secret in secrets_of_a(w):
        assert secret not in body, f"{secret!r} leaked in a {response.status_code} answer"


def assert_login_redirect(response, url: str) -> None:
    # A page redirects; an htmx request is told to send the browser to the login page.
    if response.status_code == 204:
        location = urlsplit(response["HX-Redirect"])
    else:
        assert response.status_code == 302
        location = urlsplit(response["Location"])
    assert location.path == "/login/"
    assert parse_qs(location.query)["next"] == [url]


def assert_api_error(response, persona: str, status: int) -> None:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert {"code", "detail"} <= body.keys()
    code = API_ERROR_CODES_FOR.get(persona, {}).get(status, API_ERROR_CODES[status])
    assert body["code"] == code
    assert response.get("WWW-Authenticate") == ("Token" if status == 401 else None)


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


# --- conventions --------------------------------------------------------------------

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


# --- every operation of the schema, walked ----------------------------------------------

# Public by design: a device trades a password for a token. The schema marks it so itself
# (`security: [{}]`); naming it here makes an operation turned public by mistake fail.
# The schema and its docs are served to anyone too, but are not operations of it.
PUBLIC_OPERATIONS = {("post", "/api/auth/token/")}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

# Who is refused what: (status, code, the operations walked).
EVERY, HOUSEHOLD_COLLECTIONS = "every", "household collections"
REFUSALS = {
    "anonymous": (401, "not_authenticated", EVERY),
    "user_without_role": (403, "no_active_membership", EVERY),
    # A counter volunteer never deals with households: the collections refuse. One of
    # them by id is a 404 instead, as for anyone outside the partner (NOT_A_PARTNER).
    "volunteer_s": (403, "permission_denied", HOUSEHOLD_COLLECTIONS),
}


@pytest.fixture
def real_ids(world, service_s, volunteer_s) -> dict[str, int]:
    """A real row behind every `{id}` of the API, so that no refusal is a 404 in disguise."""
    w = world
    OpeningRule.objects.create(
        service=service_s, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    verdict = visit_record(
        text=pass_token(access_pass=w.access_pass),
        service=service_s,
        user=volunteer_s,
        idempotency_key="schema-walk",
    )
    return {
        "/api/households/{id}": w.household.pk,
        "/api/assessments/{id}": w.assessment.pk,
        "/api/passes/{id}": w.access_pass.pk,
        "/api/counter/visits/{id}": verdict.visit.pk,
    }


def schema_operations(client: APIClient) -> list[tuple[str, str, list[dict]]]:
    """(method, path, security) of every operation the served schema lists."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return [
        (method, path, operation.get("security", []))
        for path, item in response.json()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def with_real_ids(path: str, ids: dict[str, int]) -> str:
    if "{" not in path:
        return path
    for template, pk in ids.items():
        if path.startswith(template):
            return path.replace("{id}", str(pk))
    raise AssertionError(f"no real row for {path}: add one to real_ids")


def table_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.parametrize("persona", REFUSALS)
def test_every_api_operation_refuses_a_caller_without_the_right_with_one_exact_status(
    request, real_ids, persona
):
    status, code, walked = REFUSALS[persona]
    client = APIClient()
    operations = schema_operations(client)  # as an anonymous caller: the schema is public
    public = {(method, path) for method, path, security in operations if {} in security}
    assert public == PUBLIC_OPERATIONS
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))
    calls = [
        (method, with_real_ids(path, real_ids))
        for method, path, _security in operations
        if (method, path) not in public
        and (walked == EVERY or (path.startswith("/api/households/") and "{" not in path))
    ]
    assert len(calls) >= 3
    before = table_counts()

    wrong = []
    for method, url in calls:
        send = getattr(client, method)
        response = send(url) if method == "get" else send(url, {}, format="json")
        is_json = response.get("Content-Type", "").startswith("application/json")
        body = response.json() if is_json else None
        challenge = response.get("WWW-Authenticate")
        if (
            response.status_code != status
            or not body
            or body.keys() != {"code", "detail"}
            or body["code"] != code
            or challenge != ("Token" if status == 401 else None)
        ):
            answer = response.content[:200].decode(errors="replace")
            wrong.append(f"{method.upper()} {url}: {response.status_code} {challenge} {answer}")
    assert not wrong, f"{persona}, expected {status} {code}:\n" + "\n".join(wrong)
    assert table_counts() == before
