from django.urls import path

from shop import views

app_name = "shop"

urlpatterns = [
    path("counter/", views.counter_home, name="counter-home"),
    path("counter/scan/", views.counter_scan, name="counter-scan"),
    path("counter/visits/<int:pk>/undo/", views.counter_visit_undo, name="counter-visit-undo"),
    path("manage/", views.manager_home, name="manager-home"),
    path("manage/hours/", views.hours, name="hours"),
    path("manage/hours/rules/new/", views.hours_rule_new, name="hours-rule-new"),
    path("manage/hours/rules/<int:rule_id>/", views.hours_rule_edit, name="hours-rule-edit"),
    path(
        "manage/hours/rules/<int:rule_id>/delete/",
        views.hours_rule_delete,
        name="hours-rule-delete",
    ),
    path("manage/hours/closures/new/", views.hours_closure_new, name="hours-closure-new"),
    path(
        "manage/hours/closures/<int:closure_id>/delete/",
        views.hours_closure_delete,
        name="hours-closure-delete",
    ),
    path("services/<slug:slug>/", views.service_public, name="service-public"),
]
