from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from comptoir.env import config_error


class PassesConfig(AppConfig):
    name = "passes"
    verbose_name = _("Accès-pass")

    def ready(self) -> None:
        """Register the partners' homes; refuse to start with pass keys in the wrong
        format (one line naming the variable)."""
        from network.access import role_home_register
        from network.models import Role
        from passes.tokens import private_key_parse, public_key_parse

        role_home_register(Role.SOCIAL_WORKER, "passes:home-social-worker")
        role_home_register(Role.PARTNER_HEAD, "passes:home-partner-head")

        if not settings.PASS_SIGNING_KEY:
            return
        if not 1 <= settings.PASS_DEPLOYMENT_ID <= 0xFFFF:
            config_error(
                "PASS_DEPLOYMENT_ID",
                "a whole number from 1 to 65535",
                str(settings.PASS_DEPLOYMENT_ID),
            )
        try:
            private_key_parse(settings.PASS_SIGNING_KEY)
        except ValueError:
            config_error(
                "PASS_SIGNING_KEY", "<key id 0-255>:<base64url 32-byte Ed25519 seed>", "<hidden>"
            )
        for spec in settings.PASS_TRUSTED_KEYS:
            try:
                public_key_parse(spec)
            except ValueError:
                config_error(
                    "PASS_TRUSTED_KEYS",
                    "comma-separated <key id 0-255>:<base64url 32-byte Ed25519 public key>",
                    spec[:40],
                )
