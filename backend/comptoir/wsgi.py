"""The WSGI entry point: two doors into one app.

A browser's request goes through every middleware of MIDDLEWARE. A device's API call
(`Authorization: Token ...` under /api/, most of them scans) needs none of a browser's
session, CSRF, messages, htmx, CSP or login lock-out: it goes through DEVICE_MIDDLEWARE,
the few it needs, which spares a tenth of a scan's CPU. The test client goes through
MIDDLEWARE; tests/counter/test_wsgi.py drives this entry point itself.
"""

import os
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")

web_application = get_wsgi_application()


class DeviceHandler(WSGIHandler):
    """Django's handler, built with DEVICE_MIDDLEWARE instead of MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE: lend it the short list meanwhile.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.DEVICE_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


device_application = DeviceHandler()


def is_device_call(environ: dict[str, Any]) -> bool:
    path: str = environ.get("PATH_INFO", "")
    authorization: str = environ.get("HTTP_AUTHORIZATION", "")
    return path.startswith("/api/") and authorization.startswith("Token ")


def application(environ: dict[str, Any], start_response: Any) -> Any:
    if is_device_call(environ):
        return device_application(environ, start_response)
    return web_application(environ, start_response)
