from django.urls import path

from passes import views, voucher_views

app_name = "passes"

urlpatterns = [
    path("social/", views.home_social_worker, name="home-social-worker"),
    path("partner/", views.home_partner_head, name="home-partner-head"),
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_new, name="household-new"),
    path("households/<int:household_id>/", views.household_detail, name="household-detail"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household-edit"),
    path(
        "households/<int:household_id>/assessments/new/",
        views.assessment_new,
        name="assessment-new",
    ),
    path("households/<int:household_id>/passes/new/", views.pass_new, name="pass-new"),
    path("assessments/<int:assessment_id>/notes/", views.assessment_notes, name="assessment-notes"),
    path("passes/<int:pass_id>/", views.pass_detail, name="pass-detail"),
    path("passes/<int:pass_id>/renew/", views.pass_renew, name="pass-renew"),
    path("passes/<int:pass_id>/card/", views.pass_card, name="pass-card"),
    path("passes/<int:pass_id>/card.png", views.pass_card_png, name="pass-card-png"),
    path("cards/sheet/", views.card_sheet, name="card-sheet"),
    path(
        "households/<int:household_id>/vouchers/referral/",
        voucher_views.referral_give,
        name="voucher-referral",
    ),
    path(
        "households/<int:household_id>/vouchers/meal-tickets/",
        voucher_views.meal_tickets_give,
        name="voucher-meal-tickets",
    ),
    path("vouchers/<int:voucher_id>/revoke/", voucher_views.voucher_cancel, name="voucher-revoke"),
    path("vouchers/<int:voucher_id>/print/", voucher_views.referral_print, name="voucher-print"),
    path(
        "vouchers/sheets/<uuid:batch>/print/",
        voucher_views.meal_ticket_sheet,
        name="meal-ticket-sheet",
    ),
    # suspend, resume, revoke, replace (after the fixed paths above, which it would shadow)
    path("passes/<int:pass_id>/<slug:action>/", views.pass_action, name="pass-action"),
]
