from django.contrib import admin

from stock.models import Lot, Product, StockAlertDigest, StockMovement


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ["name", "category", "unit", "market_price", "minimum_stock", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name"]


class StockMovementInline(admin.TabularInline[StockMovement, Lot]):
    model = StockMovement
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "quantity", "at", "actor", "reason"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin[Lot]):
    """Read-only: stock changes only through the services, which keep the ledger."""

    list_display = ["product", "service", "origin", "best_before", "on_hand", "received_on"]
    list_filter = ["service", "origin"]
    inlines = [StockMovementInline]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(StockAlertDigest)
class StockAlertDigestAdmin(admin.ModelAdmin[StockAlertDigest]):
    """Read-only: which services' managers got the morning stock alerts, and how many took."""

    list_display = ["day", "service", "emails", "sent", "decided_at"]
    list_filter = ["day", "service"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
