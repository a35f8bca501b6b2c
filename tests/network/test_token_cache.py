"""A device token's user and roles kept in the web process, and dropped at once when a
token, user, role or organisation changes: in this process (signals) and in another
(PostgreSQL NOTIFY), proved with a second real process."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from network.models import Membership
from network.token_cache import token_cache_clear

ROOT = Path(__file__).resolve().parents[2]
ME = "/api/me/"


@pytest.fixture
def device(postgres, volunteer_s):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer_s).key}")
    return client


def queries_of(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(ME).status_code == 200
    return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]


def test_a_known_device_is_authenticated_without_a_query(device):
    first = queries_of(device)
    second = queries_of(device)

    assert any("authtoken_token" in sql for sql in first)
    assert any("network_membership" in sql for sql in first)
    assert not any("authtoken_token" in sql or "network_membership" in sql for sql in second)


def test_each_request_gets_its_own_user_object(device):
    from network.token_cache import CachedTokenAuthentication

    key = Token.objects.get().key
    auth = CachedTokenAuthentication()
    one, _token = auth.authenticate_credentials(key)
    two, _token = auth.authenticate_credentials(key)
    assert one == two and one is not two


def test_a_deleted_token_is_refused_by_the_next_request(device):
    queries_of(device)
    Token.objects.all().delete()

    refused = device.get(ME)
    assert refused.status_code == 401


def test_a_withdrawn_role_is_refused_by_the_next_request(device, volunteer_s):
    queries_of(device)
    role = Membership.objects.get(user=volunteer_s)
    role.is_active = False
    role.save()

    refused = device.get(ME)
    assert refused.status_code == 403
    assert refused.json()["code"] == "no_active_membership"


def test_a_closed_organisation_is_refused_by_the_next_request(device, service_s):
    queries_of(device)
    service_s.is_active = False
    service_s.save()

    refused = device.get(ME)
    assert (refused.status_code, refused.json()["code"]) == (403, "no_active_membership")
    assert "désactivée" in refused.json()["detail"]


def test_a_deactivated_user_is_refused_by_the_next_request(device, volunteer_s):
    queries_of(device)
    volunteer_s.is_active = False
    volunteer_s.save()

    assert device.get(ME).status_code == 401


def test_a_login_elsewhere_keeps_the_devices_entry(device, volunteer_s):
    """Saving `last_login` alone (each login does) changes nothing a token gives."""
    from django.utils import timezone

    queries_of(device)
    volunteer_s.last_login = timezone.now()
    volunteer_s.save(update_fields=["last_login"])

    assert not any("authtoken_token" in sql for sql in queries_of(device))


def test_an_unknown_token_is_refused_every_time(device):
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert stranger.get(ME).status_code == 401
    assert stranger.get(ME).status_code == 401


def test_the_cache_can_be_turned_off(device, settings):
    settings.AUTH_CACHE_SECONDS = 0
    queries_of(device)
    assert any("authtoken_token" in sql for sql in queries_of(device))


# Another process changes the roles: this one hears it through PostgreSQL.


def other_process(code: str) -> None:
    """Run `code` in a new Django process on the test database, committed when it ends."""
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "PYTHONPATH": f"{ROOT / 'backend'}{os.pathsep}{ROOT}",
    }
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, timeout=60)


@pytest.fixture
def device_committed(transactional_db, postgres, volunteer_s):
    token_cache_clear()
    client = APIClient()
    key = Token.objects.create(user=volunteer_s).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def test_a_token_revoked_in_another_process_is_refused_here(device_committed):
    client, key = device_committed
    queries_of(client)
    assert not any("authtoken_token" in sql for sql in queries_of(client))

    other_process(f"""
        from rest_framework.authtoken.models import Token
        Token.objects.filter(key={key!r}).delete()
    """)

    assert client.get(ME).status_code == 401


def test_a_role_withdrawn_in_another_process_is_refused_here(device_committed, volunteer_s):
    client, _key = device_committed
    queries_of(client)

    other_process(f"""
        from network.models import Membership
        for role in Membership.objects.filter(user_id={volunteer_s.pk}):
            role.is_active = False
            role.save()
    """)

    refused = client.get(ME)
    assert (refused.status_code, refused.json()["code"]) == (403, "no_active_membership")
