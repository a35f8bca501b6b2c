from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "schedules"
    verbose_name = _("Horaires et rendez-vous")

    def ready(self) -> None:
        from passes.sections import household_section_register
        from schedules.views import appointments_section

        household_section_register("appointments", appointments_section)
