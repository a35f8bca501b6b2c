"""Pass tokens and human codes: properties of the pure functions, no database."""

import base64
import itertools
import string
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from passes.tokens import (
    CODE_ALPHABET,
    CODE_LENGTH,
    EPOCH,
    TOKEN_LENGTH,
    TOKEN_PREFIX,
    TOKEN_SIZE,
    TokenClaims,
    TokenRejected,
    human_code_check,
    human_code_check_character,
    human_code_display,
    human_code_new,
    keyring_build,
    private_key_format,
    public_key_format,
    token_decode,
    token_encode_raw,
    token_read,
    token_sign,
)
from tests.passes.helpers import keyring_new, private_spec

DEPLOYMENT = 4242
# Signing key 5; keys 1, 4 and 7 are trusted. 5 XOR 1, 2, 4 lands on a trusted key,
# 5 XOR 8, 16, ... on an unknown one: a flipped key id bit reaches both refusals.
RING = keyring_build(
    deployment=DEPLOYMENT,
    signing_spec=private_spec(5),
    trusted_specs=[
        public_key_format(k, keyring_new(key_id=k).signing_key.public_key()) for k in (1, 4, 7)
    ],
)
BASE32 = string.ascii_uppercase + "234567"
REJECTION_CODES = {"malformed", "other_deployment", "unknown_key", "bad_signature"}


def claims_for(ring, **fields) -> TokenClaims:
    values = {
        "deployment": ring.deployment,
        "key_id": ring.signing_key_id,
        "pass_id": 1234,
        "card_version": 1,
        "valid_until": date(2026, 6, 30),
    }
    values.update(fields)
    return TokenClaims(**values)


def claims_strategy(ring):
    return st.builds(
        TokenClaims,
        deployment=st.just(ring.deployment),
        key_id=st.just(ring.signing_key_id),
        pass_id=st.integers(0, 2**32 - 1),
        card_version=st.integers(0, 2**16 - 1),
        valid_until=st.integers(0, 2**16 - 1).map(lambda days: EPOCH + timedelta(days=days)),
    )


def rejection(text: str, ring=RING) -> str:
    with pytest.raises(TokenRejected) as rejected:
        token_read(text, ring)
    return rejected.value.code


# --- tokens -------------------------------------------------------------------------


@given(claims_strategy(RING))
def test_a_signed_token_reads_back_as_its_claims(claims):
    token = token_sign(claims, RING)
    assert len(token) == TOKEN_LENGTH
    assert token.startswith(TOKEN_PREFIX)
    assert set(token[len(TOKEN_PREFIX) :]) <= set(BASE32)
    assert token_read(token, RING) == claims


@given(st.text(max_size=300))
@example("")
@example(TOKEN_PREFIX)
@example(TOKEN_PREFIX + "A" * (TOKEN_LENGTH - len(TOKEN_PREFIX)))
@example(TOKEN_PREFIX + "é" * (TOKEN_LENGTH - len(TOKEN_PREFIX)))
@example(TOKEN_PREFIX + "=" * (TOKEN_LENGTH - len(TOKEN_PREFIX)))
@example("\x00" * TOKEN_LENGTH)
def test_any_text_is_refused_as_malformed_and_nothing_else_is_raised(text):
    assert rejection(text) == "malformed"


@given(st.binary(max_size=200).filter(lambda raw: len(raw) != TOKEN_SIZE))
def test_bytes_of_the_wrong_size_are_malformed(raw):
    assert rejection(token_encode_raw(raw)) == "malformed"


@given(st.binary(min_size=TOKEN_SIZE, max_size=TOKEN_SIZE))
def test_random_bytes_of_the_right_size_are_refused_with_a_known_code(raw):
    assert rejection(token_encode_raw(raw)) in REJECTION_CODES


@given(
    st.text(alphabet=BASE32 + "=018", min_size=1, max_size=TOKEN_LENGTH * 2).map(
        lambda body: TOKEN_PREFIX + body
    )
)
def test_text_in_the_token_alphabet_is_refused_with_a_known_code(text):
    assert rejection(text) in REJECTION_CODES


@given(claims_strategy(RING), st.data())
def test_any_truncation_or_extension_of_a_token_is_malformed(claims, data):
    token = token_sign(claims, RING)
    cut = data.draw(st.integers(0, len(token) - 1))
    assert rejection(token[:cut]) == "malformed"
    extra = data.draw(st.text(alphabet=BASE32, min_size=1, max_size=8))
    assert rejection(token + extra) == "malformed"


def expected_code_for_flip(position: int, flipped: bytes) -> str:
    if position == 0:
        return "malformed"
    if position in (1, 2):
        return "other_deployment"
    if position == 3:
        return "bad_signature" if flipped[3] in RING.public_keys else "unknown_key"
    return "bad_signature"


@settings(max_examples=8, deadline=None)
@given(claims_strategy(RING))
def test_every_single_bit_flip_is_refused_with_the_code_of_its_position(claims):
    raw = token_decode(token_sign(claims, RING))
    assert len(raw) == TOKEN_SIZE
    seen = set()
    for position, bit in itertools.product(range(TOKEN_SIZE), range(8)):
        flipped = bytearray(raw)
        flipped[position] ^= 1 << bit
        expected = expected_code_for_flip(position, bytes(flipped))
        assert rejection(token_encode_raw(bytes(flipped))) == expected, (position, bit)
        seen.add(expected)
    assert seen == REJECTION_CODES


@settings(max_examples=2, deadline=None)
@given(claims_strategy(RING))
def test_changing_any_one_character_of_the_text_is_refused(claims):
    token = token_sign(claims, RING)
    for index, replacement in itertools.product(range(len(token)), BASE32 + "01890=-+/"):
        if replacement == token[index]:
            continue
        changed = token[:index] + replacement + token[index + 1 :]
        assert rejection(changed) in REJECTION_CODES, (index, replacement)


def test_a_token_with_non_zero_padding_bits_is_malformed():
    token = token_sign(claims_for(RING), RING)
    # The last character carries 2 data bits and 3 padding bits.
    last = BASE32.index(token[-1])
    twin = token[:-1] + BASE32[last ^ 0b001]
    assert base64.b32decode(twin[len(TOKEN_PREFIX) :] + "======") == token_decode(token)
    assert rejection(twin) == "malformed"


def test_a_token_signed_by_another_key_under_the_same_id_has_a_bad_signature():
    impostor = keyring_new(deployment=DEPLOYMENT, key_id=RING.signing_key_id)
    token = token_sign(claims_for(impostor), impostor)
    assert rejection(token) == "bad_signature"


def test_a_token_signed_by_a_key_id_the_ring_does_not_know_is_refused():
    stranger = keyring_new(deployment=DEPLOYMENT, key_id=200)
    token = token_sign(claims_for(stranger), stranger)
    assert rejection(token) == "unknown_key"


def test_a_token_of_another_deployment_is_refused_before_its_key_is_looked_at():
    other = keyring_new(deployment=DEPLOYMENT + 1, key_id=RING.signing_key_id)
    token = token_sign(claims_for(other), other)
    assert rejection(token) == "other_deployment"


def test_a_keyring_only_signs_its_own_claims():
    with pytest.raises(ValueError):
        token_sign(claims_for(RING, key_id=1), RING)
    with pytest.raises(ValueError):
        token_sign(claims_for(RING, deployment=DEPLOYMENT + 1), RING)


def test_a_token_of_a_retired_but_trusted_key_still_reads_after_rotation():
    old_spec = private_spec(1)
    old = keyring_build(deployment=DEPLOYMENT, signing_spec=old_spec)
    old_token = token_sign(claims_for(old, pass_id=7), old)

    old_public = public_key_format(1, old.signing_key.public_key())
    rotated = keyring_build(
        deployment=DEPLOYMENT, signing_spec=private_spec(2), trusted_specs=[old_public]
    )
    assert token_read(old_token, rotated) == claims_for(old, pass_id=7)
    new_token = token_sign(claims_for(rotated, pass_id=7), rotated)
    assert token_read(new_token, rotated).key_id == 2
    assert rejection(new_token, old) == "unknown_key"

    # Once the retired key is dropped from the trusted list, its cards are refused.
    trimmed = keyring_build(
        deployment=DEPLOYMENT, signing_spec=private_key_format(2, rotated.signing_key)
    )
    assert rejection(old_token, trimmed) == "unknown_key"
    assert token_read(new_token, trimmed).key_id == 2


@given(
    claims_strategy(RING),
    st.lists(st.tuples(st.integers(0, 200), st.sampled_from([" ", "\n", "\r\n", "\t"]))),
    st.sampled_from([str.lower, str.upper, str.swapcase, str.title]),
)
def test_whitespace_anywhere_and_any_case_are_forgiven(claims, insertions, case):
    token = token_sign(claims, RING)
    text = token
    for index, blank in sorted(insertions, reverse=True):
        text = text[:index] + blank + text[index:]
    assert token_read("  " + case(text) + "\r\n", RING) == claims


# --- human codes --------------------------------------------------------------------


def code_from(body: str) -> str:
    return body + human_code_check_character(body)


codes = st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH - 1, max_size=CODE_LENGTH - 1).map(
    code_from
)


def test_the_code_alphabet_leaves_out_characters_people_confuse():
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 32
    assert not set("0O1I") & set(CODE_ALPHABET)
    assert set(CODE_ALPHABET) <= set(string.ascii_uppercase + string.digits)


def test_new_codes_are_well_formed_and_varied():
    drawn = {human_code_new() for _ in range(500)}
    assert len(drawn) == 500
    for code in drawn:
        assert len(code) == CODE_LENGTH
        assert human_code_check(code) == code


@settings(max_examples=300, deadline=None)
@given(codes)
def test_every_single_character_substitution_is_caught(code):
    assert human_code_check(code) == code
    for index, replacement in itertools.product(range(CODE_LENGTH), CODE_ALPHABET):
        if replacement != code[index]:
            typo = code[:index] + replacement + code[index + 1 :]
            with pytest.raises(TokenRejected, match="code_typo"):
                human_code_check(typo)


def transpositions(code: str):
    for index in range(CODE_LENGTH - 1):
        if code[index] != code[index + 1]:
            yield index, code[:index] + code[index + 1] + code[index] + code[index + 2 :]


@settings(max_examples=300, deadline=None)
@given(codes)
def test_every_adjacent_transposition_of_a_random_code_is_caught(code):
    for _index, swapped in transpositions(code):
        with pytest.raises(TokenRejected, match="code_typo"):
            human_code_check(swapped)


def test_every_adjacent_transposition_of_distinct_characters_is_caught():
    undetected = []
    for first, second in itertools.permutations(CODE_ALPHABET, 2):
        for index in range(CODE_LENGTH - 1):
            body = list("3" * (CODE_LENGTH - 1))
            body[index] = first
            if index + 1 < CODE_LENGTH - 1:
                body[index + 1] = second
            code = code_from("".join(body))
            for at, swapped in transpositions(code):
                if at == index and human_code_check_passes(swapped):
                    undetected.append((code, swapped))
    assert undetected == []


def human_code_check_passes(text: str) -> bool:
    try:
        human_code_check(text)
    except TokenRejected:
        return False
    return True


@given(st.text(alphabet=CODE_ALPHABET, max_size=20).filter(lambda text: len(text) != CODE_LENGTH))
def test_a_code_of_the_wrong_length_is_refused_as_such(text):
    with pytest.raises(TokenRejected, match="code_length"):
        human_code_check(text)


@given(codes, st.integers(0, CODE_LENGTH - 1), st.sampled_from("01OIoi*#/éÉ€?"))
def test_a_code_with_a_character_outside_the_alphabet_is_refused_as_such(code, index, bad):
    with pytest.raises(TokenRejected, match="code_characters"):
        human_code_check(code[:index] + bad + code[index + 1 :])


@given(codes, st.sampled_from(["-", " ", "  ", "\t", " - "]))
def test_dashes_spaces_and_lower_case_are_forgiven(code, separator):
    assert human_code_check(human_code_display(code)) == code
    spaced = separator.join(code[i : i + 3] for i in range(0, CODE_LENGTH, 3))
    assert human_code_check(f" {spaced.lower()}\n") == code
    assert human_code_check(code.lower()) == code


def test_a_code_pasted_with_a_non_breaking_space_or_a_typographic_dash_is_forgiven():
    code = code_from("K7M4QXP9")
    assert human_code_check("K7M\u00a04QX\u00a0" + code[6:]) == code
    assert human_code_check("K7M\u20114QX\u2013" + code[6:]) == code
