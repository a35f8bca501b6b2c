"""The world of the permission matrix: its personas, the names to leak, and what it holds.

One world per test, built through the services (the `world` fixture, in conftest.py):
partner A's household (a distinctive name, so that a leak shows), its granted assessment
(notes naming the household) and its active pass; partner B's household and pass; a
second convention of A to issue under; a convention that does not open service S; a
referral voucher of A's household.
"""

from __future__ import annotations

from dataclasses import dataclass

from network.models import Convention, Organisation
from passes.models import AccessPass, Assessment, Household, Voucher
from passes.services import pass_suspend

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
    voucher: Voucher  # a referral of A's household to service S, valid


def suspend_first(w: World) -> None:
    """Resume needs a suspended pass: suspend it before the request, whoever makes it."""
    pass_suspend(actor=w.social_worker_a, access_pass=w.access_pass, reason="Contrôle en cours")
