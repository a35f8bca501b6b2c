"""The household's page lists what it received, from every service, for its social worker."""

from foodaid.handouts import HandoutItem, handout_record
from passes.selectors import voucher_token
from tests.counter.test_vouchers import scan


def test_the_social_worker_sees_what_the_household_received(
    client,
    referral,
    dresser,
    vestiaire,
    social_worker_a,
    social_worker_b,
    household_a,
):
    visit = scan(voucher_token(voucher=referral), vestiaire, dresser).visit
    handout_record(
        actor=dresser,
        service=vestiaire,
        visit_id=visit.pk,
        items=[HandoutItem("Manteau enfant", 2), HandoutItem("Bonnet")],
        moment=visit.at,
    )
    client.force_login(social_worker_a)
    page = client.get(f"/households/{household_a.pk}/").content.decode()
    assert "Ce que le ménage a reçu" in page
    assert "Vestiaire V" in page and "Manteau enfant × 2, Bonnet" in page
    assert "Vêtements d&#x27;hiver pour 3 personnes" in page
    # Another partner's social worker does not get the household at all.
    client.force_login(social_worker_b)
    assert client.get(f"/households/{household_a.pk}/").status_code == 404


def test_a_device_of_the_partner_reads_what_the_household_received(
    referral, dresser, vestiaire, social_worker_a, social_worker_b, household_a, volunteer_s
):
    from rest_framework.test import APIClient

    scan(voucher_token(voucher=referral), vestiaire, dresser)
    device = APIClient()
    device.force_authenticate(social_worker_a)
    rows = device.get(f"/api/households/{household_a.pk}/received/").json()
    assert rows[0]["service"] == "Vestiaire V"
    assert rows[0]["received"] == ["Bon d'orientation : Vêtements d'hiver pour 3 personnes"]
    for outsider in (social_worker_b, volunteer_s):
        device.force_authenticate(outsider)
        assert device.get(f"/api/households/{household_a.pk}/received/").status_code == 404
