from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from network.models import (
    AuditEntry,
    Convention,
    Membership,
    NetworkSettings,
    Organisation,
    UsageRule,
    User,
)


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (None, {"fields": ("language",)}))
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "partner_kind", "service_kind", "city", "is_active"]
    list_filter = ["kind", "is_active", "country"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}


class UsageRuleInline(admin.TabularInline[UsageRule, Convention]):
    model = UsageRule
    extra = 0


@admin.register(Convention)
class ConventionAdmin(admin.ModelAdmin[Convention]):
    """Prefer the conventions page: it keeps the version and the audit trail."""

    list_display = ["reference", "partner", "starts_on", "ends_on", "max_active_passes", "version"]
    list_filter = ["partner"]
    filter_horizontal = ["services"]
    readonly_fields = ["version", "amended_at"]
    inlines = [UsageRuleInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: the trail is written by the application, never edited."""

    list_display = ["at", "actor_username", "action", "organisation", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor_username", "action", "target_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(NetworkSettings)
class NetworkSettingsAdmin(admin.ModelAdmin[NetworkSettings]):
    """Prefer the coordination's settings page: it checks the bounds and keeps the audit."""

    list_display = ["network", "renewal_reminder_days", "retention_months", "updated_at"]
    readonly_fields = ["updated_at", "updated_by"]
