"""Every page carries a strict Content-Security-Policy; what signed-in people see is never
cached (it holds personal data)."""

import pytest

from tests.helpers import make_recipient, make_upload


def test_pages_allow_scripts_and_styles_from_the_site_only(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("path", ["/recipients/", "/bulk-registration/", "/reports/", "/"])
def test_signed_in_pages_are_not_stored(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_recipient_page_and_a_failed_records_file_are_not_stored(
    alice_client, alice, demo_clinic
):
    recipient = make_recipient(demo_clinic)
    assert "no-store" in alice_client.get(f"/recipients/{recipient.pk}/")["Cache-Control"]
    upload = make_upload(
        demo_clinic, alice, status="done", failed_count=1, error_file=b"FirstName\r\n"
    )
    response = alice_client.get(f"/reports/{upload.pk}/failed-records.csv")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
