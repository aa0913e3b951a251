"""With STAFF_TWO_FACTOR on, staff sign in to the admin with a TOTP code as well; a staff
session not verified by a device is not let in. Off, the admin works with the password alone."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

ADMIN = "/admin/"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def device(charlie):
    return TOTPDevice.objects.create(user=charlie, name="phone", confirmed=True)


def _code(device) -> str:
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"
    )


@pytest.fixture
def two_factor(settings):
    settings.STAFF_TWO_FACTOR = True


def test_the_password_alone_is_not_enough(client, charlie, password, device, two_factor):
    response = client.post(LOGIN, {"username": charlie.username, "password": password})
    assert response.status_code == 200
    assert client.get(ADMIN).status_code == 302  # still outside


def test_the_password_and_the_code_let_staff_in(client, charlie, password, device, two_factor):
    response = client.post(
        LOGIN,
        {
            "username": charlie.username,
            "password": password,
            "otp_device": device.persistent_id,
            "otp_token": _code(device),
        },
    )
    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_a_signed_in_staff_session_without_a_verified_device_is_not_staff(
    client, charlie, two_factor
):
    client.force_login(charlie)
    assert client.get(ADMIN).status_code == 302


def test_off_the_password_is_enough(client, charlie, password):
    client.post(LOGIN, {"username": charlie.username, "password": password})
    assert client.get(ADMIN).status_code == 200


def test_the_first_device_is_enrolled_from_the_command_line(charlie):
    out = StringIO()
    call_command("enrol_totp", charlie.email, stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("otpauth://totp/")
    assert TOTPDevice.objects.get().user == charlie
