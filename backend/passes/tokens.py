"""Pass tokens and human codes: pure functions, no database, no settings.

A token is what the card's QR code holds. It names a pass, never a person:

    "CP1" + base32( header | Ed25519 signature of the header )

    header (12 bytes, big-endian)
      format        1 byte   always 1
      deployment    2 bytes  which Comptoir installation issued it
      key id        1 byte   which signing key (keys rotate)
      pass id       4 bytes
      card version  2 bytes  bumped when a card is replaced or renewed
      valid until   2 bytes  days since 2000-01-01

The alphabet (A-Z, 2-7) stays inside the QR code's compact alphanumeric mode
and types the same on AZERTY and QWERTY keyboards, so a hand scanner sends it
intact. A device with the public keys checks a token without the server.

A voucher (a referral to a vestiaire, a paper meal ticket) has a token of the same
shape, "CV1" + base32(header | signature), whose header has format 2, the voucher's
id in place of the pass id and 0 as card version: the format byte is signed, so a
voucher is never read as a card, nor a card as a voucher.

A human code is the short form read aloud or typed at the counter: nine
characters from an alphabet without 0/O or 1/I, the last one a check
character (Damm's algorithm over the 32 symbols), so one wrong character or two
swapped neighbours are always caught rather than matched to another card.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

TOKEN_PREFIX = "CP1"  # noqa: S105  (a format marker, not a secret)
FORMAT_VERSION = 1
VOUCHER_PREFIX = "CV1"
VOUCHER_FORMAT = 2
# The format byte each prefix must carry.
FORMATS = {TOKEN_PREFIX: FORMAT_VERSION, VOUCHER_PREFIX: VOUCHER_FORMAT}
EPOCH = date(2000, 1, 1)
HEADER = struct.Struct(">BHBIHH")
SIGNATURE_SIZE = 64
TOKEN_SIZE = HEADER.size + SIGNATURE_SIZE
TOKEN_LENGTH = len(TOKEN_PREFIX) + len(base64.b32encode(bytes(TOKEN_SIZE)).rstrip(b"="))

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_BODY_LENGTH = 8
CODE_LENGTH = CODE_BODY_LENGTH + 1
CODE_VALUES = {ch: i for i, ch in enumerate(CODE_ALPHABET)}
# Dashes and spaces people (or a copy-paste) put into a code.
CODE_SEPARATORS = frozenset("-‐‑‒–—_.")


class TokenRejected(Exception):
    """A token or code that cannot be accepted; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class TokenClaims:
    deployment: int
    key_id: int
    # The pass id, or the voucher id when `voucher`.
    pass_id: int
    card_version: int
    valid_until: date
    voucher: bool = False


@dataclass(frozen=True)
class Keyring:
    """The keys of one deployment: the one that signs, and every one still trusted."""

    deployment: int
    signing_key_id: int
    signing_key: Ed25519PrivateKey
    public_keys: dict[int, Ed25519PublicKey]


def token_sign(claims: TokenClaims, keyring: Keyring) -> str:
    """The token for `claims`, signed with the keyring's current key."""
    if claims.key_id != keyring.signing_key_id or claims.deployment != keyring.deployment:
        raise ValueError("claims must name the keyring's deployment and signing key")
    prefix = VOUCHER_PREFIX if claims.voucher else TOKEN_PREFIX
    header = HEADER.pack(
        FORMATS[prefix],
        claims.deployment,
        claims.key_id,
        claims.pass_id,
        claims.card_version,
        (claims.valid_until - EPOCH).days,
    )
    signature = keyring.signing_key.sign(header)
    return prefix + base64.b32encode(header + signature).decode("ascii").rstrip("=")


def token_normalise(text: str) -> str:
    """Whitespace and case are forgiven: a scanner may add Enter, a person may type lowercase."""
    return "".join(text.split()).upper()


def token_read(text: str, keyring: Keyring) -> TokenClaims:
    """The claims of a genuine token of this deployment, or `TokenRejected`.

    Codes: `malformed` (not a token at all, truncated, or padded),
    `other_deployment`, `unknown_key`, `bad_signature`. Never any other exception.
    """
    raw = token_decode(text)
    prefix = token_normalise(text)[: len(TOKEN_PREFIX)]
    header, signature = raw[: HEADER.size], raw[HEADER.size :]
    fmt, deployment, key_id, pass_id, card_version, days = HEADER.unpack(header)
    if fmt != FORMATS[prefix]:
        raise TokenRejected("malformed")
    if deployment != keyring.deployment:
        raise TokenRejected("other_deployment")
    public_key = keyring.public_keys.get(key_id)
    if public_key is None:
        raise TokenRejected("unknown_key")
    try:
        public_key.verify(signature, header)
    except InvalidSignature:
        raise TokenRejected("bad_signature") from None
    return TokenClaims(
        deployment=deployment,
        key_id=key_id,
        pass_id=pass_id,
        card_version=card_version,
        valid_until=EPOCH + timedelta(days=days),
        voucher=prefix == VOUCHER_PREFIX,
    )


def token_decode(text: str) -> bytes:
    """The raw bytes of a token, checked for shape only (no signature check)."""
    text = token_normalise(text)
    prefix = text[: len(TOKEN_PREFIX)]
    if len(text) != TOKEN_LENGTH or prefix not in FORMATS:
        raise TokenRejected("malformed")
    body = text[len(prefix) :]
    padding = "=" * (-len(body) % 8)
    try:
        raw = base64.b32decode(body + padding)
    except (binascii.Error, ValueError):
        raise TokenRejected("malformed") from None
    if len(raw) != TOKEN_SIZE or token_encode_raw(raw, prefix) != text:
        # A different text decoding to the same bytes (non-zero padding bits) is not ours.
        raise TokenRejected("malformed")
    return raw


def token_encode_raw(raw: bytes, prefix: str = TOKEN_PREFIX) -> str:
    return prefix + base64.b32encode(raw).decode("ascii").rstrip("=")


def looks_like_token(text: str) -> bool:
    text = token_normalise(text)
    return text[: len(TOKEN_PREFIX)] in FORMATS and len(text) > 20


# --- human codes -------------------------------------------------------------------


def _times_two(value: int) -> int:
    """Multiply by x in GF(32) with the polynomial x⁵ + x² + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _damm_interim(text: str) -> int:
    # Damm's quasigroup x ∗ y = 2x ⊕ y over GF(32) is totally anti-symmetric:
    # it catches every single substitution and every adjacent transposition,
    # which Luhn mod 32 does not (it misses swapping the first and last symbols).
    interim = 0
    for ch in text:
        interim = _times_two(interim) ^ CODE_VALUES[ch]
    return interim


def human_code_check_character(body: str) -> str:
    return CODE_ALPHABET[_times_two(_damm_interim(body))]


def human_code_new() -> str:
    """A fresh random human code with its check character (not checked for uniqueness)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_BODY_LENGTH))
    return body + human_code_check_character(body)


def human_code_normalise(text: str) -> str:
    """Upper case, no spaces or dashes of any kind: « k7m-4qx p9a » → « K7M4QXP9A »."""
    return "".join(ch for ch in text.upper() if not ch.isspace() and ch not in CODE_SEPARATORS)


def human_code_check(text: str) -> str:
    """The normalised code, or `TokenRejected` with `code_length`, `code_characters` or `code_typo`."""
    code = human_code_normalise(text)
    if len(code) != CODE_LENGTH:
        raise TokenRejected("code_length")
    if any(ch not in CODE_VALUES for ch in code):
        raise TokenRejected("code_characters")
    if _times_two(_damm_interim(code[:-1])) != CODE_VALUES[code[-1]]:
        raise TokenRejected("code_typo")
    return code


def human_code_display(code: str) -> str:
    """Grouped for reading aloud: « K7M-4QX-P9A »."""
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))


# --- keys ---------------------------------------------------------------------------


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def key_id_parse(text: str) -> int:
    key_id = int(text)
    if not 0 <= key_id <= 255:
        raise ValueError("a key id is a whole number from 0 to 255")
    return key_id


def private_key_parse(spec: str) -> tuple[int, Ed25519PrivateKey]:
    """« 3:<base64url 32-byte seed> » → (3, key). Raises ValueError when malformed."""
    key_id, _sep, encoded = spec.strip().partition(":")
    seed = _b64decode(encoded)
    if len(seed) != 32:
        raise ValueError("an Ed25519 private key is 32 bytes")
    return key_id_parse(key_id), Ed25519PrivateKey.from_private_bytes(seed)


def public_key_parse(spec: str) -> tuple[int, Ed25519PublicKey]:
    """« 2:<base64url 32-byte public key> » → (2, key). Raises ValueError when malformed."""
    key_id, _sep, encoded = spec.strip().partition(":")
    raw = _b64decode(encoded)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return key_id_parse(key_id), Ed25519PublicKey.from_public_bytes(raw)


def private_key_format(key_id: int, key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return f"{key_id}:{_b64encode(seed)}"


def public_key_format(key_id: int, key: Ed25519PublicKey) -> str:
    return f"{key_id}:{public_key_base64(key)}"


def public_key_base64(key: Ed25519PublicKey) -> str:
    return _b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def keyring_build(
    *, deployment: int, signing_spec: str, trusted_specs: list[str] | tuple[str, ...] = ()
) -> Keyring:
    """A keyring from configuration strings. Raises ValueError when one is malformed."""
    if not 1 <= deployment <= 0xFFFF:
        raise ValueError("the deployment id is a whole number from 1 to 65535")
    signing_id, signing_key = private_key_parse(signing_spec)
    public_keys = {signing_id: signing_key.public_key()}
    for spec in trusted_specs:
        key_id, public_key = public_key_parse(spec)
        if key_id in public_keys and key_id != signing_id:
            raise ValueError(f"key id {key_id} appears twice")
        public_keys.setdefault(key_id, public_key)
    return Keyring(
        deployment=deployment,
        signing_key_id=signing_id,
        signing_key=signing_key,
        public_keys=public_keys,
    )
