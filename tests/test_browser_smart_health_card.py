"""A recipient with a complete dose opens their vaccine record in a browser: the SMART Health
Card's QR code with its text alternative, and the download that a health wallet imports.
axe and the 390 px check; screenshots at 1280 and 390 px for a person to look at."""

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.helpers import (
    PASSWORD,
    accessible,
    make_full_dose,
    make_recipient,
    make_user,
    screenshot_both_widths,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_recipient_with_a_complete_dose_sees_the_qr_code_and_downloads_the_card(
    page, screenshot, demo_clinic
):
    user = make_user("rosa@example.com", username="rosa@example.com.covid19vaccine")
    rosa = make_recipient(
        demo_clinic,
        first_name="Rosa",
        last_name="Diaz",
        email="rosa@example.com",
        date_of_birth=dt.date(1985, 6, 7),
        account=user,
    )
    make_full_dose(rosa, given_on=dt.date(2021, 3, 1), location=demo_clinic)

    page.goto("/portal/login/")
    page.get_by_label("Username").fill("rosa@example.com.covid19vaccine")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Your SMART Health Card").click()

    page.get_by_role("heading", name="Your vaccine record").wait_for()
    qr = page.get_by_role("img", name="QR code of the SMART Health Card of Rosa Diaz")
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    assert qr.bounding_box()["width"] >= 200  # large enough to scan from a phone's screen
    accessible(page)
    screenshot_both_widths(page, screenshot, "record")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download SMART Health Card (.smart-health-card)").click()
    assert download.value.suggested_filename.endswith(".smart-health-card")
    (card,) = json.loads(Path(download.value.path()).read_bytes())["verifiableCredential"]
    assert card.count(".") == 2  # a compact JWS
