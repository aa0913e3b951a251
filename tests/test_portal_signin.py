"""The recipient portal's doors: the welcome email's set-up link, sign-in by username, forgot
password, log out, and who is kept out of which portal."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from outbox import sending
from outbox.models import OutboundEmail
from portal.emails import password_setup_url
from recipients.removal import remove_recipient
from recipients.tokens import password_setup_token
from tests.helpers import PASSWORD, make_recipient, make_user

pytestmark = pytest.mark.django_db
LOGIN = "/portal/login/"
USERNAME = "pat@example.com.covid19vaccine"


@pytest.fixture
def pat(demo_clinic):
    """A recipient who set a password."""
    user = make_user("pat@example.com", username=USERNAME)
    return make_recipient(
        demo_clinic, first_name="Pat", last_name="Lee", email="pat@example.com", account=user
    )


@pytest.fixture
def new_recipient(demo_clinic):
    """Loaded by an upload, welcome link never used: no usable password."""
    user = make_user("sam@example.com", password=None, username="sam@example.com.covid19vaccine")
    return make_recipient(
        demo_clinic, first_name="Sam", last_name="Ray", email="sam@example.com", account=user
    )


def _setup_link(user) -> str:
    return password_setup_url(user).removeprefix("https://portal.example")


def _sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


# The welcome email's link ----------------------------------------------------------------------


def test_the_welcome_link_is_the_portal_s_set_up_page(new_recipient):
    uid = urlsafe_base64_encode(force_bytes(new_recipient.account.pk))
    assert _setup_link(new_recipient.account).startswith(f"/portal/setup/{uid}/")


def test_opening_the_set_up_link_changes_nothing(client, new_recipient):
    response = client.get(_setup_link(new_recipient.account), follow=True)
    assert b"Create your password" in response.content
    new_recipient.account.refresh_from_db()
    assert not new_recipient.account.has_usable_password()
    assert "_auth_user_id" not in client.session


def test_setting_the_password_signs_in_with_a_new_session_and_lands_home(client, new_recipient):
    form_url = client.get(_setup_link(new_recipient.account), follow=True).redirect_chain[-1][0]
    before = client.session.session_key
    response = client.post(
        form_url,
        {"new_password1": "sams-own-long-password", "new_password2": "sams-own-long-password"},
    )
    assert response.status_code == 302 and response.url == "/portal/"
    assert client.session.session_key != before  # rotated at sign-in
    assert int(client.session["_auth_user_id"]) == new_recipient.account.pk
    home = client.get("/portal/")
    assert b"Welcome, Sam Ray" in home.content
    assert b"Your password is set" in home.content


def test_a_used_link_explains_itself_without_naming_the_account(client, pat):
    link = _setup_link(pat.account)
    pat.account.set_password("another-long-password")
    pat.account.save()
    response = client.get(link, follow=True)
    assert b"This link no longer works" in response.content
    assert b"Send me a new link" in response.content
    assert USERNAME.encode() not in response.content  # uids are guessable: no username


def test_an_expired_link_offers_a_new_one_for_its_account(client, new_recipient, settings):
    settings.RECIPIENT_SETUP_LINK_DAYS = 30
    link = _setup_link(new_recipient.account)
    with time_machine.travel(dt.timedelta(days=31)):
        response = client.get(link, follow=True)
    assert b"This link no longer works" in response.content
    username = new_recipient.account.username
    assert f'name="username" value="{username}"'.encode() in response.content
    assert all(username not in url for url, _status in response.redirect_chain)
    # The button posts the username to Forgot password, which sends a working link.
    response = client.post("/portal/password/forgot/", {"username": username})
    assert response.status_code == 302
    assert OutboundEmail.objects.filter(
        kind=OutboundEmail.Kind.RECIPIENT_PASSWORD_RESET, user=new_recipient.account
    ).exists()


def test_a_provider_account_has_no_portal_set_up_page(client, alice):
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    link = f"/portal/setup/{uid}/{password_setup_token.make_token(alice)}/"
    assert b"This link no longer works" in client.get(link, follow=True).content


# Signing in -------------------------------------------------------------------------------------


def test_signed_out_portal_pages_go_to_sign_in(client):
    for path in ("/portal/", "/portal/registration/about-you/", "/portal/registration/check/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


def test_a_recipient_signs_in_with_the_username_and_lands_home(client, pat):
    response = _sign_in(client, "  Pat@Example.com.COVID19VACCINE ")
    assert response.status_code == 302 and response.url == "/portal/"
    assert b"Welcome, Pat Lee" in client.get("/portal/").content


def test_a_family_member_sharing_the_email_signs_in_as_themselves(client, demo_clinic, pat):
    user = make_user("pat@example.com", username="pat@example.com.covid19vaccine2")
    make_recipient(
        demo_clinic, first_name="Kim", last_name="Lee", email="pat@example.com", account=user
    )
    assert _sign_in(client, "pat@example.com.covid19vaccine2").status_code == 302
    page = client.get("/portal/").content
    assert b"Welcome, Kim Lee" in page and b"Pat" not in page


def test_after_sign_in_next_stays_inside_the_recipient_portal(client, pat):
    response = client.post(
        LOGIN, {"username": USERNAME, "password": PASSWORD, "next": "/portal/registration/check/"}
    )
    assert response.url == "/portal/registration/check/"
    client.logout()
    response = client.post(LOGIN, {"username": USERNAME, "password": PASSWORD, "next": "/"})
    assert response.url == "/portal/"


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_provider_and_staff_accounts_get_the_generic_message(client, who, request):
    user = request.getfixturevalue(who)
    response = _sign_in(client, user.username)
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_and_an_unknown_username_get_the_same_message(client, pat):
    wrong = _sign_in(client, USERNAME, "not-the-password").content
    unknown = _sign_in(client, "nobody@example.com.covid19vaccine").content
    assert b"Please enter a correct username and password" in wrong
    assert b"Please enter a correct username and password" in unknown


def test_a_removed_recipient_cannot_sign_in(client, pat, alice):
    remove_recipient(pat, by=alice, reason="Entered by mistake")
    response = _sign_in(client, USERNAME)
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_a_removed_recipient_s_session_stops_working(client, pat, alice):
    client.force_login(pat.account)
    remove_recipient(pat, by=alice, reason="Entered by mistake")
    assert client.get("/portal/").url.startswith(LOGIN)


def test_sign_in_is_throttled(client, pat, settings):
    settings.RECIPIENT_LOGIN_RATE = "2/m"
    _sign_in(client, USERNAME, "guess-1")
    _sign_in(client, USERNAME, "guess-2")
    response = _sign_in(client, USERNAME)  # right this time, but too many
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_in_is_throttled_per_username_across_addresses(client, pat, settings):
    settings.RECIPIENT_LOGIN_RATE = "2/m"
    for address in ("10.0.0.1", "10.0.0.2"):
        client.post(LOGIN, {"username": USERNAME, "password": "x"}, REMOTE_ADDR=address)
    response = client.post(
        LOGIN, {"username": USERNAME, "password": PASSWORD}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429


def test_log_out_posts_back_to_sign_in(client, pat):
    _sign_in(client, USERNAME)
    assert client.get("/portal/logout/").status_code == 405  # a link cannot sign anyone out
    response = client.post("/portal/logout/")
    assert response.url == LOGIN
    assert client.get("/portal/").url.startswith(LOGIN)


def test_a_signed_in_recipient_opening_sign_in_goes_home(client, pat):
    client.force_login(pat.account)
    assert client.get(LOGIN).url == "/portal/"


def test_a_provider_session_is_sent_to_the_recipient_sign_in(alice_client):
    response = alice_client.get("/portal/")
    assert response.url.startswith(LOGIN)
    assert alice_client.get(LOGIN).status_code == 200


# Where a recipient's session does not go -------------------------------------------------------


def test_a_recipient_session_cannot_open_the_admin(client, pat):
    client.force_login(pat.account)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_a_recipient_session_cannot_open_the_provider_portal(client, pat):
    client.force_login(pat.account)
    for path in ("/", "/recipients/", f"/recipients/{pat.pk}/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"Pat" not in response.content


def test_a_recipient_session_cannot_open_the_help_desk(client, pat):
    client.force_login(pat.account)
    assert client.get("/help-desk/vaccine-provider/").status_code == 403
    assert client.get("/help-desk/cases/").status_code == 403


# Forgot password --------------------------------------------------------------------------------


def _reset_email_to(address: str) -> mail.EmailMessage:
    sending.send_due_emails()
    return [message for message in mail.outbox if message.to == [address]][-1]


def test_forgot_password_for_a_never_set_up_account_sends_a_working_link(client, new_recipient):
    username = new_recipient.account.username
    response = client.post("/portal/password/forgot/", {"username": username.upper()})
    assert response.status_code == 302
    assert response.url == "/portal/password/forgot/sent/"
    assert username not in response.url
    email = _reset_email_to("sam@example.com")
    assert username in email.body
    link = re.search(r"https://portal\.example(/portal/password/reset/\S+/)", email.body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "sams-new-long-password", "new_password2": "sams-new-long-password"},
    )
    assert response.url == "/portal/"
    assert int(client.session["_auth_user_id"]) == new_recipient.account.pk
    new_recipient.account.refresh_from_db()
    assert new_recipient.account.check_password("sams-new-long-password")
    again = client.get(link, follow=True)
    assert b"This link no longer works" in again.content


def test_forgot_password_answers_the_same_for_an_unknown_username(client, new_recipient, alice):
    known = client.post("/portal/password/forgot/", {"username": new_recipient.account.username})
    unknown = client.post(
        "/portal/password/forgot/", {"username": "who@example.com.covid19vaccine"}
    )
    provider = client.post("/portal/password/forgot/", {"username": alice.username})
    assert known.url == unknown.url == provider.url == "/portal/password/forgot/sent/"
    sending.send_due_emails()
    assert [message.to for message in mail.outbox] == [["sam@example.com"]]
    done = client.get("/portal/password/forgot/sent/")
    assert b"If that username belongs to a COVID-19 Vaccine Portal account" in done.content


def test_a_removed_recipient_gets_no_reset_email(client, new_recipient, alice):
    remove_recipient(new_recipient, by=alice, reason="Entered by mistake")
    client.post("/portal/password/forgot/", {"username": new_recipient.account.username})
    sending.send_due_emails()
    assert mail.outbox == []


def test_forgot_password_is_throttled_per_address(client, new_recipient, settings):
    settings.RECIPIENT_PASSWORD_RESET_RATE = "2/m"
    for number in range(2):
        client.post(
            "/portal/password/forgot/", {"username": f"n{number}@example.com.covid19vaccine"}
        )
    response = client.post("/portal/password/forgot/", {"username": new_recipient.account.username})
    assert response.status_code == 429
    assert b"Too many password reset requests" in response.content
    assert not OutboundEmail.objects.filter(
        kind=OutboundEmail.Kind.RECIPIENT_PASSWORD_RESET
    ).exists()
