from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoodaidConfig(AppConfig):
    name = "foodaid"
    verbose_name = _("Aide alimentaire")

    def ready(self) -> None:
        from counter.actions import undo_guard_register, verdict_action_register
        from foodaid.services import visit_parcel_refusal
        from foodaid.views import verdict_parcel_action

        verdict_action_register("parcel", verdict_parcel_action)
        undo_guard_register("parcel", visit_parcel_refusal)
