from django.contrib import admin
from django.http import HttpRequest

from passes.models import AccessPass, AssessmentReason, PassEvent


@admin.register(AssessmentReason)
class AssessmentReasonAdmin(admin.ModelAdmin[AssessmentReason]):
    """The network's list of assessment reason categories, in the three languages."""

    list_display = ["code", "label_fr", "label_nl", "label_en", "is_active", "position"]
    list_editable = ["is_active", "position"]


class PassEventInline(admin.TabularInline[PassEvent, AccessPass]):
    model = PassEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "actor", "reason", "detail"]

    def has_add_permission(self, request: HttpRequest, obj: AccessPass | None = None) -> bool:
        return False


@admin.register(AccessPass)
class AccessPassAdmin(admin.ModelAdmin[AccessPass]):
    """Read-only: passes change through the social workers' pages and the API, which
    check the rules and write the history. Households stay out of the admin."""

    list_display = ["id", "partner", "convention", "status", "valid_from", "valid_until"]
    list_filter = ["status", "partner"]
    readonly_fields = [f.name for f in AccessPass._meta.fields] + ["services"]
    exclude = ["household"]
    inlines = [PassEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessPass | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessPass | None = None) -> bool:
        return False
