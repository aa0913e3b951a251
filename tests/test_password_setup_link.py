"""The welcome email's "create your password" link: safe to open, single use, long-lived."""

import datetime as dt

import pytest
import time_machine
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from recipients.removal import remove_recipient
from recipients.tokens import password_setup_token
from tests.helpers import make_recipient, make_user


@pytest.fixture
def account(demo_clinic):
    user = make_user("pat@example.com", password=None, username="pat@example.com.covid19vaccine")
    make_recipient(demo_clinic, email="pat@example.com", account=user)
    return user


def _link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/portal/setup/{uid}/{password_setup_token.make_token(user)}/"


def test_opening_the_link_shows_the_form_and_changes_nothing(client, account):
    response = client.get(_link(account), follow=True)
    assert b"Create your password" in response.content
    assert b"pat@example.com.covid19vaccine" in response.content
    account.refresh_from_db()
    assert not account.has_usable_password()


def test_the_recipient_sets_a_password_once(client, account):
    link = _link(account)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "my-own-long-password", "new_password2": "my-own-long-password"}
    )
    assert response.status_code == 302 and response.url == "/portal/"  # signed in, at home
    assert int(client.session["_auth_user_id"]) == account.pk
    account.refresh_from_db()
    assert account.check_password("my-own-long-password")
    again = client.get(link, follow=True)
    assert b"This link no longer works" in again.content


def test_a_link_stops_working_once_a_password_is_set(client, account):
    link = _link(account)
    account.set_password("chosen-elsewhere-2021")
    account.save()
    assert b"This link no longer works" in client.get(link, follow=True).content


def test_the_link_works_for_weeks_not_forever(client, account, settings):
    settings.RECIPIENT_SETUP_LINK_DAYS = 30
    link = _link(account)
    with time_machine.travel(dt.timedelta(days=29)):
        assert b"Create your password" in client.get(link, follow=True).content
    with time_machine.travel(dt.timedelta(days=31)):
        assert b"This link no longer works" in client.get(link, follow=True).content


def test_a_tampered_token_is_refused(client, account):
    link = _link(account)
    assert b"This link no longer works" in client.get(link[:-3] + "xx/", follow=True).content


def test_the_link_of_a_removed_recipient_no_longer_works(client, account, alice):
    remove_recipient(account.recipient, by=alice, reason="Entered by mistake")
    response = client.get(_link(account), follow=True)
    assert b"This link no longer works" in response.content
    account.refresh_from_db()
    assert not account.has_usable_password()
