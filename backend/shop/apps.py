from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Épicerie sociale")

    def ready(self) -> None:
        from counter.actions import verdict_action_register
        from shop.views import verdict_basket_action

        verdict_action_register("basket", verdict_basket_action)
