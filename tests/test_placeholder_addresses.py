"""Placeholder addresses (noemail@none.com, na@na.com...): the rows are created, no welcome
email is queued for them, and every count, the summary, Loaded Recipients and the Low Volume
review say so. A manager's correction to a real address sends the welcome email."""

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command

from bulkupload.jobs import run_job, store_upload
from bulkupload.models import Upload
from outbox import sending
from outbox.models import OutboundEmail
from recipients.models import Recipient
from recipients.placeholders import is_placeholder_email
from recipients.selfservice import SelfServiceRefused, correct_email, resend_welcome
from tests.helpers import person, recipient_csv

NOBODY = "noemail@none.com"


def _file(rows) -> bytes:
    return recipient_csv(*rows)


def _family_without_email(count: int, email: str = NOBODY):
    return [person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26)}", email=email) for i in range(count)]


def _welcomed() -> set[str]:
    return set(
        OutboundEmail.objects.filter(kind=OutboundEmail.Kind.WELCOME).values_list(
            "user__email", flat=True
        )
    )


def _cli_json(tmp_path, data: bytes) -> dict:
    path = tmp_path / "staff.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_recipients",
        str(path),
        "--location",
        "NCA650001",
        "--as",
        "alice@demo.example",
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("email", "placeholder"),
    [
        ("noemail@none.com", True),
        ("NoEmail@Gmail.com", True),  # name@*: that name at any domain, case ignored
        ("anyone@none.com", True),  # *@none.com: any name at that domain
        ("na@na.com", True),  # exact
        ("na@na.org", False),  # exact means exact
        ("no@email.com", True),
        ("john.noemail@gmail.com", False),
        ("nicholas.noemail@companyemail1.com", False),  # the guide's own example addresses
        ("zoe@example.com", False),
    ],
)
def test_it_knows_the_default_placeholders_and_nothing_more(email, placeholder):
    assert is_placeholder_email(email) is placeholder


def test_placeholder_rows_are_created_but_not_emailed(alice, demo_clinic, tmp_path):
    rows = [*_family_without_email(3), person("Zoe", email="zoe@example.com")]
    result = _cli_json(tmp_path, _file(rows))
    assert (result["created"], result["failed"], result["placeholder_emails"]) == (4, 0, 3)
    assert Recipient.objects.filter(email=NOBODY).count() == 3
    assert Recipient.objects.filter(email=NOBODY, account__isnull=True).count() == 0
    assert _welcomed() == {"zoe@example.com"}
    assert Upload.objects.get().placeholder_count == 3


def test_the_list_of_placeholders_is_a_setting(alice, demo_clinic, tmp_path, settings):
    settings.PLACEHOLDER_EMAILS = ["*@clinic.example"]
    rows = [person("Ann", email="front.desk@clinic.example"), person("Bo", email=NOBODY)]
    result = _cli_json(tmp_path, _file(rows))
    assert result["placeholder_emails"] == 1
    assert _welcomed() == {NOBODY}


def test_the_managers_summary_counts_those_not_emailed(alice, demo_clinic):
    rows = [*_family_without_email(37), person("Zoe", email="zoe@example.com")]
    upload = store_upload(
        _file(rows), file_name="march.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    run_job(upload.pk)
    sending.send_due_emails()
    summary = next(message for message in mail.outbox if message.to == ["alice@demo.example"])
    assert "Successful recipient uploads: 38" in summary.body
    assert "37 recipients have no real email address: they were not emailed." in summary.body
    assert {message.to[0] for message in mail.outbox} == {"alice@demo.example", "zoe@example.com"}


def test_the_high_volume_banner_and_reports_count_them(alice, alice_client, demo_clinic):
    upload = store_upload(
        _file(_family_without_email(2)),
        file_name="march.csv",
        location=demo_clinic,
        user=alice,
        source="high_volume",
    )
    run_job(upload.pk)
    status = alice_client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").json()
    assert (
        "2 recipients have no real email address: they were not emailed." in (status["banner_html"])
    )
    reports = alice_client.get("/reports/").content.decode()
    assert "2 recipients have no real email address: they were not emailed." in reports


def test_the_low_volume_review_warns_and_the_alert_counts(alice_client, demo_clinic):
    data = _file([person("Ann", email=NOBODY), person("Zoe", email="zoe@example.com")])
    upload_file = io.BytesIO(data)
    upload_file.name = "staff.csv"
    alice_client.post("/bulk-registration/upload/", {"file": upload_file})
    upload = Upload.objects.latest("id")
    review = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert review.count("This email address is a placeholder that nobody reads") == 1
    assert 'id="warning-count">1<' in review
    response = alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    alert = alice_client.get(response.url).content.decode()
    assert "1 recipient has no real email address: they were not emailed." in alert
    assert _welcomed() == {"zoe@example.com"}


def test_loaded_recipients_can_list_only_those_without_a_real_address(
    alice, alice_client, demo_clinic, tmp_path
):
    _cli_json(
        tmp_path,
        _file([*_family_without_email(2, "na@na.com"), person("Zoe", email="zoe@example.com")]),
    )
    page = alice_client.get("/recipients/", {"email": "none"}).content.decode()
    assert "Total number of records: 2" in page
    assert "zoe@example.com" not in page and "na@na.com" in page
    assert 'id="placeholders-only" checked' in page
    everyone = alice_client.get("/recipients/").content.decode()
    assert "Total number of records: 3" in everyone


def test_correcting_to_a_real_address_sends_the_welcome_email(alice, demo_clinic, tmp_path):
    _cli_json(tmp_path, _file(_family_without_email(1)))
    recipient = Recipient.objects.get()
    with pytest.raises(SelfServiceRefused, match="placeholder"):
        resend_welcome(recipient, by=alice)
    assert correct_email(recipient, "ann@example.com", by=alice) is True
    assert recipient.account.username == "ann@example.com.covid19vaccine"
    sending.send_due_emails()
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]


def test_an_address_is_not_corrected_to_a_placeholder(alice, demo_clinic, tmp_path):
    _cli_json(tmp_path, _file([person(email="ann@gmial.com")]))
    with pytest.raises(SelfServiceRefused, match="placeholder"):
        correct_email(Recipient.objects.get(), "na@na.com", by=alice)


def test_twenty_thousand_placeholder_rows_are_created_and_none_emailed(
    alice, demo_clinic, tmp_path
):
    # The must-show case, at a fifth of its size (bench/shared_addresses.py times all of it).
    rows = [
        person(f"Ann{n}".translate(str.maketrans("0123456789", "abcdefghij")), email=NOBODY)
        for n in range(4000)
    ]
    result = _cli_json(tmp_path, _file(rows))
    assert (result["created"], result["placeholder_emails"]) == (4000, 4000)
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.WELCOME).exists()
    assert Recipient.objects.order_by("-id").first().account.username == (
        "noemail@none.com.covid19vaccine4000"
    )
