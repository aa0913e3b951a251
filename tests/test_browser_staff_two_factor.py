"""Staff sign in to the admin in a browser with STAFF_TWO_FACTOR on: username, password and the
code their authenticator app shows, one press of the button, and they are in."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers import accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrolled_staff_sign_in_with_their_code_in_one_submit(
    page, screenshot, charlie, password, settings
):
    settings.STAFF_TWO_FACTOR = True
    phone = TOTPDevice.objects.create(user=charlie, name="phone", confirmed=True)
    sign_ins = []
    page.on(
        "request",
        lambda request: request.method == "POST" and sign_ins.append(request.url),
    )

    page.goto("/admin/")
    accessible(page)
    screenshot(page, "1-login")
    page.get_by_label("Username").fill(charlie.username)
    page.get_by_label("Password").fill(password)
    code = totp(phone.bin_key, step=phone.step, t0=phone.t0, digits=phone.digits)
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Help-desk work").wait_for()
    assert page.url.endswith("/admin/")
    assert len(sign_ins) == 1
    screenshot(page, "2-admin")


def test_a_wrong_code_is_announced_at_the_code_field(page, charlie, password, settings):
    settings.STAFF_TWO_FACTOR = True
    TOTPDevice.objects.create(user=charlie, name="phone", confirmed=True)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(charlie.username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Log in").click()

    assert page.get_by_role("alert").inner_text() == "Please correct the error below."
    code = page.get_by_label("Code from your authenticator app")
    assert code.get_attribute("aria-invalid") == "true"
    description = page.locator(f"#{code.get_attribute('aria-describedby')}").inner_text()
    assert description.startswith("That code is not right or has expired.")
    accessible(page)
