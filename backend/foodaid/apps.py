from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoodaidConfig(AppConfig):
    name = "foodaid"
    verbose_name = _("Aide alimentaire")
