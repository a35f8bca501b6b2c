from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from comptoir.env import config_error


def band_edges(code: str) -> tuple[int, int | None]:
    """The first and last age of an age band's code: "3-15" is (3, 15), "65+" is (65, None)."""
    if code.endswith("+"):
        return int(code[:-1]), None
    first, last = code.split("-")
    return int(first), int(last)


def food_aid_bands_check() -> None:
    """The bands counted as children and as seniors are exactly those on each side of
    the settings' ages, and no band straddles an age: it would count people wrongly."""
    from passes.models import HouseholdMember

    bands = {code: band_edges(code) for code in HouseholdMember.AgeBand.values}
    child_max, senior_min = settings.FOOD_AID_CHILD_MAX_AGE, settings.FOOD_AID_SENIOR_MIN_AGE
    children = {c for c, (_first, last) in bands.items() if last is not None and last <= child_max}
    seniors = {c for c, (first, _last) in bands.items() if first >= senior_min}
    for name, wanted, cut in (
        ("FOOD_AID_CHILD_BANDS", children, child_max + 1),
        ("FOOD_AID_SENIOR_BANDS", seniors, senior_min),
    ):
        straddles = any(
            first < cut and (last is None or last >= cut) for first, last in bands.values()
        )
        if set(getattr(settings, name)) != wanted or straddles:
            config_error(
                name,
                f"the age bands {sorted(wanted)}, with no band across age {cut}",
                ",".join(getattr(settings, name)),
            )


class PassesConfig(AppConfig):
    name = "passes"
    verbose_name = _("Accès-pass")

    def ready(self) -> None:
        """Register the partners' homes and the household page's vouchers; refuse to
        start with pass keys in the wrong format (one line naming the variable)."""
        from network.access import role_home_register
        from network.models import Role
        from passes.sections import household_section_register
        from passes.tokens import private_key_parse, public_key_parse
        from passes.voucher_views import vouchers_section

        role_home_register(Role.SOCIAL_WORKER, "passes:home-social-worker")
        role_home_register(Role.PARTNER_HEAD, "passes:home-partner-head")
        # The household page's vouchers come first among its sections, above the upper
        # apps' (this app is ready before them).
        household_section_register("vouchers", vouchers_section)
        food_aid_bands_check()

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
