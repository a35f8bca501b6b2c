"""In a real browser, a social worker's journey with a household, its pass and its card.

Register a household, record the assessment, issue a pass, print the card and send it
to a phone, replace a lost card; the other actions on a pass, each with its reason; a
refusal shown next to its field; the card in the household's language.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from passes.keys import keyring
from passes.models import AccessPass, Assessment, Household, PassEvent
from passes.selectors import pass_check, pass_token
from passes.tokens import human_code_display, token_read
from tests.e2e.helpers_passes import (
    ARTIFACTS,
    assert_no_csp_errors,
    element_shot,
    household_make,
    log_in,
    pass_make,
    qr_texts,
    save_artifact,
    shot,
    today,
)
from tests.e2e.passes_journey.common import _post_to

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pass_keys", "assessment_reasons"),
]

MM = 96 / 25.4  # CSS pixels in a millimetre


# --- 1. the whole journey -----------------------------------------------------------


def test_a_social_worker_registers_assesses_issues_prints_and_replaces_a_card(
    page, live_server, social_worker_a, partner_a, convention_a
):
    base = live_server.url
    # Another household with a pass, so that the A4 sheet holds two cards.
    other = household_make(
        social_worker_a, partner_a, first_name="Amélie", last_name="Noël", granted=True
    )
    other_pass = pass_make(social_worker_a, other, convention_a)

    log_in(page, base, "sw.a", "social_worker")

    # The household form: first a postal code that is not one, refused next to its field.
    page.goto(base + "/households/new/")
    assert page.get_attribute("html", "lang") == "fr"
    page.fill("#id_first_name", "Hélène")
    page.fill("#id_last_name", "Dupont-Lefèvre")
    page.fill("#id_birth_year", "1984")
    page.fill("#id_postal_code", "50")
    page.fill("#id_commune", "Namur")
    page.select_option("#id_language", "fr")
    page.select_option("#id_legal_basis", "public_task")
    page.fill("#id_members_3_15_f", "1")
    page.fill("#id_members_3_15_m", "1")
    with page.expect_response(_post_to("/households/new/")) as posted:
        page.click("button.button-primary:has-text('Enregistrer le ménage')")
    assert posted.value.status == 422
    postal_error = page.locator(".field:has(#id_postal_code) .field-error")
    expect(postal_error).to_contain_text("code postal")
    assert Household.objects.filter(partner=partner_a).count() == 1
    # What was typed stays typed.
    assert page.input_value("#id_last_name") == "Dupont-Lefèvre"
    assert page.input_value("#id_members_3_15_m") == "1"
    shot(page, "passes-household-form-error")

    page.fill("#id_postal_code", "5000")
    page.click("button.button-primary:has-text('Enregistrer le ménage')")
    page.wait_for_url(re.compile(r"/households/\d+/$"))
    household = Household.objects.get(partner=partner_a, last_name="Dupont-Lefèvre")
    assert page.url == f"{base}/households/{household.pk}/"
    assert household.first_name == "Hélène"
    assert sorted((m.age_band, m.sex) for m in household.members.all()) == [
        ("3-15", "f"),
        ("3-15", "m"),
    ]
    expect(page.locator("h1")).to_have_text("Hélène DUPONT-LEFÈVRE")
    expect(page.locator(".messages")).to_contain_text("Ménage enregistré")
    expect(page.locator("body")).to_contain_text("3 à 15 ans · Femme")
    expect(page.locator("body")).to_contain_text("3 à 15 ans · Homme")
    assert page.locator("[data-warning=pass-elsewhere]").count() == 0

    # The social assessment.
    page.click("a:has-text('Enquête sociale')")
    page.wait_for_url(f"{base}/households/{household.pk}/assessments/new/")
    page.get_by_label("Accordé").check()
    page.get_by_label("Revenus insuffisants").check()
    page.fill("#id_notes", "Loyer impayé depuis janvier ; deux enfants à l'école.")
    page.click("button.button-primary:has-text('Enregistrer l')")
    page.wait_for_url(f"{base}/households/{household.pk}/")
    assessment = Assessment.objects.get(household=household)
    assert assessment.outcome == "granted"
    assert [r.code for r in assessment.reasons.all()] == ["low_income"]
    expect(page.locator(".timeline")).to_contain_text("Accordé")
    expect(page.locator(".timeline")).to_contain_text("Revenus insuffisants")
    # The notes are not in the page until asked for, then come by htmx.
    assert "Loyer impayé" not in page.content()
    page.click("button:has-text('Lire les notes')")
    expect(page.locator(".timeline")).to_contain_text("Loyer impayé depuis janvier")
    assert page.url == f"{base}/households/{household.pk}/"
    assert_no_csp_errors(page)

    # The pass, with the default dates: a change checks the form, then it is issued.
    page.click("a:has-text('Délivrer un accès-pass')")
    page.wait_for_url(f"{base}/households/{household.pk}/passes/new/")
    with page.expect_response(_post_to(f"/households/{household.pk}/passes/new/")) as checked:
        page.get_by_label("Épicerie S").check()
    assert checked.value.status == 200
    assert "check=1" in (checked.value.request.post_data or "")
    expect(page.locator("#issue-form [role=status]")).to_contain_text("Tout est en ordre")
    assert AccessPass.objects.filter(household=household).count() == 0
    with page.expect_response(_post_to(f"/households/{household.pk}/passes/new/")) as issued:
        page.click("#issue-form button.button-primary")
    assert "check=1" not in (issued.value.request.post_data or ""), (
        "the submit button inherits hx-vals check=1 from #issue-form: "
        "the pass is only checked, never issued"
    )
    page.wait_for_url(re.compile(r"/passes/\d+/$"))
    access_pass = AccessPass.objects.get(household=household)
    assert page.url == f"{base}/passes/{access_pass.pk}/"
    assert access_pass.valid_from == today()
    assert access_pass.valid_until == today() + timedelta(days=convention_a.max_pass_days - 1)
    assert access_pass.card_version == 1

    # The pass page: rights, card preview with its QR and human code, history.
    card = access_pass.cards.get(version=1)
    expect(page.locator("[data-human-code]")).to_have_text(human_code_display(card.human_code))
    expect(page.locator(".qr-preview svg")).to_be_visible()
    expect(page.locator("body")).to_contain_text("1 passage par semaine")
    expect(page.locator("#pass-history tr[data-action=issue]")).to_contain_text("Délivré")
    shot(page, "passes-pass-page")
    assert_no_csp_errors(page)

    # The print view, at credit-card size.
    page.goto(f"{base}/passes/{access_pass.pk}/card/")
    printed = page.locator(".pass-card")
    expect(printed).to_have_count(1)
    expect(printed).to_contain_text("Hélène")
    expect(printed).not_to_contain_text("Dupont")
    box = printed.bounding_box()
    assert abs(box["width"] - 85.6 * MM) < 2, box
    assert abs(box["height"] - 54 * MM) < 2, box
    qr_box = page.locator(".pass-card-qr svg").bounding_box()
    assert qr_box["width"] >= 25 * MM, qr_box  # scannable from a counter tablet
    # No text is cut at the card's bottom edge.
    cut = page.evaluate(
        "() => { const t = document.querySelector('.pass-card-text');"
        " return t.scrollHeight > t.clientHeight + 1; }"
    )
    assert not cut, "the card's text overflows its box"
    shot(page, "passes-print-view")
    element_shot(printed, "card-print")
    page.pdf(path=str(ARTIFACTS / "card.pdf"), format="A4", print_background=True)
    assert (ARTIFACTS / "card.pdf").read_bytes().startswith(b"%PDF")
    assert_no_csp_errors(page)

    # The phone picture: its QR holds the current token and nothing personal.
    old_token = pass_token(access_pass=access_pass)
    response = page.request.get(f"{base}/passes/{access_pass.pk}/card.png")
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert "Dupont" not in response.headers.get("content-disposition", "")
    assert "no-store" in response.headers.get("cache-control", "")
    phone = save_artifact("card-phone.png", response.body())
    assert qr_texts(phone) == [old_token]
    for personal in ("Hélène", "Helene", "Dupont", "Lefèvre", "Lefevre", "1984", "Namur"):
        assert personal.casefold() not in old_token.casefold()
    claims = token_read(old_token, keyring())
    assert (claims.pass_id, claims.card_version) == (access_pass.pk, 1)

    # The card is lost: replace it, with a reason.
    page.goto(f"{base}/passes/{access_pass.pk}/")
    page.fill("#reason-replace", "Carte perdue au marché")
    page.click("form:has(#reason-replace) button")
    page.wait_for_url(f"{base}/passes/{access_pass.pk}/")
    replaced_row = page.locator("#pass-history tr[data-action=replace]")
    expect(replaced_row).to_contain_text("Carte remplacée")
    expect(replaced_row).to_contain_text("Carte perdue au marché")
    access_pass.refresh_from_db()
    assert access_pass.card_version == 2
    new_card = access_pass.cards.get(version=2)
    expect(page.locator("[data-human-code]")).to_have_text(human_code_display(new_card.human_code))
    assert PassEvent.objects.filter(access_pass=access_pass, action="replace").count() == 1

    new_token = pass_token(access_pass=access_pass)
    response = page.request.get(f"{base}/passes/{access_pass.pk}/card.png")
    phone_v2 = save_artifact("card-phone-v2.png", response.body())
    assert qr_texts(phone_v2) == [new_token]
    assert new_token != old_token
    assert pass_check(old_token, today=today()).code == "replaced"
    assert pass_check(new_token, today=today()).code == "ok"
    assert pass_check(card.human_code, today=today()).code == "replaced"
    assert pass_check(new_card.human_code, today=today()).code == "ok"
    assert_no_csp_errors(page)

    # An A4 sheet of the two households' cards, chosen from the list.
    page.goto(base + "/households/")
    page.check(f"input[name=pass][value='{access_pass.pk}']")
    page.check(f"input[name=pass][value='{other_pass.pk}']")
    page.click("button:has-text('Imprimer les cartes cochées')")
    page.wait_for_url(re.compile(r"/cards/sheet/\?"))
    assert "Dupont" not in page.url and "Noël" not in page.url
    expect(page.locator(".card-sheet .pass-card")).to_have_count(2)
    shot(page, "passes-a4-sheet")
    page.pdf(path=str(ARTIFACTS / "card-sheet.pdf"), format="A4", print_background=True)

    page.goto(f"{base}/passes/{access_pass.pk}/card/?sheet=1")
    expect(page.locator(".card-sheet .pass-card")).to_have_count(1)
    assert_no_csp_errors(page)


# --- 1b. the other actions on a pass, each with its reason ----------------------------


def test_suspend_resume_renew_and_revoke_each_ask_for_a_reason(
    page, live_server, social_worker_a, partner_a, convention_a
):
    base = live_server.url
    household = household_make(social_worker_a, partner_a, granted=True)
    access_pass = pass_make(social_worker_a, household, convention_a)
    log_in(page, base, "sw.a", "social_worker")
    url = f"{base}/passes/{access_pass.pk}/"
    page.goto(url)

    # No reason: refused in plain words, nothing changes.
    with page.expect_response(_post_to(f"/passes/{access_pass.pk}/suspend/")) as refused:
        page.click("form:has(#reason-suspend) button")
    assert refused.value.status == 422
    expect(page.locator("#pass-actions .form-error")).to_contain_text("Indiquez le motif")
    access_pass.refresh_from_db()
    assert access_pass.status == "active"

    steps = [
        ("#reason-suspend", "Absent trois mois (hospitalisation)", "suspended", "Suspendu"),
        ("#reason-resume", "De retour à Namur", "active", "Réactivé"),
    ]
    for field, reason, status, shown in steps:
        page.fill(field, reason)
        page.click(f"form:has({field}) button")
        page.wait_for_url(url)
        access_pass.refresh_from_db()
        assert access_pass.status == status
        last = page.locator("#pass-history tbody tr").filter(has_text=reason)
        expect(last).to_contain_text(shown)

    page.fill("#id_reason", "Situation inchangée")
    page.click("form[action$='/renew/'] button")
    page.wait_for_url(url)
    access_pass.refresh_from_db()
    assert access_pass.card_version == 2
    expect(page.locator("#pass-history tr[data-action=renew]")).to_contain_text(
        "Situation inchangée"
    )

    page.fill("#reason-revoke", "Déménagement hors de la commune")
    page.click("form:has(#reason-revoke) button")
    page.wait_for_url(url)
    access_pass.refresh_from_db()
    assert access_pass.status == "revoked"
    expect(page.locator("#pass-history tr[data-action=revoke]")).to_contain_text("Révoqué")
    # A revoked pass offers no more actions.
    assert page.locator("#pass-actions form").count() == 0
    assert pass_check(pass_token(access_pass=access_pass), today=today()).code == "revoked"
    assert_no_csp_errors(page)


# --- 3. a refusal shown next to its field -------------------------------------------


def test_an_end_date_beyond_the_convention_is_refused_next_to_its_field(
    page, live_server, social_worker_a, partner_a, convention_a
):
    base = live_server.url
    household = household_make(social_worker_a, partner_a, granted=True)
    log_in(page, base, "sw.a", "social_worker")
    page.goto(f"{base}/households/{household.pk}/passes/new/")
    too_late = convention_a.ends_on + timedelta(days=10)
    with page.expect_response(_post_to(f"/households/{household.pk}/passes/new/")) as checked:
        page.fill("#id_valid_until", too_late.isoformat())
        page.locator("#id_valid_until").dispatch_event("change")
    assert checked.value.status == 422
    assert "check=1" in (checked.value.request.post_data or "")
    field = page.locator(".field:has(#id_valid_until)")
    expect(field.locator("label")).to_have_text(re.compile("Valable jusqu.au"))
    expect(field.locator(".field-error")).to_contain_text("La convention se termine")
    expect(field.locator(".field-error")).to_contain_text(convention_a.ends_on.strftime("%d/%m/%Y"))
    expect(page.locator("#issue-form [role=status]")).to_have_count(0)
    assert page.input_value("#id_valid_until") == too_late.isoformat()
    shot(page, "passes-issue-form-error")

    # Submitting anyway is refused the same way; nothing is saved.
    with page.expect_response(_post_to(f"/households/{household.pk}/passes/new/")) as submitted:
        page.click("#issue-form button.button-primary")
    assert submitted.value.status == 422
    expect(page.locator(".field:has(#id_valid_until) .field-error")).to_contain_text(
        "La convention se termine"
    )
    assert page.url == f"{base}/households/{household.pk}/passes/new/"
    assert AccessPass.objects.count() == 0
    assert_no_csp_errors(page)


# --- 5. the card in the household's language -----------------------------------------


def test_the_card_is_printed_in_the_households_language(
    page, live_server, social_worker_a, partner_a, convention_a
):
    base = live_server.url
    household = household_make(
        social_worker_a,
        partner_a,
        first_name="Lieve",
        last_name="Peeters",
        language="nl",
        granted=True,
    )
    access_pass = pass_make(social_worker_a, household, convention_a)
    log_in(page, base, "sw.a", "social_worker")
    page.goto(f"{base}/passes/{access_pass.pk}/card/")
    card = page.locator(".pass-card")
    # The page around the card stays in the social worker's language.
    assert page.get_attribute("html", "lang") == "fr"
    expect(page.locator(".print-toolbar")).to_contain_text("Imprimer")
    header = page.inner_text(".pass-card-head")
    validity = page.inner_text(".pass-card-validity")
    element_shot(card, "card-print-nl")
    assert card.get_attribute("lang") == "nl"
    assert "Accès-pass" not in header, header
    assert not validity.startswith("Valable"), validity
    assert_no_csp_errors(page)
