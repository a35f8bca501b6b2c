"""The passes API on cards: the QR codes and the public keys."""

import base64
import io

import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image

from passes.selectors import pass_check, pass_token
from passes.tokens import HEADER, token_decode
from tests.passes.conftest import TODAY

# --- cards: QR codes and keys -------------------------------------------------------


def test_the_png_qr_code_holds_the_pass_token(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/passes/{pass_a.pk}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert code.text == pass_token(access_pass=pass_a)


def test_the_png_qr_code_follows_a_replaced_card(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    api.post(f"/api/passes/{pass_a.pk}/replace/", {"reason": "Carte volée"})
    pass_a.refresh_from_db()
    response = api.get(f"/api/passes/{pass_a.pk}/qr.png", HTTP_ACCEPT="image/png")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert code.text == pass_token(access_pass=pass_a)
    assert pass_check(code.text, today=TODAY).card_version == 2


def test_the_svg_qr_code_is_served_as_svg(api, social_worker_a, pass_a):
    api.force_authenticate(social_worker_a)
    response = api.get(f"/api/passes/{pass_a.pk}/qr.svg", HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "<svg" in response.content.decode()


def test_a_missing_qr_code_answers_json_whatever_the_accept_header(api, social_worker_a):
    api.force_authenticate(social_worker_a)
    response = api.get("/api/passes/999999/qr.png", HTTP_ACCEPT="image/png")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_any_member_reads_the_public_keys_and_checks_a_card_with_them(
    api, volunteer_s, pass_a, pass_keys
):
    api.force_authenticate(volunteer_s)
    response = api.get("/api/pass-keys/")
    assert response.status_code == 200
    body = response.json()
    assert body["deployment"] == 4242
    assert body["token_prefix"] == "CP1"
    assert body["signing_key_id"] == 2
    assert [(k["key_id"], k["algorithm"], k["current"]) for k in body["keys"]] == [
        (1, "Ed25519", False),
        (2, "Ed25519", True),
    ]
    current = next(k for k in body["keys"] if k["current"])
    raw_key = base64.urlsafe_b64decode(
        current["public_key"] + "=" * (-len(current["public_key"]) % 4)
    )
    raw_token = token_decode(pass_token(access_pass=pass_a))
    header, signature = raw_token[: HEADER.size], raw_token[HEADER.size :]
    Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, header)  # raises if forged


def test_the_public_keys_are_not_served_to_anonymous_callers(api, db):
    response = api.get("/api/pass-keys/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
