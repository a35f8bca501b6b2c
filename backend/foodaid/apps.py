from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoodaidConfig(AppConfig):
    name = "foodaid"
    verbose_name = _("Aide alimentaire")

    def ready(self) -> None:
        from foodaid.retention import food_aid_anonymise
        from passes.services.retention import households_anonymised_register

        households_anonymised_register("foodaid", food_aid_anonymise)
        from counter.actions import (
            counter_script_register,
            counter_section_register,
            manager_section_register,
            offline_extra_register,
            undo_guard_register,
            verdict_action_register,
            visit_detail_register,
        )
        from foodaid.handouts import visit_handout_refusal
        from foodaid.offline import offline_parcels
        from foodaid.received import handouts_said, parcels_said
        from foodaid.services import visit_parcel_refusal
        from foodaid.views.counter import (
            counter_offline_parcel,
            counter_parcels_link,
            verdict_parcel_action,
        )
        from foodaid.views.handouts import verdict_handout_action
        from foodaid.views.manage import manager_parcels_section

        verdict_action_register("parcel", verdict_parcel_action)
        verdict_action_register("handout", verdict_handout_action)
        undo_guard_register("parcel", visit_parcel_refusal)
        undo_guard_register("handout", visit_handout_refusal)
        visit_detail_register("parcels", parcels_said)
        visit_detail_register("handouts", handouts_said)
        counter_section_register("parcels", counter_parcels_link)
        manager_section_register("parcels", manager_parcels_section)
        offline_extra_register("parcel", offline_parcels)
        counter_script_register("parcel", counter_offline_parcel)
