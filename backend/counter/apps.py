from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounterConfig(AppConfig):
    name = "counter"
    verbose_name = _("Comptoirs")

    def ready(self) -> None:
        from counter.retention import visits_anonymise
        from passes.services.retention import households_anonymised_register

        households_anonymised_register("counter", visits_anonymise)
        from counter.views import household_received_section
        from network.access import role_home_register
        from network.models import Role
        from passes.sections import household_section_register

        role_home_register(Role.VOLUNTEER, "counter:home")
        role_home_register(Role.MANAGER, "counter:manager-home")
        household_section_register("received", household_received_section)
