"""The social worker's vouchers: the household page's « Bons et tickets-repas » section,
giving a referral or a sheet of meal tickets, cancelling one, and printing them."""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from counter.services import visit_record
from network.models import AuditEntry
from passes.models import Voucher
from passes.selectors import voucher_token
from passes.services.vouchers import meal_tickets_issue, referral_issue, voucher_revoke
from passes.tokens import human_code_display
from schedules.models import OpeningRule
from tests.factories import convention_make, membership, organisation, user

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
COVERS = "Vêtements d'hiver pour 3 personnes"


@pytest.fixture(autouse=True)
def _day_and_keys(frozen_day, pass_keys):
    return frozen_day


@pytest.fixture
def vestiaire(db):
    return organisation(
        kind="service",
        name="Vestiaire V",
        slug="vestiaire-v",
        service_kind="vestiaire",
        street="Rue des Brasseurs 12",
        postal_code="5000",
        city="Namur",
    )


@pytest.fixture
def restaurant(db):
    return organisation(
        kind="service", name="Resto R", slug="resto-r", service_kind="restaurant", city="Namur"
    )


@pytest.fixture
def conventions(partner_a, vestiaire, restaurant):
    return convention_make(partner_a, [vestiaire, restaurant])


@pytest.fixture
def sw_a(client, social_worker_a, conventions):
    client.force_login(social_worker_a)
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def give_referral(client, household, service, headers=None, **fields):
    data = {
        "referral-service": service.pk,
        "referral-covers": COVERS,
        "referral-valid_days": "30",
    }
    data.update({f"referral-{name}": value for name, value in fields.items()})
    return client.post(
        f"/households/{household.pk}/vouchers/referral/", data, headers=headers or {}
    )


def give_meals(client, household, service, count="3", headers=None, **fields):
    data = {"meal-service": service.pk, "meal-count": count, "meal-valid_days": "90"}
    data.update({f"meal-{name}": value for name, value in fields.items()})
    return client.post(
        f"/households/{household.pk}/vouchers/meal-tickets/", data, headers=headers or {}
    )


# --- the section and giving ------------------------------------------------------------


def test_the_household_page_offers_the_services_of_the_partners_conventions_in_force(
    sw_a, partner_a, household_a, vestiaire, restaurant, service_s
):
    # A convention that ended last year opens nothing today.
    from datetime import date

    convention_make(partner_a, [service_s], starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    page = text_of(sw_a.get(f"/households/{household_a.pk}/"))
    assert "Bons et tickets-repas" in page
    referral = re.search(r'<select name="referral-service".*?</select>', page, re.S).group(0)
    meal = re.search(r'<select name="meal-service".*?</select>', page, re.S).group(0)
    # Referrals go to vestiaires, meal tickets to restaurants.
    assert "Vestiaire V" in referral and "Resto R" not in referral and "Épicerie S" not in referral
    assert "Resto R" in meal and "Vestiaire V" not in meal
    assert 'placeholder="vêtements d\'hiver pour 3 personnes"' in page
    assert 'name="referral-valid_days" value="30"' in page
    assert 'name="meal-valid_days" value="90"' in page
    assert "Aucun bon ni ticket-repas pour ce ménage." in page


def test_a_referral_given_with_htmx_answers_the_section_with_its_print_link(
    sw_a, social_worker_a, household_a, vestiaire
):
    response = give_referral(sw_a, household_a, vestiaire, headers=HX)
    assert response.status_code == 200
    page = text_of(response)
    assert "<html" not in page.lower()
    voucher = Voucher.objects.get()
    assert (voucher.kind, voucher.service, voucher.covers) == ("referral", vestiaire, COVERS)
    assert voucher.valid_until == voucher.valid_from + timedelta(days=29)
    assert voucher.issued_by == social_worker_a
    assert "Bon d'orientation créé pour Vestiaire V." in page
    assert f'href="/vouchers/{voucher.pk}/print/"' in page
    row = re.search(rf'<tr data-voucher="{voucher.pk}".*?</tr>', page, re.S).group(0)
    assert COVERS in row and "valable" in row and "31/03/2026" in row
    assert human_code_display(voucher.human_code) in row


def test_a_referral_given_without_htmx_goes_back_to_the_household_page(
    sw_a, household_a, vestiaire
):
    response = give_referral(sw_a, household_a, vestiaire)
    assert response.status_code == 302
    assert response["Location"] == f"/households/{household_a.pk}/#vouchers"
    page = text_of(sw_a.get(response["Location"]))
    assert "Bon d'orientation créé" in page and COVERS in page


def test_refusals_are_shown_next_to_their_field_and_nothing_is_saved(
    sw_a, household_a, vestiaire, restaurant
):
    cases = [
        (
            give_referral(sw_a, household_a, vestiaire, headers=HX, covers="  "),
            "referral-covers",
            "Dites ce que le bon couvre",
        ),
        (
            give_referral(sw_a, household_a, vestiaire, headers=HX, valid_days="0"),
            "referral-valid_days",
            "Un bon est valable de 1 à 180 jours.",
        ),
        (
            give_meals(sw_a, household_a, restaurant, count="31", headers=HX),
            "meal-count",
            "Une feuille compte de 1 à 30 tickets-repas.",
        ),
        (
            give_meals(sw_a, household_a, restaurant, valid_days="365", headers=HX),
            "meal-valid_days",
            "Un bon est valable de 1 à 180 jours.",
        ),
    ]
    for response, field, message in cases:
        assert response.status_code == 422
        page = text_of(response)
        field_block = re.search(
            rf'<div class="field field-invalid">\s*<label for="id_{field}".*?</div>', page, re.S
        )
        assert field_block, (field, page)
        assert message in field_block.group(0)
        assert "rien n'a été enregistré" in page
    assert not Voucher.objects.exists()


def test_a_refusal_without_htmx_renders_the_whole_page_with_the_message(
    sw_a, household_a, vestiaire
):
    response = give_referral(sw_a, household_a, vestiaire, covers="")
    assert response.status_code == 422
    page = text_of(response)
    assert "<html" in page and "Dites ce que le bon couvre" in page
    assert not Voucher.objects.exists()


def test_a_service_without_a_convention_today_is_not_a_choice(
    sw_a, household_a, service_s, vestiaire
):
    response = give_referral(sw_a, household_a, service_s, headers=HX)
    assert response.status_code == 422
    assert "Sélectionnez un choix valide" in text_of(response)
    assert not Voucher.objects.exists()


def test_a_sheet_of_meal_tickets_is_one_row_with_its_tickets_one_by_one(
    sw_a, household_a, restaurant
):
    response = give_meals(sw_a, household_a, restaurant, count="4", headers=HX)
    assert response.status_code == 200
    tickets = list(Voucher.objects.order_by("pk"))
    assert len(tickets) == 4 and {t.kind for t in tickets} == {"meal"}
    assert len({t.batch for t in tickets}) == 1
    assert tickets[0].valid_until == tickets[0].valid_from + timedelta(days=89)
    page = text_of(response)
    assert "4 tickets-repas créés pour Resto R." in page
    assert f'href="/vouchers/sheets/{tickets[0].batch}/print/"' in page
    sheet = re.search(rf'<tr data-sheet="{tickets[0].batch}".*?</tr>', page, re.S).group(0)
    assert "4 tickets, 1 repas chacun" in sheet and "4 valables" in sheet
    for ticket in tickets:
        assert f'<tr data-voucher="{ticket.pk}" data-state="valid">' in page


# --- cancelling --------------------------------------------------------------------------


@pytest.fixture
def referral(social_worker_a, household_a, vestiaire, conventions):
    return referral_issue(
        actor=social_worker_a, household=household_a, service=vestiaire, covers=COVERS
    )


def test_a_social_worker_cancels_a_voucher_with_a_reason(sw_a, social_worker_a, referral):
    url = f"/vouchers/{referral.pk}/revoke/"
    refused = sw_a.post(url, {"reason": ""}, headers=HX)
    assert refused.status_code == 422
    page = text_of(refused)
    assert re.search(
        rf'id="revoke-{referral.pk}".*?Indiquez pourquoi vous annulez ce bon', page, re.S
    )
    referral.refresh_from_db()
    assert referral.revoked_at is None

    response = sw_a.post(url, {"reason": "Perdu par le ménage"}, headers=HX)
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.revoked_at is not None and referral.revoke_reason == "Perdu par le ménage"
    page = text_of(response)
    assert "Bon annulé : il est refusé au comptoir dès maintenant." in page
    row = re.search(rf'<tr data-voucher="{referral.pk}" data-state="revoked">.*?</tr>', page, re.S)
    assert row and "Perdu par le ménage" in row.group(0)
    assert "/print/" not in row.group(0) and "/revoke/" not in row.group(0)
    assert AuditEntry.objects.filter(action="voucher.revoke", actor=social_worker_a).count() == 1


def test_a_used_voucher_shows_when_and_where_and_cannot_be_cancelled(
    sw_a, referral, vestiaire, household_a
):
    OpeningRule.objects.create(
        service=vestiaire, recurrence="FREQ=DAILY", starts_at=time(8), ends_at=time(20)
    )
    dresser = membership(user("vol.vest"), vestiaire, "volunteer").user
    moment = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    assert visit_record(
        text=voucher_token(voucher=referral),
        service=vestiaire,
        user=dresser,
        idempotency_key="used-once",
        moment=moment,
    ).accepted
    page = text_of(sw_a.get(f"/households/{household_a.pk}/"))
    row = re.search(rf'<tr data-voucher="{referral.pk}" data-state="used">.*?</tr>', page, re.S)
    assert row and "le 2 mars 2026 à 10:00, à Vestiaire V" in row.group(0)
    response = sw_a.post(f"/vouchers/{referral.pk}/revoke/", {"reason": "erreur"}, headers=HX)
    assert response.status_code == 422
    assert "Ce bon a déjà été utilisé : il ne peut plus être annulé." in text_of(response)


# --- printing ----------------------------------------------------------------------------


def test_the_referral_prints_on_a6_with_its_qr_code_and_the_first_name_only(
    sw_a, social_worker_a, referral
):
    response = sw_a.get(f"/vouchers/{referral.pk}/print/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text_of(response)
    article = re.search(r'<article class="referral".*?</article>', page, re.S).group(0)
    assert "<svg" in article
    assert human_code_display(referral.human_code) in article
    for shown in ("Bon d'orientation", "Vestiaire V", "Rue des Brasseurs 12", "5000 Namur"):
        assert shown in article
    assert COVERS in article and "31 mars 2026" in article
    assert "Marie" in article and "CPAS A" in article
    assert "Dupont" not in page and "1980" not in page
    assert "voucher-a6.css" in page
    entry = AuditEntry.objects.get(action="voucher.print")
    assert entry.actor == social_worker_a and entry.target_id == str(referral.pk)
    assert entry.detail == {"vouchers": [referral.pk]}


def test_a_reprint_of_a_cancelled_referral_says_so_across_it(sw_a, social_worker_a, referral):
    voucher_revoke(actor=social_worker_a, voucher_id=referral.pk, reason="Donné par erreur")
    page = text_of(sw_a.get(f"/vouchers/{referral.pk}/print/"))
    assert "Ce bon n'est plus valable : le comptoir le refusera." in page
    assert '<p class="voucher-stamp">Annulé</p>' in page


def test_the_meal_ticket_sheet_prints_each_ticket_and_nothing_personal(
    sw_a, social_worker_a, household_a, restaurant, conventions
):
    tickets = meal_tickets_issue(
        actor=social_worker_a, household=household_a, service=restaurant, count=5
    )
    voucher_revoke(actor=social_worker_a, voucher_id=tickets[4].pk, reason="Perdu")
    response = sw_a.get(f"/vouchers/sheets/{tickets[0].batch}/print/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text_of(response)
    printed = re.findall(r'<article class="meal-ticket".*?</article>', page, re.S)
    assert len(printed) == 4
    for ticket, article in zip(tickets, printed, strict=False):
        assert "<svg" in article and "Resto R" in article
        assert "Ticket-repas · 1 repas" in article and "30/05/2026" in article
        assert human_code_display(ticket.human_code) in article
    assert human_code_display(tickets[4].human_code) not in page
    assert "1 ticket de cette feuille est déjà utilisé, expiré ou annulé" in page
    for personal in ("Marie", "Dupont", "1980", "CPAS A", household_a.postal_code):
        assert personal not in page
    entry = AuditEntry.objects.get(action="voucher.print")
    assert entry.actor == social_worker_a
    assert entry.detail == {"vouchers": [t.pk for t in tickets[:4]], "batch": str(tickets[0].batch)}


def test_a_meal_tickets_id_opens_its_sheet(sw_a, social_worker_a, household_a, restaurant):
    tickets = meal_tickets_issue(
        actor=social_worker_a, household=household_a, service=restaurant, count=2
    )
    response = sw_a.get(f"/vouchers/{tickets[1].pk}/print/")
    assert response.status_code == 302
    assert response["Location"] == f"/vouchers/sheets/{tickets[0].batch}/print/"


# --- who may ---------------------------------------------------------------------------


def test_another_partners_social_worker_finds_nothing_and_changes_nothing(
    client,
    social_worker_a,
    social_worker_b,
    partner_b,
    household_a,
    vestiaire,
    restaurant,
    referral,
):
    tickets = meal_tickets_issue(
        actor=social_worker_a, household=household_a, service=restaurant, count=2
    )
    convention_make(partner_b, [vestiaire, restaurant])
    client.force_login(social_worker_b)
    before = (Voucher.objects.count(), AuditEntry.objects.count())
    answers = [
        give_referral(client, household_a, vestiaire),
        give_referral(client, household_a, vestiaire, headers=HX),
        give_meals(client, household_a, restaurant),
        client.post(f"/vouchers/{referral.pk}/revoke/", {"reason": "pas à moi"}),
        client.get(f"/vouchers/{referral.pk}/print/"),
        client.get(f"/vouchers/{tickets[0].pk}/print/"),
        client.get(f"/vouchers/sheets/{tickets[0].batch}/print/"),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    for answer in answers:
        body = answer.content.decode()
        assert "Marie" not in body and human_code_display(referral.human_code) not in body
    referral.refresh_from_db()
    assert referral.revoked_at is None
    # Only the login of the test client could have written; nothing else was.
    assert (Voucher.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("persona", ["volunteer_s", "manager_s", "coordinator"])
def test_counter_and_network_roles_are_refused_every_voucher_page(
    client, request, persona, household_a, vestiaire, referral
):
    client.force_login(request.getfixturevalue(persona))
    answers = [
        give_referral(client, household_a, vestiaire),
        client.post(f"/vouchers/{referral.pk}/revoke/", {"reason": "pas à moi"}),
        client.get(f"/vouchers/{referral.pk}/print/"),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert Voucher.objects.count() == 1


def test_the_partner_head_gives_and_prints_too(
    client, partner_head_a, household_a, vestiaire, conventions
):
    client.force_login(partner_head_a)
    assert give_referral(client, household_a, vestiaire).status_code == 302
    voucher = Voucher.objects.get()
    assert client.get(f"/vouchers/{voucher.pk}/print/").status_code == 200


# --- privacy and cost ---------------------------------------------------------------------


def test_no_voucher_address_carries_personal_data(
    sw_a, social_worker_a, household_a, vestiaire, restaurant, referral
):
    meal_tickets_issue(actor=social_worker_a, household=household_a, service=restaurant, count=2)
    page = text_of(sw_a.get(f"/households/{household_a.pk}/"))
    section = re.search(r'<section class="panel" id="vouchers">.*?</section>', page, re.S).group(0)
    urls = set(re.findall(r'(?:href|action|hx-post)="([^"]+)"', section))
    assert len(urls) >= 6
    allowed = re.compile(
        r"^/(households/\d+/vouchers/(referral|meal-tickets)/"
        r"|vouchers/\d+/(print|revoke)/"
        r"|vouchers/sheets/[0-9a-f-]{36}/print/)$"
    )
    for url in urls:
        assert allowed.match(url), url
    for personal in ("Marie", "Dupont", "1980", "Vêtements", referral.human_code):
        assert all(personal.lower() not in url.lower() for url in urls)


def test_the_household_page_costs_the_same_queries_with_one_or_many_vouchers(
    sw_a, social_worker_a, household_a, vestiaire, restaurant, referral
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert sw_a.get(f"/households/{household_a.pk}/").status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _round in range(3):
        referral_issue(
            actor=social_worker_a, household=household_a, service=vestiaire, covers="x" * 5
        )
        meal_tickets_issue(
            actor=social_worker_a, household=household_a, service=restaurant, count=6
        )
    assert queries() == few
