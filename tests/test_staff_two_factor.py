"""With STAFF_TWO_FACTOR on, staff sign in to the admin with username, password and the code
from their authenticator app, in one submit; a staff session not verified by a device is not
let in. Off, the admin works with the password alone. The sign-in tests post what a browser
posts: only the fields the login page shows."""

from html.parser import HTMLParser
from io import StringIO

import pytest
import segno
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

ADMIN = "/admin/"
LOGIN = "/admin/login/?next=/admin/"
WRONG_PASSWORD = "Please enter the correct username and password for a staff account."
NO_DEVICE = "Your account has no authenticator app enrolled yet."


class _Fields(HTMLParser):
    """The names of the login form's fields, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = dict(attrs).get("name")
        if tag in {"input", "select", "textarea"} and name:
            self.names.add(name)


def _fields_on_the_page(client) -> set[str]:
    fields = _Fields()
    fields.feed(client.get(LOGIN).content.decode())
    return fields.names


def _sign_in(client, **typed: str):
    """Posts the login form as a browser does: the page's fields, with what was typed."""
    fields = _fields_on_the_page(client)
    assert set(typed) <= fields, f"the page has no field {set(typed) - fields}"
    return client.post(LOGIN, {name: typed.get(name, "") for name in fields - {"next"}})


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _signed_in(client) -> bool:
    return client.get(ADMIN).status_code == 200


@pytest.fixture
def device(charlie):
    return TOTPDevice.objects.create(user=charlie, name="phone", confirmed=True)


@pytest.fixture
def two_factor(settings):
    settings.STAFF_TWO_FACTOR = True


def test_the_page_asks_for_the_code_and_for_no_device(client, two_factor):
    fields = _fields_on_the_page(client)
    assert fields == {"csrfmiddlewaretoken", "username", "password", "next", "otp_token"}
    assert "Code from your authenticator app" in client.get(LOGIN).content.decode()


def test_one_device_lets_staff_in_with_one_submit(client, charlie, password, device, two_factor):
    response = _sign_in(
        client, username=charlie.username, password=password, otp_token=_code(device)
    )
    assert response.status_code == 302
    assert _signed_in(client)


def test_the_code_may_be_typed_as_the_app_shows_it(client, charlie, password, device, two_factor):
    code = _code(device)
    _sign_in(
        client, username=charlie.username, password=password, otp_token=f"{code[:3]} {code[3:]}"
    )
    assert _signed_in(client)


def test_several_devices_let_staff_in_with_the_code_of_any(client, charlie, password, two_factor):
    phone = TOTPDevice.objects.create(user=charlie, name="phone", confirmed=True)
    tablet = TOTPDevice.objects.create(user=charlie, name="tablet", confirmed=True)
    response = _sign_in(
        client, username=charlie.username, password=password, otp_token=_code(tablet)
    )
    assert response.status_code == 302
    assert _signed_in(client)
    phone.refresh_from_db()
    assert phone.throttling_failure_count == 0  # not paused by a sign-in that succeeded


def test_the_password_alone_is_not_enough(client, charlie, password, device, two_factor):
    response = _sign_in(client, username=charlie.username, password=password)
    assert "Enter the 6-digit code your authenticator app shows" in response.content.decode()
    assert not _signed_in(client)


def test_a_wrong_code_is_refused_with_what_to_fix(client, charlie, password, device, two_factor):
    response = _sign_in(client, username=charlie.username, password=password, otp_token="000000")
    page = response.content.decode()
    assert "That code is not right or has expired." in page
    assert 'aria-describedby="id_otp_token_error"' in page
    assert 'role="alert"' in page
    assert password not in page  # the password is not written back into the page
    assert not _signed_in(client)


def test_a_code_from_someone_elses_device_is_refused(
    client, charlie, root, password, device, two_factor
):
    theirs = TOTPDevice.objects.create(user=root, name="root's phone", confirmed=True)
    response = _sign_in(
        client, username=charlie.username, password=password, otp_token=_code(theirs)
    )
    assert "That code is not right or has expired." in response.content.decode()
    assert not _signed_in(client)


def test_a_used_code_does_not_work_twice(client, charlie, password, device, two_factor):
    code = _code(device)
    _sign_in(client, username=charlie.username, password=password, otp_token=code)
    client.post("/admin/logout/")
    response = _sign_in(client, username=charlie.username, password=password, otp_token=code)
    assert "That code is not right or has expired." in response.content.decode()
    assert not _signed_in(client)


def test_wrong_codes_pause_the_code_checks(client, charlie, password, device, two_factor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a pause this test cannot outlive
    _sign_in(client, username=charlie.username, password=password, otp_token="000000")
    response = _sign_in(
        client, username=charlie.username, password=password, otp_token=_code(device)
    )
    assert "Too many wrong codes in a row (1): code checks are paused" in response.content.decode()
    assert not _signed_in(client)


def test_wrong_passwords_lock_the_account_as_on_every_sign_in_form(
    client, charlie, password, device, two_factor, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for attempt in range(3):
        _sign_in(client, username=charlie.username, password=f"wrong-{attempt}")
    response = _sign_in(
        client, username=charlie.username, password=password, otp_token=_code(device)
    )
    assert response.status_code == 429
    assert not _signed_in(client)


def test_staff_without_a_device_are_told_to_ask_for_one(client, charlie, password, two_factor):
    TOTPDevice.objects.create(user=charlie, name="not scanned yet", confirmed=False)
    response = _sign_in(client, username=charlie.username, password=password, otp_token="123456")
    page = response.content.decode()
    assert NO_DEVICE in page
    assert "Ask an administrator to enrol one for you in the admin (TOTP devices)." in page
    assert "Please select a device." not in page
    assert not _signed_in(client)


def test_a_wrong_password_gets_the_admins_message_and_nothing_about_devices(
    client, charlie, two_factor
):
    response = _sign_in(client, username=charlie.username, password="wrong", otp_token="123456")
    page = response.content.decode()
    assert WRONG_PASSWORD in page
    assert NO_DEVICE not in page
    assert not _signed_in(client)


def test_a_signed_in_staff_session_without_a_verified_device_is_not_staff(
    client, charlie, two_factor
):
    client.force_login(charlie)
    assert client.get(ADMIN).status_code == 302


def test_off_the_password_is_enough(client, charlie, password):
    assert _fields_on_the_page(client) == {"csrfmiddlewaretoken", "username", "password", "next"}
    _sign_in(client, username=charlie.username, password=password)
    assert _signed_in(client)


def test_the_first_device_is_enrolled_from_the_command_line(charlie):
    out = StringIO()
    call_command("enrol_totp", charlie.email, stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("otpauth://totp/")
    assert TOTPDevice.objects.get().user == charlie


def test_enrolment_shows_the_link_as_a_qr_code_to_scan(charlie):
    out = StringIO()
    call_command("enrol_totp", charlie.email, stdout=out)
    link = out.getvalue().splitlines()[-1]
    drawing = StringIO()
    segno.make(link, error="m").terminal(out=drawing, compact=True)
    assert drawing.getvalue() in out.getvalue()


def test_enrolment_says_the_secret_is_shown_once(charlie):
    out = StringIO()
    call_command("enrol_totp", charlie.email, stdout=out)
    assert "This secret is shown once" in out.getvalue()
