"""Vouchers: a referral to a vestiaire and paper meal tickets, issued by a social worker,
accepted once at their counter, refused with a clear sentence otherwise."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from counter.models import Visit
from counter.services import visit_record
from passes.keys import keyring
from passes.models import Voucher
from passes.selectors import pass_check, voucher_token
from passes.services.checks import PassRefused
from passes.services.vouchers import meal_tickets_issue, referral_issue, voucher_revoke
from passes.tokens import human_code_display, token_read
from tests.concurrency import run_together
from tests.factories import convention_make, membership, organisation, user

BRUSSELS = ZoneInfo("Europe/Brussels")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=BRUSSELS)


def scan(text, service, volunteer, moment=MONDAY, key=None, units=1):
    return visit_record(
        text=text,
        service=service,
        user=volunteer,
        idempotency_key=key or uuid.uuid4().hex,
        moment=moment,
        units=units,
    )


def refusal_of(call) -> str:
    with pytest.raises(PassRefused) as refused:
        call()
    return refused.value.code


def test_a_referral_token_names_the_voucher_only_and_is_never_read_as_a_card(referral):
    token = voucher_token(voucher=referral)
    assert token.startswith("CV1")
    claims = token_read(token, keyring())
    assert claims.voucher and claims.pass_id == referral.pk
    assert "Marie" not in token and "Dupont" not in token
    # Re-prefixed as a card, the signed format byte gives it away.
    assert scan("CP1" + token[3:], referral.service, referral.issued_by).reason == "malformed"
    assert pass_check(token, today=MONDAY.date()).code == "is_voucher"


def test_a_referral_is_accepted_once_then_refused_with_when_and_where(referral, dresser, vestiaire):
    first = scan(voucher_token(voucher=referral), vestiaire, dresser)
    assert first.accepted
    assert first.first_name == "Marie"
    assert first.voucher.describe() == "Bon d'orientation : Vêtements d'hiver pour 3 personnes"
    again = scan(
        human_code_display(referral.human_code),
        vestiaire,
        dresser,
        moment=MONDAY + timedelta(hours=1),
    )
    assert again.reason == "voucher_used"
    assert again.message == "Bon déjà utilisé le lundi 2 mars à 10:00, à Vestiaire V."
    referral.refresh_from_db()
    assert referral.used_at == MONDAY and referral.used_service == vestiaire


def test_a_retried_request_gets_the_first_answer_and_uses_nothing_more(
    referral, dresser, vestiaire
):
    token = voucher_token(voucher=referral)
    first = scan(token, vestiaire, dresser, key="tablet-v-0001")
    retry = scan(token, vestiaire, dresser, key="tablet-v-0001")
    assert first.accepted and retry.accepted and retry.replayed
    assert retry.voucher.covers == "Vêtements d'hiver pour 3 personnes"
    assert Visit.objects.filter(voucher=referral).count() == 1


def test_a_voucher_is_refused_elsewhere_after_its_date_revoked_or_when_closed(
    referral, dresser, vestiaire, restaurant, social_worker_a
):
    token = voucher_token(voucher=referral)
    waiter = membership(user("vol.resto"), restaurant, "volunteer").user
    elsewhere = scan(token, restaurant, waiter)
    assert elsewhere.reason == "voucher_other_service"
    assert elsewhere.message == "Ce bon est pour Vestiaire V, pas pour ce comptoir."
    late = scan(token, vestiaire, dresser, moment=MONDAY + timedelta(days=14))
    assert (late.reason, late.message) == ("voucher_expired", "Ce bon a expiré.")
    night = scan(token, vestiaire, dresser, moment=MONDAY.replace(hour=22))
    assert night.reason == "counter_closed"
    voucher_revoke(actor=social_worker_a, voucher_id=referral.pk, reason="perdu par le ménage")
    revoked = scan(token, vestiaire, dresser)
    assert revoked.reason == "voucher_revoked"
    referral.refresh_from_db()
    assert referral.used_at is None
    assert Visit.objects.filter(voucher=referral, accepted=False).count() == 4


def test_a_referral_is_refused_without_covers_convention_or_role(
    frozen_day, conventions, social_worker_a, social_worker_b, household_a, vestiaire, partner_b
):
    common = {"household": household_a, "service": vestiaire, "moment": MONDAY}
    assert (
        refusal_of(lambda: referral_issue(actor=social_worker_a, covers=" ", **common))
        == "covers_required"
    )
    assert (
        refusal_of(
            lambda: referral_issue(actor=social_worker_a, covers="manteau", valid_days=0, **common)
        )
        == "validity_invalid"
    )
    assert (
        refusal_of(lambda: referral_issue(actor=social_worker_b, covers="manteau", **common))
        == "not_allowed"
    )
    other = organisation(
        kind="service", name="Vestiaire W", slug="vestiaire-w", service_kind="vestiaire"
    )
    assert (
        refusal_of(
            lambda: referral_issue(
                actor=social_worker_a, household=household_a, service=other, covers="manteau"
            )
        )
        == "no_convention"
    )
    assert not Voucher.objects.exists()


def test_a_sheet_of_meal_tickets_gives_one_meal_each(
    frozen_day, pass_keys, conventions, social_worker_a, household_a, restaurant, vestiaire
):
    tickets = meal_tickets_issue(
        actor=social_worker_a, household=household_a, service=restaurant, count=3, moment=MONDAY
    )
    assert len({t.batch for t in tickets}) == 1 and len({t.human_code for t in tickets}) == 3
    waiter = membership(user("vol.resto"), restaurant, "volunteer").user
    two_at_once = scan(voucher_token(voucher=tickets[0]), restaurant, waiter, units=2)
    assert two_at_once.reason == "voucher_one_meal"
    meal = scan(voucher_token(voucher=tickets[0]), restaurant, waiter)
    assert meal.accepted and meal.voucher.describe() == "Ticket-repas : 1 repas"
    assert scan(voucher_token(voucher=tickets[1]), restaurant, waiter).accepted
    assert (
        refusal_of(
            lambda: meal_tickets_issue(
                actor=social_worker_a, household=household_a, service=restaurant, count=0
            )
        )
        == "count_invalid"
    )
    assert (
        refusal_of(
            lambda: meal_tickets_issue(
                actor=social_worker_a, household=household_a, service=vestiaire, count=2
            )
        )
        == "not_a_restaurant"
    )


def test_a_used_voucher_cannot_be_revoked(referral, dresser, vestiaire, social_worker_a):
    scan(voucher_token(voucher=referral), vestiaire, dresser)
    assert (
        refusal_of(
            lambda: voucher_revoke(actor=social_worker_a, voucher_id=referral.pk, reason="erreur")
        )
        == "voucher_used"
    )


@pytest.mark.django_db(transaction=True)
def test_two_tablets_redeeming_one_voucher_at_once_accept_it_once(
    postgres, referral, dresser, vestiaire
):
    token = voucher_token(voucher=referral)
    second = membership(user("vol.vest2"), vestiaire, "volunteer").user
    verdicts = run_together(2, lambda i: scan(token, vestiaire, [dresser, second][i]))
    assert sorted(v.reason for v in verdicts) == ["", "voucher_used"]
    assert Visit.objects.filter(voucher=referral, accepted=True).count() == 1


def test_the_vestiaires_tablet_shows_what_the_referral_covers(client, referral, dresser):
    client.force_login(dresser)
    html = client.post(
        "/counter/scan/",
        {"code": voucher_token(voucher=referral), "idempotency_key": "vest-page-0001"},
    ).content.decode()
    assert "ACCEPTÉ" in html and "Vêtements d&#x27;hiver pour 3 personnes" in html
    assert "None" not in html


def test_a_referral_goes_to_a_vestiaire_only_and_never_outlives_its_convention(
    frozen_day, pass_keys, partner_a, social_worker_a, household_a, vestiaire, dresser
):
    shop = organisation(kind="service", name="Épicerie Z", slug="epicerie-z", service_kind="shop")
    convention_make(partner_a, [shop])
    short = convention_make(partner_a, [vestiaire], ends_on=MONDAY.date() + timedelta(days=3))
    assert (
        refusal_of(
            lambda: referral_issue(
                actor=social_worker_a, household=household_a, service=shop, covers="manteau"
            )
        )
        == "not_a_vestiaire"
    )
    voucher = referral_issue(
        actor=social_worker_a,
        household=household_a,
        service=vestiaire,
        covers="manteau",
        valid_days=60,
        moment=MONDAY,
    )
    assert voucher.valid_until == short.ends_on
    # The convention ends early (amended): the voucher is refused with it.
    short.ends_on = MONDAY.date()
    short.save()
    later = scan(
        voucher_token(voucher=voucher), vestiaire, dresser, moment=MONDAY + timedelta(days=1)
    )
    assert later.reason == "convention_ended"


def test_a_paper_meal_ticket_does_not_name_its_holder_at_the_counter(
    frozen_day, pass_keys, conventions, social_worker_a, household_a, restaurant
):
    ticket = meal_tickets_issue(
        actor=social_worker_a, household=household_a, service=restaurant, count=1, moment=MONDAY
    )[0]
    waiter = membership(user("vol.resto2"), restaurant, "volunteer").user
    verdict = scan(voucher_token(voucher=ticket), restaurant, waiter)
    assert verdict.accepted and verdict.first_name == ""


def test_a_device_reads_the_voucher_in_the_scan_answer(referral, dresser):
    from rest_framework.test import APIClient

    device = APIClient()
    device.force_authenticate(dresser)
    body = device.post(
        "/api/counter/scans/",
        {"code": voucher_token(voucher=referral), "idempotency_key": "vest-api-0001"},
        format="json",
    ).json()
    assert body["voucher"]["kind"] == "referral"
    assert body["voucher"]["text"] == "Bon d'orientation : Vêtements d'hiver pour 3 personnes"


def test_bad_numbers_typed_at_the_counter_are_refused_not_a_crash(client, referral, dresser):
    client.force_login(dresser)
    for field, value in (("units", "--1"), ("units", "²"), ("amount", "1e30")):
        answer = client.post(
            "/counter/scan/",
            {
                "code": voucher_token(voucher=referral),
                "idempotency_key": f"bad-{len(value)}-x" * 2,
                field: value,
            },
        )
        assert answer.status_code == 422, (field, value)
