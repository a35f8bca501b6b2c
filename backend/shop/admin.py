from django.contrib import admin

from shop.models import OpeningRule


@admin.register(OpeningRule)
class OpeningRuleAdmin(admin.ModelAdmin):
    list_display = ["service", "recurrence", "starts_at", "ends_at", "by_appointment"]
    list_filter = ["service"]
