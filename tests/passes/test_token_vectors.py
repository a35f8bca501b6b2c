"""Test vectors for cards and vouchers, shared by the server and the tablet.

`card_vectors.json` holds a keyring's public part and tokens with what reading each
must give: the claims, or the refusal code. This test proves the server reads every
one as written there; tests/e2e/test_card_check_in_browser.py proves the tablet's
own check (frontend/static/js/card_check.js) reads them the same, offline.

Regenerate after a change to the token format:
    .venv/bin/python -m tests.passes.test_token_vectors
"""

import json
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passes.tokens import (
    HEADER,
    TOKEN_PREFIX,
    VOUCHER_PREFIX,
    Keyring,
    TokenClaims,
    TokenRejected,
    keyring_build,
    private_key_format,
    public_key_base64,
    public_key_format,
    token_decode,
    token_encode_raw,
    token_read,
    token_sign,
)

VECTORS = Path(__file__).with_name("card_vectors.json")
DEPLOYMENT = 4242


def _key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def _ring(deployment: int, key_id: int, seed: int, trusted: dict[int, int]) -> Keyring:
    return keyring_build(
        deployment=deployment,
        signing_spec=private_key_format(key_id, _key(seed)),
        trusted_specs=[public_key_format(k, _key(s).public_key()) for k, s in trusted.items()],
    )


def _claims(ring: Keyring, **fields: object) -> TokenClaims:
    values: dict = {
        "deployment": ring.deployment,
        "key_id": ring.signing_key_id,
        "pass_id": 1234,
        "card_version": 2,
        "valid_until": date(2027, 6, 30),
    }
    values.update(fields)
    return TokenClaims(**values)


def _flip(token: str, byte: int) -> str:
    raw = bytearray(token_decode(token))
    raw[byte] ^= 0x01
    return token_encode_raw(bytes(raw), token[:3])


def vectors_make() -> dict:
    """The vectors, from fixed keys: signing key 5, key 3 retired but trusted."""
    ring = _ring(DEPLOYMENT, 5, 50, trusted={3: 30})
    retired = _ring(DEPLOYMENT, 3, 30, trusted={})
    stranger = _ring(DEPLOYMENT, 9, 90, trusted={})
    impostor = _ring(DEPLOYMENT, 5, 51, trusted={})  # key id 5, another key
    elsewhere = _ring(777, 5, 50, trusted={})

    card = token_sign(_claims(ring), ring)
    voucher = token_sign(_claims(ring, pass_id=88, card_version=0, voucher=True), ring)
    cases = [
        ("a card", card),
        ("a voucher", voucher),
        ("a card of the retired key 3", token_sign(_claims(retired), retired)),
        (
            "a card with the largest numbers",
            token_sign(
                _claims(
                    ring, pass_id=2**32 - 1, card_version=2**16 - 1, valid_until=date(2179, 6, 6)
                ),
                ring,
            ),
        ),
        ("lower case, spaces and a scanner's Enter", "  " + card.lower() + "\r\n"),
        ("a flipped bit in the pass id", _flip(card, 5)),
        ("a flipped bit in the signature", _flip(card, HEADER.size + 10)),
        ("an unknown key id", token_sign(_claims(stranger), stranger)),
        ("another key under id 5", token_sign(_claims(impostor), impostor)),
        ("another deployment", token_sign(_claims(elsewhere), elsewhere)),
        ("a card's bytes with the voucher prefix", VOUCHER_PREFIX + card[3:]),
        ("a voucher's bytes with the card prefix", TOKEN_PREFIX + voucher[3:]),
        ("truncated", card[:-1]),
        ("one character too many", card + "A"),
        ("non-zero padding bits", card[:-1] + ("B" if card[-1] == "A" else "A")),
        ("a character outside base32", card[:20] + "1" + card[21:]),
        ("empty", ""),
        ("a typed short code", "K7M4QXP9A"),
    ]
    return {
        "deployment": DEPLOYMENT,
        "public_keys": {str(k): public_key_base64(v) for k, v in ring.public_keys.items()},
        "tokens": [_expected(name, text, ring) for name, text in cases],
    }


def _expected(name: str, text: str, ring: Keyring) -> dict:
    try:
        claims = token_read(text, ring)
    except TokenRejected as rejected:
        return {"name": name, "text": text, "refusal": rejected.code}
    return {
        "name": name,
        "text": text,
        "claims": {
            "voucher": claims.voucher,
            "key_id": claims.key_id,
            "id": claims.pass_id,
            "card_version": claims.card_version,
            "valid_until": claims.valid_until.isoformat(),
        },
    }


def test_the_shared_vectors_are_what_the_server_reads():
    assert json.loads(VECTORS.read_text()) == vectors_make()


def test_the_vectors_cover_every_outcome():
    outcomes = {t.get("refusal", "claims") for t in vectors_make()["tokens"]}
    assert outcomes == {"claims", "malformed", "other_deployment", "unknown_key", "bad_signature"}


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(vectors_make(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {VECTORS}")
