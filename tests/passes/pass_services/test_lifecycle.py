"""A pass after issue: renew, suspend, resume, revoke, replace, the check by date, expiry."""

from datetime import date, timedelta

import pytest
import time_machine

from comptoir.errors import ErrorKind
from passes.models import AccessPass, Assessment, PassCard, PassEvent
from passes.selectors import pass_check, pass_token
from passes.services import (
    pass_renew,
    pass_replace,
    pass_resume,
    pass_revoke,
    pass_suspend,
    passes_expire_due,
)
from tests.factories import assess, convention_make, household_make
from tests.passes.pass_services.helpers import TODAY, check, current_card, issue, refused

# --- renew, suspend, resume, revoke, replace ------------------------------------------


@pytest.fixture
def active_pass(social_worker_a, household, convention):
    return issue(social_worker_a, household, convention)


@pytest.mark.parametrize("call", [pass_renew, pass_suspend, pass_revoke, pass_replace])
@pytest.mark.parametrize("reason", ["", "  ", " a "])
def test_each_change_needs_a_reason(social_worker_a, active_pass, call, reason):
    error = refused(call, actor=social_worker_a, access_pass=active_pass, reason=reason)
    assert (error.code, error.field, error.kind) == ("reason_required", "reason", ErrorKind.INVALID)


def test_resume_needs_a_reason(social_worker_a, active_pass):
    pass_suspend(actor=social_worker_a, access_pass=active_pass, reason="absent")
    error = refused(pass_resume, actor=social_worker_a, access_pass=active_pass, reason="")
    assert error.code == "reason_required"


def test_suspend_resume_revoke_follow_the_state_machine(social_worker_a, active_pass):
    token = pass_token(access_pass=active_pass)
    code = current_card(active_pass).human_code
    assert check(token) == check(code) == "ok"

    error = refused(pass_resume, actor=social_worker_a, access_pass=active_pass, reason="back")
    assert error.code == "not_suspended"

    pass_suspend(actor=social_worker_a, access_pass=active_pass, reason="absent")
    assert check(token) == check(code) == "suspended"
    error = refused(pass_suspend, actor=social_worker_a, access_pass=active_pass, reason="again")
    assert error.code == "not_active"

    pass_resume(actor=social_worker_a, access_pass=active_pass, reason="back")
    assert check(token) == "ok"

    pass_suspend(actor=social_worker_a, access_pass=active_pass, reason="absent")
    revoked = pass_revoke(actor=social_worker_a, access_pass=active_pass, reason="moved away")
    assert revoked.status == AccessPass.Status.REVOKED
    assert check(token) == check(code) == "revoked"

    for call, expected in [
        (pass_revoke, "not_open"),
        (pass_suspend, "not_active"),
        (pass_resume, "not_suspended"),
        (pass_replace, "not_open"),
        (pass_renew, "pass_revoked"),
    ]:
        error = refused(call, actor=social_worker_a, access_pass=active_pass, reason="try it")
        assert error.code == expected, call.__name__
    actions = list(active_pass.events.order_by("id").values_list("action", flat=True))
    assert actions == ["issue", "suspend", "resume", "suspend", "revoke"]


def test_replace_makes_the_old_card_answer_replaced_and_the_new_one_ok(
    social_worker_a, active_pass
):
    old_token = pass_token(access_pass=active_pass)
    old_code = current_card(active_pass).human_code

    replaced = pass_replace(actor=social_worker_a, access_pass=active_pass, reason="lost")
    assert replaced.card_version == 2
    new_token = pass_token(access_pass=replaced)
    new_code = current_card(replaced).human_code
    assert new_token != old_token and new_code != old_code

    assert check(old_token) == check(old_code) == "replaced"
    assert check(new_token) == check(new_code) == "ok"
    assert pass_check(new_token, today=TODAY).card_version == 2
    cards = PassCard.objects.filter(access_pass=replaced)
    assert cards.filter(retired_at__isnull=True).get().version == 2
    assert replaced.valid_until == active_pass.valid_until
    assert replaced.status == AccessPass.Status.ACTIVE


def test_a_suspended_pass_can_have_its_card_replaced_and_stays_suspended(
    social_worker_a, active_pass
):
    pass_suspend(actor=social_worker_a, access_pass=active_pass, reason="absent")
    replaced = pass_replace(actor=social_worker_a, access_pass=active_pass, reason="stolen")
    replaced.refresh_from_db()
    assert replaced.status == AccessPass.Status.SUSPENDED
    assert check(pass_token(access_pass=replaced)) == "suspended"


def test_a_token_naming_a_card_version_not_yet_made_is_unknown(social_worker_a, active_pass):
    from passes.keys import keyring
    from passes.tokens import TokenClaims, token_sign

    ring = keyring()
    forged_ahead = token_sign(
        TokenClaims(
            deployment=ring.deployment,
            key_id=ring.signing_key_id,
            pass_id=active_pass.pk,
            card_version=5,
            valid_until=active_pass.valid_until,
        ),
        ring,
    )
    assert check(forged_ahead) == "unknown_pass"


def test_renew_restarts_today_with_a_new_card(social_worker_a, active_pass):
    old_token = pass_token(access_pass=active_pass)
    with time_machine.travel("2026-05-20 09:00 +0200", tick=False):
        renewed = pass_renew(
            actor=social_worker_a,
            access_pass=active_pass,
            reason="renewal",
            today=date(2026, 5, 20),
        )
        assert renewed.valid_from == date(2026, 5, 20)
        assert renewed.valid_until == date(2026, 5, 20) + timedelta(days=89)
        assert check(old_token, date(2026, 5, 20)) == "replaced"
        assert check(pass_token(access_pass=renewed), date(2026, 5, 20)) == "ok"


def test_renew_brings_back_an_expired_pass(social_worker_a, active_pass):
    later = active_pass.valid_until + timedelta(days=10)
    assert passes_expire_due(today=later) == 1
    active_pass.refresh_from_db()
    assert active_pass.status == AccessPass.Status.EXPIRED
    renewed = pass_renew(
        actor=social_worker_a, access_pass=active_pass, reason="back again", today=later
    )
    assert renewed.status == AccessPass.Status.ACTIVE
    assert check(pass_token(access_pass=renewed), later) == "ok"


def test_renew_refuses_when_the_latest_assessment_is_not_granted(
    social_worker_a, household, active_pass
):
    assess(social_worker_a, household, Assessment.Outcome.REFERRED, on=TODAY)
    error = refused(pass_renew, actor=social_worker_a, access_pass=active_pass, reason="renewal")
    assert (error.code, error.field) == ("no_granted_assessment", "household")


def test_renew_refuses_a_convention_of_another_partner(
    social_worker_a, active_pass, partner_b, service_s
):
    other = convention_make(partner_b, [service_s])
    error = refused(
        pass_renew,
        actor=social_worker_a,
        access_pass=active_pass,
        reason="renewal",
        convention=other,
    )
    assert error.code == "convention_other_partner"


# --- the pass check by date -----------------------------------------------------------


def test_the_check_answers_by_date(social_worker_a, household, convention):
    access_pass = issue(
        social_worker_a,
        household,
        convention,
        valid_from=date(2026, 3, 10),
        valid_until=date(2026, 4, 10),
    )
    token = pass_token(access_pass=access_pass)
    code = current_card(access_pass).human_code
    assert check(token, date(2026, 3, 9)) == check(code, date(2026, 3, 9)) == "not_yet_valid"
    assert check(token, date(2026, 3, 10)) == "ok"
    assert check(token, date(2026, 4, 10)) == "ok"
    assert check(token, date(2026, 4, 11)) == check(code, date(2026, 4, 11)) == "expired"


def test_the_check_refuses_a_pass_whose_convention_was_cut_short(
    social_worker_a, active_pass, convention
):
    convention.ends_on = date(2026, 3, 31)
    convention.save(update_fields=["ends_on"])
    assert check(pass_token(access_pass=active_pass), date(2026, 4, 1)) == "convention_ended"


def test_the_check_never_raises_on_garbage(db):
    for text in ["", "CP1", "CP1" + "A" * 200, "K7M-4QX", "0000000000", None, "x" * 10_000]:
        assert not pass_check(text, today=TODAY).ok
    assert check("22222222" + "2") == "unknown_code"


# --- expiry ---------------------------------------------------------------------------


def test_expiry_is_idempotent_and_frees_the_quota(social_worker_a, partner_a, service_s):
    convention = convention_make(partner_a, [service_s], max_active_passes=1, max_pass_days=30)
    first, second = (household_make(social_worker_a, partner_a) for _ in range(2))
    assess(social_worker_a, first)
    assess(social_worker_a, second)
    held = issue(social_worker_a, first, convention)
    assert refused(issue, social_worker_a, second, convention).code == "quota_reached"

    assert passes_expire_due(today=held.valid_until) == 0
    day_after = held.valid_until + timedelta(days=1)
    with time_machine.travel(day_after.isoformat() + " 02:00 +0200", tick=False):
        assert passes_expire_due() == 1
        assert passes_expire_due() == 0
        held.refresh_from_db()
        assert held.status == AccessPass.Status.EXPIRED
        assert held.events.filter(action=PassEvent.Action.EXPIRE).count() == 1
        assert issue(social_worker_a, second, convention).status == AccessPass.Status.ACTIVE


def test_a_household_gets_a_new_pass_once_its_last_one_ran_out(
    social_worker_a, household, convention
):
    held = issue(social_worker_a, household, convention)
    later = held.valid_until + timedelta(days=1)
    fresh = issue(social_worker_a, household, convention, today=later)
    held.refresh_from_db()
    assert held.status == AccessPass.Status.EXPIRED
    assert fresh.pk != held.pk


def test_renew_into_a_convention_expires_the_households_pass_there_that_ended_unmarked(
    social_worker_a, household, convention, partner_a, service_s
):
    """The nightly job has not yet marked last month's pass expired: renewing another
    pass of the household into that convention expires it, instead of crashing on the
    one-open-pass constraint."""
    ended = issue(social_worker_a, household, convention)
    AccessPass.objects.filter(pk=ended.pk).update(
        valid_from=TODAY - timedelta(days=30), valid_until=TODAY - timedelta(days=1)
    )
    other = convention_make(partner_a, [service_s], reference="CONV-AUTRE")
    moving = issue(social_worker_a, household, other)

    renewed = pass_renew(
        actor=social_worker_a, access_pass=moving, reason="Regroupement", convention=convention
    )

    ended.refresh_from_db()
    assert (renewed.convention, renewed.status) == (convention, AccessPass.Status.ACTIVE)
    assert ended.status == AccessPass.Status.EXPIRED


def test_renew_into_a_convention_with_an_open_pass_says_so_in_renewing_words(
    social_worker_a, household, convention, partner_a, service_s
):
    issue(social_worker_a, household, convention)
    other = convention_make(partner_a, [service_s], reference="CONV-AUTRE")
    moving = issue(social_worker_a, household, other)

    error = refused(
        pass_renew,
        actor=social_worker_a,
        access_pass=moving,
        reason="Regroupement",
        convention=convention,
    )

    assert (error.code, error.field) == ("already_has_pass", "convention")
    assert "délivrer un second" not in error.message
