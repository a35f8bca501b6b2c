"""What the tests of the offline basket and parcel share: a tablet's API client and a
scan it accepted offline, synced (so that a sale or a parcel can follow it)."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from passes.selectors import pass_token

SNAPSHOT = "/api/counter/offline/snapshot/"
SCANS = "/api/counter/offline/scans/"
BRUSSELS = ZoneInfo("Europe/Brussels")


def at(hour, minute=0):
    """A moment of the frozen day (Monday 2 March 2026, frozen at 10:00), Brussels time."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=BRUSSELS)


def tablet_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def scanned_offline(device, access_pass, moment) -> str:
    """A scan the tablet accepted offline, synced: its key."""
    key = uuid.uuid4().hex
    scan = {
        "idempotency_key": key,
        "code": pass_token(access_pass=access_pass),
        "at": moment.isoformat(),
        "accepted": True,
        "reason": "",
    }
    assert device.post(SCANS, {"scans": [scan]}, format="json").status_code == 200
    return key
