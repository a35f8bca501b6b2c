"""In Chromium: the tablet's own check of a card (frontend/static/js/card_check.js) reads
the server's test vectors exactly as the server does (tests/passes/card_vectors.json),
signature included, with no request to the server."""

import json

import pytest

from tests.passes.test_token_vectors import VECTORS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_tablet_reads_every_vector_as_the_server_does(page, live_server):
    vectors = json.loads(VECTORS.read_text())
    page.goto(live_server.url + "/login/")
    page.add_script_tag(url=live_server.url + "/static/js/card_check.js")
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    results = page.evaluate(
        """async (vectors) => {
            const keyring = { deployment: vectors.deployment, public_keys: vectors.public_keys };
            const out = [];
            for (const vector of vectors.tokens) out.push(await ComptoirCard.read(vector.text, keyring));
            return out;
        }""",
        vectors,
    )

    for vector, result in zip(vectors["tokens"], results, strict=True):
        expected = (
            {"claims": vector["claims"]} if "claims" in vector else {"refusal": vector["refusal"]}
        )
        assert result == expected, vector["name"]
    assert requests == []


def test_a_key_of_another_deployment_or_a_missing_key_is_refused(page, live_server):
    vectors = json.loads(VECTORS.read_text())
    card = vectors["tokens"][0]["text"]
    page.goto(live_server.url + "/login/")
    page.add_script_tag(url=live_server.url + "/static/js/card_check.js")

    refusals = page.evaluate(
        """async ([card, keys]) => [
            (await ComptoirCard.read(card, { deployment: 1, public_keys: keys })).refusal,
            (await ComptoirCard.read(card, { deployment: 4242, public_keys: {} })).refusal,
        ]""",
        [card, vectors["public_keys"]],
    )

    assert refusals == ["other_deployment", "unknown_key"]
