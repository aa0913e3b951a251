"""Registering on the CVMS Help Desk Portal, signing in with the emailed temporary password,
and replacing it (guide, first page)."""

import re

import pytest
from django.core import mail

from helpdesk.access import SESSION_MUST_CHANGE
from helpdesk.models import Requester, Verification
from outbox.models import OutboundEmail
from outbox.sending import send_due_emails
from providers.models import User
from tests.helpers import make_recipient, make_user

REGISTER = "/help-desk/register/"
NEW_PASSWORD = "a brand new pass phrase 2021"


def _register(client, email="rita@clinic.example", code="NCA650001", **fields):
    data = {"first_name": "Rita", "last_name": "Ramos", "email": email, "code": code, **fields}
    return client.post(REGISTER, data)


def _temporary_password(email: str) -> str:
    send_due_emails()
    sent = next(message for message in mail.outbox if message.to == [email])
    return re.search(r"Temporary password: (\S+)", sent.body)[1]


def test_the_page_asks_what_the_guide_lists(client, db):
    page = client.get(REGISTER).content.decode()
    for label in ("First name", "Last name", "Business e-mail", "Registration code"):
        assert f">{label}</label>" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "CVMS Help Desk Portal" in page


def test_a_provider_pin_links_the_account_to_its_location_and_emails_a_password(
    client, demo_clinic
):
    response = _register(client, email="Rita@Clinic.example", code="nca650001")
    assert response.status_code == 302
    assert response.url == "/help-desk/register/done/"
    profile = Requester.objects.select_related("user").get()
    assert profile.location == demo_clinic
    # Linked, not verified: a Provider PIN is printed on packing lists.
    assert not Verification.objects.filter(user=profile.user).exists()
    assert profile.user.username == "rita@clinic.example"
    assert (profile.user.first_name, profile.user.last_name) == ("Rita", "Ramos")
    assert OutboundEmail.objects.filter(kind="temporary_password", user=profile.user).exists()

    password = _temporary_password("rita@clinic.example")
    login = client.post(
        "/help-desk/login/", {"username": "rita@clinic.example", "password": password}
    )
    assert login.status_code == 302
    assert int(client.session["_auth_user_id"]) == profile.user.pk


def test_the_generic_code_makes_an_unverified_account_without_a_location(client, db):
    assert _register(client, code="VAC2021").status_code == 302
    profile = Requester.objects.get()
    assert profile.location is None
    assert not Verification.objects.filter(user=profile.user).exists()
    assert profile.registration_code == "VAC2021"


@pytest.mark.parametrize("code", ["NCA65000", "650001", "hello", "NCA999999"])
def test_a_malformed_or_unknown_code_is_an_invalid_registration_code(client, demo_clinic, code):
    response = _register(client, code=code)
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["Invalid Registration Code"]
    assert 'id="id_code_error"' in response.content.decode()
    assert not User.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_an_email_with_an_account_gets_the_same_answer_and_its_owner_a_notice(
    client, alice, demo_clinic
):
    new = _register(client, email="rita@clinic.example")
    again = _register(client, email="ALICE@demo.example", first_name="Mallory")
    assert (again.status_code, again.url) == (new.status_code, new.url)
    assert client.get(again.url).content == client.get(new.url).content

    assert User.objects.filter(username="alice@demo.example").count() == 1
    assert not Requester.objects.filter(user=alice).exists()
    notice = OutboundEmail.objects.get(user=alice)
    assert notice.kind == OutboundEmail.Kind.MESSAGE
    assert "already has an account" in notice.body
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery staple")  # nothing changed


@pytest.mark.parametrize("code", ["NCA650001", "NCA123456"])
def test_the_third_attempt_in_a_minute_is_refused_and_registers_nobody(
    client, demo_clinic, settings, code
):
    settings.HELPDESK_REGISTER_RATE = "2/m"
    for number in (1, 2):
        assert _register(client, email=f"first{number}@clinic.example", code=code).status_code in {
            302,
            400,
        }
    users = User.objects.count()
    response = _register(client, email="third@clinic.example", code="NCA650001")
    assert response.status_code == 429
    assert (
        "Too many registration attempts from your network. Try again in an hour."
        in response.content.decode()
    )
    assert User.objects.count() == users
    assert not User.objects.filter(username="third@clinic.example").exists()


def test_the_rate_limit_counts_only_posts(client, demo_clinic, settings):
    settings.HELPDESK_REGISTER_RATE = "2/m"
    for _ in range(3):
        assert client.get(REGISTER).status_code == 200
    assert _register(client).status_code == 302


# Signing in with the temporary password ------------------------------------------------------


@pytest.fixture
def registered(client, demo_clinic):
    _register(client)
    return _temporary_password("rita@clinic.example")


def _login(client, password, email="rita@clinic.example", **extra):
    return client.post("/help-desk/login/", {"username": email, "password": password, **extra})


def test_the_first_sign_in_sends_every_page_to_the_password_change(client, registered):
    assert _login(client, registered).status_code == 302
    for url in ("/help-desk/", "/help-desk/cases/", "/help-desk/vaccine-provider/", "/"):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, "/help-desk/password/"), url
    page = client.get("/help-desk/password/")
    assert page.status_code == 200
    assert "temporary password" in page.content.decode()

    changed = client.post(
        "/help-desk/password/",
        {"old_password": registered, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (changed.status_code, changed.url) == (302, "/help-desk/")
    assert SESSION_MUST_CHANGE not in client.session
    assert not Requester.objects.get().must_change_password
    home = client.get("/help-desk/")
    assert home.status_code == 200  # still signed in, and free to go anywhere
    assert "Your password was changed." in home.content.decode()
    assert client.get("/help-desk/cases/").status_code == 200


def test_after_the_change_the_next_sign_in_is_not_forced(client, registered):
    _login(client, registered)
    client.post(
        "/help-desk/password/",
        {"old_password": registered, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    client.post("/accounts/logout/")
    assert _login(client, NEW_PASSWORD).url == "/help-desk/"
    assert client.get("/help-desk/cases/").status_code == 200


def test_a_wrong_old_password_keeps_the_change_forced(client, registered):
    _login(client, registered)
    response = client.post(
        "/help-desk/password/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get("/help-desk/").url == "/help-desk/password/"
    assert Requester.objects.get().must_change_password


def test_a_manager_changes_the_password_and_stays_signed_in(alice_client, password):
    response = alice_client.post(
        "/help-desk/password/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert (response.status_code, response.url) == (302, "/help-desk/")
    assert alice_client.get("/help-desk/cases/").status_code == 200
    assert User.objects.get(username="alice@demo.example").check_password(NEW_PASSWORD)


def test_login_lands_on_the_help_desk_or_the_page_asked_for(client, alice, password):
    assert _login(client, password, email="alice@demo.example").url == "/help-desk/"
    client.post("/accounts/logout/")
    response = _login(client, password, email="alice@demo.example", next="/help-desk/cases/")
    assert response.url == "/help-desk/cases/"


def test_a_signed_out_visitor_is_sent_to_the_help_desk_login(client, db):
    response = client.get("/help-desk/vaccine-provider/")
    assert (response.status_code, response.url) == (
        302,
        "/help-desk/login/?next=/help-desk/vaccine-provider/",
    )


def test_the_header_offers_log_in_and_register_or_the_account_links(client, alice):
    anonymous = client.get("/help-desk/").content.decode()
    assert 'href="/help-desk/login/"' in anonymous and 'href="/help-desk/register/"' in anonymous
    assert "My cases" not in anonymous
    client.force_login(alice)
    signed_in = client.get("/help-desk/").content.decode()
    assert 'href="/help-desk/cases/">My cases' in signed_in
    assert 'href="/help-desk/password/">Change password' in signed_in
    assert ">Log out</button>" in signed_in
    assert "Bulk Registration" not in signed_in  # no provider-portal tabs
    assert 'href="/help-desk/vaccine-provider/"' in signed_in


def test_recipients_accounts_get_403_on_help_desk_pages(client, demo_clinic):
    account = make_user("zoe@example.com", username="zoe@example.com.covid19vaccine")
    make_recipient(demo_clinic, account=account)
    client.force_login(account)
    for url in ("/help-desk/vaccine-provider/", "/help-desk/cases/", "/help-desk/password/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "for providers" in response.content.decode()


def test_a_requester_in_the_provider_portal_is_pointed_to_the_help_desk(client, demo_clinic):
    _register(client)
    user = User.objects.get(username="rita@clinic.example")
    Requester.objects.filter(user=user).update(must_change_password=False)
    client.force_login(user)
    page = client.get("/")
    assert page.status_code == 403
    assert 'href="/help-desk/">Go to the CVMS Help Desk Portal' in page.content.decode()


def test_the_portal_footer_links_to_the_help_desk(alice_client):
    page = alice_client.get("/").content.decode()
    assert '<a href="/help-desk/"><strong>CVMS Help Desk Portal</strong></a>' in page


def test_notices_to_one_address_stop_after_a_few_and_the_page_stays_the_same(
    client, alice, demo_clinic, settings
):
    # One inbox got 14 "someone tried to register" notices in a minute.
    settings.HELPDESK_REGISTER_RATE = "100/h"  # the per-network limit is not the one tested
    answers = [_register(client, email="alice@demo.example") for _ in range(6)]
    assert {(answer.status_code, answer.url) for answer in answers} == {(302, answers[0].url)}
    assert OutboundEmail.objects.filter(user=alice).count() == 3
    # Another address has its own count.
    _register(client, email="rita@clinic.example")
    _register(client, email="rita@clinic.example")
    assert OutboundEmail.objects.filter(user__username="rita@clinic.example").count() == 2
