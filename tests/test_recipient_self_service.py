"""On a recipient's page a manager sends the welcome email again and corrects a mistyped email
address, without the help desk (recipients.selfservice)."""

import html
import logging

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from audit.models import AuditEvent
from outbox import sending
from outbox.models import OutboundEmail
from recipients.removal import remove_recipient
from tests.helpers import make_recipient, make_user

OLD = "pat@gmial.com"
NEW = "pat@gmail.com"


def _resend_url(recipient) -> str:
    return f"/recipients/{recipient.pk}/welcome-email/"


def _correct_url(recipient) -> str:
    return f"/recipients/{recipient.pk}/email/"


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _setup_link(message) -> str:
    line = next(line for line in message.body.splitlines() if "/portal/setup/" in line)
    return line.strip().removeprefix("https://portal.example")


def _welcome_sent() -> mail.EmailMessage:
    """Send what the outbox holds; the one welcome email it sent."""
    before = len(mail.outbox)
    sending.send_due_emails()
    sent = mail.outbox[before:]
    assert len(sent) == 1
    return sent[0]


def _opens(client, link: str) -> bool:
    """Whether the set-up link shows the form to create a password."""
    page = client.get(link, follow=True).content
    assert b"Create your password" in page or b"This link no longer works" in page
    return b"Create your password" in page


def _make_pat(location, email=OLD, number="", first_name="Pat"):
    account = make_user(email, password=None, username=f"{email}.covid19vaccine{number}")
    return make_recipient(
        location, first_name=first_name, last_name="Quill", email=email, account=account
    )


@pytest.fixture
def pat(demo_clinic):
    """Loaded with a typo in her address; her welcome email went, she has not set up yet."""
    recipient = _make_pat(demo_clinic)
    OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME, user=recipient.account)
    sending.send_due_emails()
    return recipient


@pytest.fixture
def set_up(pat):
    """Pat chose her password and signs in."""
    pat.account.set_password("pats-own-long-password")
    pat.account.save()
    return pat


# Resend the welcome email -----------------------------------------------------------------------


def test_the_page_offers_to_resend_the_welcome_email(alice_client, pat):
    response = alice_client.get(f"/recipients/{pat.pk}/")
    assert b"Resend the welcome email" in response.content
    assert f'action="{_resend_url(pat)}"'.encode() in response.content


def test_a_resent_welcome_email_has_a_working_link_and_the_old_one_stops_working(
    alice_client, client, pat
):
    old_link = _setup_link(mail.outbox[0])
    assert _opens(client, old_link)

    response = alice_client.post(_resend_url(pat), follow=True)
    assert b"A new welcome email is on its way to pat@gmial.com" in response.content
    assert not _opens(client, old_link)  # at once, before the new one is even sent

    resent = _welcome_sent()
    assert resent.to == [OLD]
    assert resent.subject == "Welcome to the North Carolina COVID-19 Vaccine Portal"
    assert "Username: pat@gmial.com.covid19vaccine" in resent.body
    new_link = _setup_link(resent)
    assert new_link != old_link
    assert _opens(client, new_link)


def test_the_database_refuses_a_second_waiting_welcome_email(pat):
    OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME_AGAIN, user=pat.account)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME_AGAIN, user=pat.account)
    OutboundEmail.objects.update(status=OutboundEmail.Status.ACCEPTED)
    OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME_AGAIN, user=pat.account)


def test_a_double_click_queues_one_email(alice_client, pat):
    alice_client.post(_resend_url(pat))
    response = alice_client.post(_resend_url(pat), follow=True)
    assert b"already waiting to be sent" in response.content
    assert OutboundEmail.objects.filter(kind="welcome_again").count() == 1
    assert AuditEvent.objects.filter(action="welcome_resent").count() == 1


def test_an_unsent_welcome_email_is_not_doubled(alice_client, demo_clinic):
    recipient = _make_pat(demo_clinic)
    OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME, user=recipient.account)
    response = alice_client.post(_resend_url(recipient), follow=True)
    assert b"already waiting to be sent" in response.content
    assert OutboundEmail.objects.count() == 1
    _welcome_sent()


def test_resending_is_limited_per_recipient_and_says_when_to_try_again(alice_client, pat, settings):
    settings.WELCOME_RESEND_RATE = "2/d"
    for _ in range(2):
        assert alice_client.post(_resend_url(pat)).status_code == 302
        _welcome_sent()
    response = alice_client.post(_resend_url(pat))
    assert response.status_code == 429
    text = _text(response)
    assert "This recipient's welcome email was sent again as often as is allowed for now." in text
    assert "Try again in " in text and ("hour" in text or "minute" in text)
    assert OutboundEmail.objects.filter(kind="welcome_again").count() == 2


def test_resending_is_limited_per_manager(alice_client, pat, demo_clinic, settings):
    settings.WELCOME_RESEND_MANAGER_RATE = "1/h"
    other = _make_pat(demo_clinic, email="sam@example.com", first_name="Sam")
    assert alice_client.post(_resend_url(pat)).status_code == 302
    response = alice_client.post(_resend_url(other))
    assert response.status_code == 429
    assert b"You have sent welcome emails again as often as is allowed for now." in (
        response.content
    )
    assert not OutboundEmail.objects.filter(user=other.account).exists()


def test_a_recipient_who_set_up_their_account_is_offered_no_reset(alice_client, set_up):
    page = alice_client.get(f"/recipients/{set_up.pk}/").content
    assert b"Resend the welcome email" not in page
    assert b"Forgot password" in page
    response = alice_client.post(_resend_url(set_up))
    assert response.status_code == 409
    assert b"already set up their portal account" in response.content
    set_up.account.refresh_from_db()
    assert set_up.account.check_password("pats-own-long-password")
    assert not OutboundEmail.objects.filter(kind="welcome_again").exists()


def test_resending_is_recorded_by_who_and_which_recipient(alice_client, alice, pat):
    alice_client.post(_resend_url(pat))
    event = AuditEvent.objects.get(action=AuditEvent.Action.WELCOME_RESENT)
    assert (event.actor, event.target) == (alice, f"recipient {pat.pk}")
    assert OLD not in event.detail and "Quill" not in event.detail


# Correct the email address -----------------------------------------------------------------------


def test_a_corrected_address_gets_the_welcome_email_and_a_username_of_its_own(
    alice_client, client, pat
):
    old_link = _setup_link(mail.outbox[0])
    response = alice_client.post(_correct_url(pat), {"email": NEW}, follow=True)
    assert response.redirect_chain[-1][0] == f"/recipients/{pat.pk}/"
    assert b"The email address is now pat@gmail.com." in response.content
    assert b"The portal username is pat@gmail.com.covid19vaccine." in response.content
    pat.refresh_from_db()
    pat.account.refresh_from_db()
    assert (pat.email, pat.account.email) == (NEW, NEW)
    assert pat.account.username == "pat@gmail.com.covid19vaccine"
    assert not _opens(client, old_link)

    welcome = _welcome_sent()
    assert welcome.to == [NEW]  # and nothing to the old address
    assert "Username: pat@gmail.com.covid19vaccine" in welcome.body
    new_link = _setup_link(welcome)
    assert _opens(client, new_link)
    assert b"pat@gmail.com.covid19vaccine" in client.get(new_link, follow=True).content


def test_correcting_back_to_the_first_address_does_not_revive_its_old_link(
    alice_client, client, pat
):
    old_link = _setup_link(mail.outbox[0])
    alice_client.post(_correct_url(pat), {"email": NEW})
    alice_client.post(_correct_url(pat), {"email": OLD, "confirmed": OLD})
    pat.refresh_from_db()
    assert pat.email == OLD
    assert not _opens(client, old_link)


def test_the_old_username_no_longer_signs_in_and_the_new_one_does(alice_client, client, pat):
    alice_client.post(_correct_url(pat), {"email": NEW})
    form_url = client.get(_setup_link(_welcome_sent()), follow=True).redirect_chain[-1][0]
    password = "pats-own-long-password"
    client.post(form_url, {"new_password1": password, "new_password2": password})
    client.logout()
    old = client.post("/portal/login/", {"username": f"{OLD}.covid19vaccine", "password": password})
    assert old.status_code == 200 and b"Please enter a correct username" in old.content
    new = client.post("/portal/login/", {"username": f"{NEW}.covid19vaccine", "password": password})
    assert new.status_code == 302 and new.url == "/portal/"


def test_the_username_takes_the_next_free_number_for_the_new_address(
    alice_client, pat, other_clinic
):
    # A family sharing the address, loaded elsewhere: they keep theirs.
    _make_pat(other_clinic, email=NEW, first_name="Robin")
    make_user(NEW, password=None, username=f"{NEW}.covid19vaccine2")
    alice_client.post(_correct_url(pat), {"email": NEW})
    pat.account.refresh_from_db()
    assert pat.account.username == "pat@gmail.com.covid19vaccine3"
    assert "Username: pat@gmail.com.covid19vaccine3" in _welcome_sent().body


def test_a_change_of_case_only_keeps_the_username(alice_client, demo_clinic):
    recipient = _make_pat(demo_clinic, email="pat@example.com", number="2")
    alice_client.post(_correct_url(recipient), {"email": "Pat@example.com"})
    recipient.refresh_from_db()
    recipient.account.refresh_from_db()
    assert recipient.email == "Pat@example.com"
    assert recipient.account.username == "pat@example.com.covid19vaccine2"


@pytest.mark.parametrize("typed", ["pat@", "pat gmail.com", "pat@gmail", "p@t@gmail.com"])
def test_an_invalid_address_is_refused_with_the_files_message(alice_client, pat, typed):
    response = alice_client.post(_correct_url(pat), {"email": typed})
    assert response.status_code == 400
    text = _text(response)
    assert f"Email: invalid email address: {typed}. Enter it as name@example.com" in text
    assert 'role="alert"' in text
    pat.refresh_from_db()
    assert pat.email == OLD
    assert not OutboundEmail.objects.filter(kind="welcome_again").exists()


def test_the_current_address_is_not_warned_about_but_refused(alice_client, pat):
    response = alice_client.post(_correct_url(pat), {"email": OLD})  # gmial: a likely typo
    assert response.status_code == 400
    assert "This is already the recipient's email address." in _text(response)
    assert "Did you mean" not in _text(response)


def test_an_empty_address_says_what_to_enter(alice_client, pat):
    response = alice_client.post(_correct_url(pat), {"email": "  "})
    assert response.status_code == 400
    assert "Enter the recipient's corrected email address." in _text(response)


def test_a_likely_typo_is_confirmed_before_anything_changes(alice_client, pat):
    response = alice_client.post(_correct_url(pat), {"email": "pat@yaho.com"})
    assert response.status_code == 200
    text = _text(response)
    assert "Email: the domain looks like a typo. Did you mean pat@yahoo.com?" in text
    assert "Use pat@yahoo.com" in text and "Keep pat@yaho.com" in text
    pat.refresh_from_db()
    assert pat.email == OLD

    confirmed = {"email": "pat@yaho.com", "confirmed": "pat@yaho.com"}
    assert alice_client.post(_correct_url(pat), confirmed).status_code == 302
    pat.refresh_from_db()
    assert pat.email == "pat@yaho.com"


def test_confirming_one_address_does_not_confirm_another(alice_client, pat):
    posted = {"email": "pat@hotmial.com", "confirmed": "pat@yaho.com"}
    response = alice_client.post(_correct_url(pat), posted)
    assert b"Did you mean pat@hotmail.com?" in response.content
    pat.refresh_from_db()
    assert pat.email == OLD


def test_the_suggestion_is_taken_without_another_warning(alice_client, pat):
    alice_client.post(_correct_url(pat), {"email": "pat@yaho.com"})
    assert alice_client.post(_correct_url(pat), {"email": "pat@yahoo.com"}).status_code == 302
    pat.refresh_from_db()
    assert pat.email == "pat@yahoo.com"


def test_the_same_address_again_changes_nothing_and_queues_nothing(alice_client, pat):
    assert alice_client.post(_correct_url(pat), {"email": NEW}).status_code == 302
    response = alice_client.post(_correct_url(pat), {"email": NEW})
    assert response.status_code == 400
    assert "This is already the recipient's email address." in _text(response)
    assert OutboundEmail.objects.filter(kind="welcome_again").count() == 1
    assert AuditEvent.objects.filter(action="email_corrected").count() == 1


def test_a_welcome_email_still_waiting_goes_to_the_corrected_address(alice_client, demo_clinic):
    recipient = _make_pat(demo_clinic)
    OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME, user=recipient.account)
    alice_client.post(_correct_url(recipient), {"email": NEW})
    assert OutboundEmail.objects.count() == 1
    assert _welcome_sent().to == [NEW]


def test_an_account_set_up_with_its_address_keeps_it_and_its_username(alice_client, client, set_up):
    page = alice_client.get(f"/recipients/{set_up.pk}/").content
    assert b"cannot be changed here" in page and b"/help-desk/" in page
    assert b'action="' + _correct_url(set_up).encode() not in page
    response = alice_client.post(_correct_url(set_up), {"email": NEW})
    assert response.status_code == 409
    assert b"cannot be changed here. Contact the CVMS Help Desk" in response.content
    set_up.refresh_from_db()
    assert set_up.email == OLD
    credentials = {"username": f"{OLD}.covid19vaccine", "password": "pats-own-long-password"}
    assert client.post("/portal/login/", credentials).status_code == 302
    assert not OutboundEmail.objects.filter(kind="welcome_again").exists()


def test_a_correction_is_recorded_without_the_addresses(alice_client, alice, pat):
    alice_client.post(_correct_url(pat), {"email": NEW})
    event = AuditEvent.objects.get(action=AuditEvent.Action.EMAIL_CORRECTED)
    assert (event.actor, event.target) == (alice, f"recipient {pat.pk}")
    assert "Email changed; portal username changed" in event.detail
    assert "gmial" not in event.detail and "gmail" not in event.detail


def test_corrections_are_limited_like_resends(alice_client, pat, settings):
    settings.WELCOME_RESEND_RATE = "1/d"
    alice_client.post(_resend_url(pat))
    _welcome_sent()
    response = alice_client.post(_correct_url(pat), {"email": NEW})
    assert response.status_code == 429
    assert b"Try again in" in response.content
    pat.refresh_from_db()
    assert pat.email == OLD


def test_the_page_says_names_and_birth_dates_are_the_help_desks(alice_client, pat):
    page = alice_client.get(f"/recipients/{pat.pk}/").content.decode()
    assert "Names and date of birth are changed by the CVMS Help Desk only" in page
    assert f'href="/help-desk/removal/{pat.pk}/"' in page


# Both ---------------------------------------------------------------------------------------------

ACTIONS = [
    pytest.param(_resend_url, {}, id="resend"),
    pytest.param(_correct_url, {"email": NEW}, id="correct"),
]


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_it_checks_ownership(bob_client, pat, url, data):
    assert bob_client.post(url(pat), data).status_code == 404
    pat.refresh_from_db()
    assert pat.email == OLD
    assert not OutboundEmail.objects.filter(kind="welcome_again").exists()


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_it_requires_a_manager(client, charlie, pat, url, data):
    assert client.post(url(pat), data).status_code == 302  # anonymous: to login
    client.force_login(charlie)
    assert client.post(url(pat), data).status_code == 302  # staff without a location
    assert not OutboundEmail.objects.filter(kind="welcome_again").exists()


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_it_rejects_get(alice_client, pat, url, data):
    assert alice_client.get(url(pat), data).status_code == 405


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_it_refuses_a_removed_recipient(alice_client, alice, pat, url, data):
    remove_recipient(pat, by=alice, reason="Entered twice")
    assert alice_client.post(url(pat), data).status_code == 404
    assert not OutboundEmail.objects.filter(kind="welcome_again").exists()


@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_it_requires_csrf(alice, pat, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(url(pat), data).status_code == 403


def test_neither_logs_personal_data(alice_client, pat, caplog):
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("django.db.backends").setLevel(logging.WARNING)
        alice_client.post(_resend_url(pat))
        alice_client.post(_correct_url(pat), {"email": "pat@yaho.com"})
        alice_client.post(_correct_url(pat), {"email": NEW})
        sending.send_due_emails()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "welcome email queued again" in logged and "email corrected" in logged
    for secret in ("pat@", "gmial", "gmail", "yaho", "Quill", "covid19vaccine"):
        assert secret not in logged
