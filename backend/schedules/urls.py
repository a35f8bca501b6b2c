from django.urls import path

from schedules import views

app_name = "schedules"

urlpatterns = [
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
    path(
        "households/<int:household_id>/appointments/",
        views.appointment_book,
        name="appointment-book",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment-cancel",
    ),
]
