"""Login, lock-out, logout, password change and reset, as a person meets them."""

import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from network.models import AuditEntry
from tests.factories import TEST_PASSWORD

LOGIN = "/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_first_page_is_the_french_login(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert '<html lang="fr">' in response.text
    assert "Se connecter" in response.text


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, social_worker_a):
    wrong = post_login(client, "sw.a", "not-the-password")
    unknown = post_login(client, "nobody-at-all", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    message = "Identifiant ou mot de passe incorrect."
    assert message in wrong.text and message in unknown.text
    assert "sw.a" not in re.sub(r'value="[^"]*"', "", wrong.text)


def test_repeated_failures_lock_the_account_and_say_for_how_long(client, social_worker_a, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "sw.a", "wrong-password")
    locked = post_login(client, "sw.a", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "Trop d'essais de connexion." in unescape(locked.text)
    assert "15 minutes" in locked.text
    assert "_auth_user_id" not in client.session


def test_an_unknown_user_is_locked_out_the_same_way(client, db, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "ghost", "wrong-password")
    locked = post_login(client, "ghost", "wrong-password")
    assert locked.status_code == 429
    assert "15 minutes" in locked.text


@pytest.mark.parametrize(
    ("persona", "home_url", "marker"),
    [
        ("social_worker_a", "/social/", 'data-role-home="social_worker"'),
        ("partner_head_a", "/partner/", 'data-role-home="partner_head"'),
        ("volunteer_s", "/counter/", 'data-role-home="volunteer"'),
        ("manager_s", "/manage/", 'data-role-home="manager"'),
        ("coordinator", "/network/", 'data-role-home="coordinator"'),
    ],
)
def test_each_role_lands_on_its_own_home_page(client, request, persona, home_url, marker):
    account = request.getfixturevalue(persona)
    response = post_login(client, account.username, TEST_PASSWORD)
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.redirect_chain[-1][0] == home_url
    assert marker in home.text
    assert AuditEntry.objects.filter(action="user.login", actor=account).exists()


def test_an_administrator_without_role_lands_in_the_admin(client, db):
    from network.models import User

    User.objects.create_superuser("root", "root@example.org", TEST_PASSWORD)
    response = client.post(LOGIN, {"username": "root", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"


def test_a_user_without_role_is_told_why_and_cannot_act(client, user_without_role):
    client.force_login(user_without_role)
    response = client.get("/home/")
    assert response.status_code == 403
    assert "aucun rôle" in response.text
    assert client.get("/social/").status_code == 403


def test_a_user_of_a_deactivated_organisation_is_told_why(client, social_worker_a, partner_a):
    partner_a.is_active = False
    partner_a.save()
    client.force_login(social_worker_a)
    response = client.get("/social/")
    assert response.status_code == 403
    assert "« CPAS A » est désactivée" in response.text


def test_a_volunteer_cannot_open_the_social_workers_page(client, volunteer_s):
    client.force_login(volunteer_s)
    response = client.get("/social/")
    assert response.status_code == 403
    assert "réservée à un autre rôle" in response.text


def test_someone_with_two_roles_chooses_and_switches(client, partner_a, service_s):
    from tests.factories import membership, user

    claire = user("claire")
    membership(claire, partner_a, "social_worker")
    volunteer = membership(claire, service_s, "volunteer")
    client.force_login(claire)
    choose = client.get("/home/")
    assert "Pour qui travaillez-vous aujourd'hui ?" in unescape(choose.text)
    switched = client.post("/role/", {"membership": volunteer.pk})
    assert switched["Location"] == "/counter/"
    assert client.get("/home/")["Location"] == "/counter/"


def test_a_counter_session_opens_that_counter_only(client, partner_a, service_s):
    """A shared tablet stays logged in for a shift: it must not open a desk role too."""
    from tests.factories import membership, user

    claire = user("claire")
    desk = membership(claire, partner_a, "social_worker")
    volunteer = membership(claire, service_s, "volunteer")
    client.force_login(claire)
    client.post("/role/", {"membership": volunteer.pk})

    refused = client.get("/households/")
    switched = client.post("/role/", {"membership": desk.pk}, follow=True)

    assert refused.status_code == 403
    assert "Cette session est celle du comptoir « Épicerie S »" in unescape(refused.text)
    assert switched.redirect_chain[-1][0] == "/counter/"
    assert "terminez le service et reconnectez-vous" in unescape(switched.text)
    assert client.get("/counter/").status_code == 200
    client.post("/logout/")
    client.force_login(claire)
    client.post("/role/", {"membership": desk.pk})
    assert client.get("/households/").status_code == 200


def test_switching_to_someone_elses_role_is_refused(client, social_worker_a, volunteer_s):
    other = volunteer_s.memberships.get()
    client.force_login(social_worker_a)
    response = client.post("/role/", {"membership": other.pk}, follow=True)
    assert "Ce rôle n'est pas (ou plus) le vôtre." in unescape(response.text)


def test_logout_is_a_post_and_ends_the_session(client, social_worker_a):
    client.force_login(social_worker_a)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response["Location"] == LOGIN
    assert client.get("/social/").status_code == 302


def test_a_password_change_is_audited(client, social_worker_a):
    client.force_login(social_worker_a)
    response = client.post(
        "/password/change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-longer-secret-2026",
            "new_password2": "a-much-longer-secret-2026",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="user.password_change").count() == 1


def test_a_weak_new_password_is_refused_with_a_reason(client, social_worker_a):
    client.force_login(social_worker_a)
    response = client.post(
        "/password/change/",
        {"old_password": TEST_PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert "field-error" in response.text
    social_worker_a.refresh_from_db()
    assert social_worker_a.check_password(TEST_PASSWORD)


def test_a_password_reset_sends_a_working_link_by_email(client, social_worker_a):
    social_worker_a.email = "sophie@example.org"
    social_worker_a.save()
    response = client.post("/password/reset/", {"email": "sophie@example.org"})
    assert response["Location"] == reverse("network:password-reset-done")
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Nouveau mot de passe" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-2026", "new_password2": "brand-new-secret-2026"},
    )
    assert done.status_code == 302
    social_worker_a.refresh_from_db()
    assert social_worker_a.check_password("brand-new-secret-2026")


def test_a_password_reset_for_an_unknown_address_says_the_same(client, db):
    response = client.post("/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == reverse("network:password-reset-done")
    assert len(mail.outbox) == 0
