from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from network.access import refusal_reason, usable_memberships
from network.audit import audit_record
from network.forms import LanguageForm, LoginForm
from network.health import broker_status, database_status, worker_status
from network.middleware import set_language_cookie
from network.models import Role
from network.services import user_set_language

ROLE_HOME = {
    Role.SOCIAL_WORKER: "passes:home-social-worker",
    Role.PARTNER_HEAD: "passes:home-partner-head",
    Role.VOLUNTEER: "shop:counter-home",
    Role.MANAGER: "shop:manager-home",
    Role.COORDINATOR: "reports:coordinator-home",
}


class LoginView(auth_views.LoginView):
    template_name = "network/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "network/password_change.html"
    success_url = reverse_lazy("network:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            actor=self.request.user, action="user.password_change", target=self.request.user
        )
        messages.success(self.request, _("Votre mot de passe a été changé."))
        return response


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their role, or say why they cannot act."""
    memberships = list(usable_memberships(request.user))
    if not memberships:
        if request.user.is_superuser:
            return redirect("admin:index")
        return render(
            request,
            "network/no_access.html",
            {"reason": refusal_reason(request.user)},
            status=403,
        )
    chosen = request.session.get("membership_id")
    current = next((m for m in memberships if m.pk == chosen), None)
    if current is None and len(memberships) > 1:
        return render(request, "network/choose_role.html", {"memberships": memberships})
    current = current or memberships[0]
    return redirect(ROLE_HOME[current.role])


@require_POST
@login_required
def membership_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("membership", "")
    membership = next((m for m in usable_memberships(request.user) if str(m.pk) == wanted), None)
    if membership is None:
        messages.error(request, _("Ce rôle n'est pas (ou plus) le vôtre."))
        return redirect("network:home")
    request.session["membership_id"] = membership.pk
    return redirect(ROLE_HOME[membership.role])


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered in a cookie and on the user's account."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if not form.is_valid():
        messages.error(request, _("Cette langue n'est pas disponible."))
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    translation.activate(language)
    set_language_cookie(response, language)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status. 200 while the database answers, whatever the broker."""
    database = database_status()
    broker = broker_status()
    worker = worker_status() if database["ok"] else {"ok": False}
    status = "ok" if database["ok"] and broker["ok"] else ("degraded" if database["ok"] else "down")
    return JsonResponse(
        {"status": status, "database": database, "broker": broker, "worker": worker},
        status=200 if database["ok"] else 503,
    )


def root(request: HttpRequest) -> HttpResponse:
    return redirect(
        reverse("network:home") if request.user.is_authenticated else settings.LOGIN_URL
    )
