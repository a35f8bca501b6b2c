from django.contrib import admin

from schedules.models import Closure, OpeningRule


@admin.register(OpeningRule)
class OpeningRuleAdmin(admin.ModelAdmin[OpeningRule]):
    list_display = [
        "service",
        "recurrence",
        "starts_at",
        "ends_at",
        "by_appointment",
        "closes_on_public_holidays",
    ]
    list_filter = ["service"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin[Closure]):
    list_display = ["service", "starts_on", "ends_on", "reason"]
    list_filter = ["service"]
    date_hierarchy = "starts_on"
