from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from network import views

app_name = "network"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
    path("role/", views.membership_switch, name="membership-switch"),
    path("language/", views.language_set, name="language-set"),
    path("partners/new/", views.partner_new, name="partner-new"),
    path("network/settings/", views.network_settings_edit, name="settings-edit"),
    path("conventions/", views.convention_list, name="convention-list"),
    path("conventions/new/", views.convention_edit, name="convention-new"),
    path("conventions/<int:convention_id>/", views.convention_edit, name="convention-edit"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="network/password_reset.html",
            email_template_name="network/password_reset_email.txt",
            subject_template_name="network/password_reset_subject.txt",
            success_url=reverse_lazy("network:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="network/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="network/password_reset_confirm.html",
            success_url=reverse_lazy("network:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="network/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
