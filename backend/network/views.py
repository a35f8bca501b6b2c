from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comptoir.errors import DomainError, form_add_refusal
from network.access import (
    ROLE_HOME,
    AuthenticatedRequest,
    MemberRequest,
    Perm,
    counter_session_membership,
    refusal_reason,
    role_required,
    scope_q,
    usable_memberships,
)
from network.audit import audit_record
from network.forms import (
    ConventionForm,
    LanguageForm,
    LoginForm,
    NetworkSettingsForm,
    PartnerForm,
    RuleForm,
    RuleFormSet,
    rule_formset_rules,
)
from network.health import broker_status, database_status, worker_status
from network.middleware import set_language_cookie
from network.models import Convention, Organisation, Role, UsageRule
from network.selectors import network_current, network_settings_get
from network.services import (
    convention_rules_amend,
    convention_save,
    network_settings_update,
    partner_register,
    user_set_language,
)


class LoginView(auth_views.LoginView):
    template_name = "network/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "network/password_change.html"
    success_url = reverse_lazy("network:home")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(actor=form.user, action="user.password_change", target=form.user)
        messages.success(self.request, _("Votre mot de passe a été changé."))
        return response


@never_cache
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
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
    counter = counter_session_membership(request)
    if counter is not None and counter.pk != membership.pk:
        messages.error(
            request,
            _(
                "Cette session est celle d'un comptoir : terminez le service et reconnectez-vous "
                "pour agir dans un autre rôle."
            ),
        )
        return redirect(ROLE_HOME[counter.role])
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


# --- conventions --------------------------------------------------------------------

CONVENTION_ROLES = (Role.COORDINATOR, Role.MANAGER)


def _convention_for_user(request: MemberRequest, convention_id: int) -> Convention:
    """A convention the user may see: any for the coordination, its own service's for a manager."""
    found = (
        Convention.objects.filter(
            scope_q(request.user, Perm.CONVENTION_VIEW, "partner", "services")
        )
        .filter(pk=convention_id)
        .distinct()
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_GET
@role_required(*CONVENTION_ROLES)
def convention_list(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    if membership.role == Role.COORDINATOR:
        conventions = Convention.objects.all()
    else:
        conventions = Convention.objects.filter(services=membership.organisation)
    conventions = (
        conventions.select_related("partner")
        .prefetch_related("services", "rules__service")
        .order_by("-ends_on", "reference")
    )
    return render(
        request,
        "network/convention_list.html",
        {
            "conventions": conventions,
            "today": timezone.localdate(),
            "can_create": membership.role == Role.COORDINATOR,
        },
    )


def _rule_formset(
    request: HttpRequest, services: list[Organisation], rules: list[UsageRule]
) -> forms.BaseFormSet[RuleForm]:
    initial = [RuleForm.initial_from(r) for r in rules]
    return RuleFormSet(
        request.POST or None,
        initial=initial,
        prefix="rules",
        form_kwargs={"services": services},
    )


@require_http_methods(["GET", "POST"])
@role_required(*CONVENTION_ROLES)
def convention_edit(request: MemberRequest, convention_id: int | None = None) -> HttpResponse:
    """The coordination records and amends conventions; a manager amends only the rules
    for their own service."""
    membership = request.membership
    convention = _convention_for_user(request, convention_id) if convention_id else None
    is_coordinator = membership.role == Role.COORDINATOR
    form: ConventionForm | None
    if is_coordinator:
        form = ConventionForm(request.POST or None, instance=convention)
        services = list(form.service_choices)
        rules = list(convention.rules.all()) if convention else []
    elif convention is not None:
        form = None
        services = [membership.organisation]
        rules = list(convention.rules.filter(service=membership.organisation))
    else:
        raise Http404
    formset = _rule_formset(request, services, rules)
    error = None
    if request.method == "POST" and (form is None or form.is_valid()) and formset.is_valid():
        try:
            if form is not None:  # the coordination
                fields = {k: v for k, v in form.cleaned_data.items() if k != "services"}
                saved = convention_save(
                    actor=request.user,
                    convention=convention,
                    fields=fields,
                    services=list(form.cleaned_data["services"]),
                    rules=rule_formset_rules(formset),
                )
            else:
                assert convention is not None  # a manager amends an existing one (404 above)
                saved = convention_rules_amend(
                    actor=request.user,
                    convention=convention,
                    service=membership.organisation,
                    rules=rule_formset_rules(formset),
                )
        except DomainError as refusal:
            if form is not None and refusal.field in form.fields:
                form.add_error(refusal.field, refusal.message)
            else:
                error = refusal.message
        else:
            messages.success(
                request,
                _("Convention %(ref)s enregistrée (version %(version)s).")
                % {"ref": saved.reference, "version": saved.version},
            )
            return redirect("network:convention-list")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "network/convention_form.html",
        {
            "form": form,
            "formset": formset,
            "convention": convention,
            "rules_error": error,
            "is_coordinator": is_coordinator,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def partner_new(request: MemberRequest) -> HttpResponse:
    """The coordination records a partner service; its conventions come next."""
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner = partner_register(actor=request.user, fields=form.cleaned_data)
        messages.success(
            request,
            _("Service partenaire « %(name)s » enregistré. Enregistrez maintenant sa convention.")
            % {"name": partner.name},
        )
        return redirect("network:convention-new")
    status = 422 if request.method == "POST" else 200
    return render(request, "network/partner_form.html", {"form": form}, status=status)


# --- the network's settings -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def network_settings_edit(request: MemberRequest) -> HttpResponse:
    """The coordination sets the renewal reminder period and the retention period.

    The form posts by htmx and comes back as its fragment (saved, or refused with the
    sentence next to its field and status 422); without htmx, as any form."""
    network = network_current()
    if network is None:  # a coordinator's role is held in a network: it exists
        raise Http404
    current = network_settings_get(network=network)
    initial = {
        "renewal_reminder_days": current.renewal_reminder_days,
        "retention_months": current.retention_months,
    }
    form = NetworkSettingsForm(request.POST or None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            current = network_settings_update(
                actor=request.user,
                network=network,
                renewal_reminder_days=form.cleaned_data["renewal_reminder_days"],
                retention_months=form.cleaned_data["retention_months"],
            )
        except DomainError as refusal:
            form_add_refusal(form, refusal)
        else:
            if not request.htmx:
                messages.success(request, _("Réglages du réseau enregistrés."))
                return redirect("network:settings-edit")
            saved = True
    status = 422 if request.method == "POST" and form.errors else 200
    template = "network/settings_form.html"
    if request.htmx:
        template += "#settings-form"
    return render(
        request,
        template,
        {"form": form, "network": network, "settings": current, "saved": saved},
        status=status,
    )


class LogoutView(auth_views.LogoutView):
    """Logging out also wipes what the browser kept for this site: the counter's day's
    list and its offline copy (the counter page sends its waiting scans first)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
