"""What a vestiaire gave after an accepted scan of a referral voucher."""

from datetime import timedelta

import pytest
import time_machine

from counter.services import UndoRefused, visit_undo
from foodaid.handouts import HandoutItem, HandoutRefused, handout_record
from foodaid.models import Handout
from passes.selectors import voucher_token
from tests.counter.test_vouchers import scan


def refusal_of(call) -> str:
    with pytest.raises(HandoutRefused) as refused:
        call()
    return refused.value.code


@pytest.fixture
def visit(referral, dresser, vestiaire):
    verdict = scan(voucher_token(voucher=referral), vestiaire, dresser)
    assert verdict.accepted
    return verdict.visit


def test_the_vestiaire_notes_what_it_gave_and_may_correct_it_the_same_day(
    visit, dresser, vestiaire
):
    handout = handout_record(
        actor=dresser,
        service=vestiaire,
        visit_id=visit.pk,
        items=[HandoutItem("Manteau enfant", 2), HandoutItem("  bonnet  "), HandoutItem("")],
        moment=visit.at,
    )
    assert [(line.text, line.count) for line in handout.lines.all()] == [
        ("Manteau enfant", 2),
        ("bonnet", 1),
    ]
    again = handout_record(
        actor=dresser,
        service=vestiaire,
        visit_id=visit.pk,
        items=[HandoutItem("Manteau enfant", 1)],
        moment=visit.at + timedelta(minutes=5),
    )
    assert again.pk == handout.pk and again.lines.count() == 1
    with pytest.raises(UndoRefused) as refused:
        visit_undo(visit_id=visit.pk, service=vestiaire, user=dresser, reason="erreur")
    assert refused.value.code == "visit_in_use"


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([], "handout_empty"),
        ([HandoutItem("   ")], "handout_empty"),
        ([HandoutItem("x")], "handout_text_short"),
        ([HandoutItem("pull", 0)], "handout_count_invalid"),
        ([HandoutItem("pull", 100)], "handout_count_invalid"),
        ([HandoutItem(f"pull {n}") for n in range(21)], "handout_too_long"),
    ],
)
def test_an_empty_or_absurd_handout_is_refused_and_nothing_saved(
    visit, dresser, vestiaire, items, code
):
    assert (
        refusal_of(
            lambda: handout_record(
                actor=dresser, service=vestiaire, visit_id=visit.pk, items=items, moment=visit.at
            )
        )
        == code
    )
    assert not Handout.objects.exists()


def test_a_handout_needs_an_accepted_visit_of_today_at_a_vestiaire(
    visit,
    dresser,
    vestiaire,
    restaurant,
):
    items = [HandoutItem("pull")]
    with time_machine.travel(visit.at + timedelta(days=1), tick=False):
        assert (
            refusal_of(
                lambda: handout_record(
                    actor=dresser, service=vestiaire, visit_id=visit.pk, items=items
                )
            )
            == "visit_not_today"
        )
    assert (
        refusal_of(
            lambda: handout_record(
                actor=dresser, service=restaurant, visit_id=visit.pk, items=items, moment=visit.at
            )
        )
        == "not_allowed"
    )
    assert (
        refusal_of(
            lambda: handout_record(
                actor=dresser,
                service=vestiaire,
                visit_id=visit.pk + 999,
                items=items,
                moment=visit.at,
            )
        )
        == "not_found"
    )


def test_the_vestiaires_tablet_notes_the_handout_after_the_verdict(client, visit, dresser):
    client.force_login(dresser)
    html = client.post(
        "/counter/scan/", {"code": "nothing", "idempotency_key": "vest-0000001"}
    ).content.decode()
    assert "Noter ce qui est donné" not in html  # a refused scan offers nothing
    with time_machine.travel(visit.at, tick=False):
        page = client.get(f"/counter/visits/{visit.pk}/handout/").content.decode()
        assert "Vêtements d&#x27;hiver pour 3 personnes" in page and 'name="text"' in page
        refused = client.post(
            f"/counter/visits/{visit.pk}/handout/", {"text": ["pull"], "count": ["0"]}
        )
        assert refused.status_code == 422 and "de 1 à 99" in refused.content.decode()
        assert not Handout.objects.exists()
        saved = client.post(
            f"/counter/visits/{visit.pk}/handout/",
            {"text": ["Manteau enfant", "Bonnet", ""], "count": ["2", "", ""]},
        )
        assert saved.status_code == 302
    assert [(line.text, line.count) for line in Handout.objects.get().lines.all()] == [
        ("Manteau enfant", 2),
        ("Bonnet", 1),
    ]


def test_a_device_notes_the_handout_and_bad_lines_get_a_clear_error(visit, dresser):
    from rest_framework.test import APIClient

    device = APIClient()
    device.force_authenticate(dresser)
    with time_machine.travel(visit.at, tick=False):
        empty = device.post(
            "/api/foodaid/handouts/", {"visit": visit.pk, "lines": []}, format="json"
        )
        made = device.post(
            "/api/foodaid/handouts/",
            {"visit": visit.pk, "lines": [{"text": "Pull", "count": 3}]},
            format="json",
        )
    assert empty.status_code == 400 and empty.json()["code"] == "handout_empty"
    assert made.status_code == 201 and made.json()["lines"] == [{"text": "Pull", "count": 3}]
    shown = device.get(f"/api/foodaid/handouts/{made.json()['id']}/")
    assert shown.json()["visit"] == visit.pk


def test_an_odd_count_is_refused_not_a_crash(client, visit, dresser):
    client.force_login(dresser)
    with time_machine.travel(visit.at, tick=False):
        answer = client.post(
            f"/counter/visits/{visit.pk}/handout/", {"text": ["pull"], "count": ["²"]}
        )
    assert answer.status_code == 422
