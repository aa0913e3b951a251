"""A location's day of doses goes to NCIR as a batch file (export_ncir_batch, or the admin's
download), and the registry's ACK file comes back (import_ncir_acks): each dose Accepted, or
Rejected with the registry's error; staff filter Rejected and resend.
"""

import datetime as dt
import io
import logging
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from audit.models import AuditEvent
from portal import doses
from portal.models import Dose, NcirMessage, Product
from tests.helpers import make_recipient, signed_in

NEW_YORK = ZoneInfo("America/New_York")


def _record(recipient, number=1, **fields) -> Dose:
    dose = Dose(
        recipient=recipient,
        product=Product.objects.get(name="Pfizer-BioNTech"),
        dose_number=number,
        given_on=dt.date(2021, 3, 1) + dt.timedelta(days=21 * (number - 1)),
        lot_number="EL0140",
        expiration_date=dt.date(2021, 6, 30),
        site="LD",
        route="IM",
        amount_ml=Decimal("0.3"),
        location=recipient.location,
        **fields,
    )
    dose.clean()
    doses.save_dose(dose, by=None)
    return dose


def _export(tmp_path, *args) -> tuple[str, str]:
    out = tmp_path / "batch.hl7"
    said = io.StringIO()
    call_command("export_ncir_batch", *args, "--out", str(out), stdout=said)
    # Bytes, not read_text: universal newlines would turn HL7's segment ends (CR) into LF.
    return out.read_bytes().decode("utf-8"), said.getvalue()


def _segments(text: str) -> list[str]:
    return [segment for segment in text.split("\r") if segment]


def _messages(text: str) -> list[str]:
    """The VXU messages of a batch file, each from its MSH to the next."""
    found: list[list[str]] = []
    for segment in _segments(text):
        if segment.startswith("MSH"):
            found.append([segment])
        elif found and segment[:3] not in ("BTS", "FTS"):
            found[-1].append(segment)
    return ["\r".join(message) for message in found]


def _ack(control_id: str, code: str = "AA", text: str = "", err: str = "") -> str:
    segments = [
        f"MSH|^~\\&|NCIR|NCDHHS|CVMS|NCA650001|20210302||ACK^V04^ACK|R{control_id}|P|2.5.1",
        f"MSA|{code}|{control_id}" + (f"|{text}" if text else ""),
    ]
    if err:
        segments.append(f"ERR||RXA^1^15|101^Required field missing^HL70357|E||||{err}")
    return "\r".join(segments) + "\r"


def _import(tmp_path, text: str) -> str:
    path = tmp_path / "acks.hl7"
    path.write_text(text, encoding="utf-8", newline="")
    said = io.StringIO()
    call_command("import_ncir_acks", str(path), stdout=said)
    return said.getvalue()


@pytest.fixture
def pat(demo_clinic):
    return make_recipient(demo_clinic, first_name="Pat", last_name="Doe", email="pat@example.com")


# Exporting --------------------------------------------------------------------------------------


def test_the_batch_file_frames_the_pending_messages_and_marks_them_exported(tmp_path, pat):
    _record(pat)
    _record(pat, number=2)
    text, said = _export(tmp_path, "--location", "NCA650001")
    segments = _segments(text)
    assert [s[:3] for s in segments[:2]] == ["FHS", "BHS"]
    assert segments[0].startswith("FHS|^~\\&|CVMS|NCA650001|NCIR|NCDHHS|")
    assert segments[-2:] == ["BTS|2", "FTS|1"]
    assert sum(s.startswith("MSH") for s in segments) == 2
    for message in _messages(text):
        assert parse_message(message, validation_level=VALIDATION_LEVEL.STRICT).validate()
    assert said == f"Wrote 2 message(s) for NCA650001 to {tmp_path / 'batch.hl7'}.\n"
    sent = list(NcirMessage.objects.all())
    assert {m.status for m in sent} == {NcirMessage.Status.EXPORTED}
    batch_id = segments[0].split("|")[10]
    assert {m.batch for m in sent} == {batch_id}
    assert segments[1].split("|")[10] == batch_id
    assert AuditEvent.objects.filter(action="ncir_exported", target="location NCA650001").exists()


def test_a_second_export_finds_nothing_pending(tmp_path, pat):
    _record(pat)
    _export(tmp_path, "--location", "NCA650001")
    text, said = _export(tmp_path, "--location", "NCA650001")
    assert _segments(text)[2:] == ["BTS|0", "FTS|1"]
    assert said.startswith("Wrote 0 message(s)")


def test_the_batch_is_the_location_s_own(tmp_path, pat, other_clinic):
    _record(make_recipient(other_clinic, first_name="Oz", email="oz@example.com"))
    _record(pat)
    text, _ = _export(tmp_path, "--location", "nca650001")
    assert len(_messages(text)) == 1
    assert f"{pat.pk}^^^CVMS^MR" in text
    assert NcirMessage.objects.filter(status="pending", location=other_clinic).count() == 1


def test_a_date_exports_the_messages_queued_that_day(tmp_path, pat):
    with time_machine.travel(dt.datetime(2021, 3, 1, 23, 30, tzinfo=NEW_YORK), tick=False):
        first = _record(pat)
    with time_machine.travel(dt.datetime(2021, 3, 22, 9, 0, tzinfo=NEW_YORK), tick=False):
        _record(pat, number=2)
    text, _ = _export(tmp_path, "--location", "NCA650001", "--date", "2021-03-01")
    assert [m.split("\r")[0].split("|")[9] for m in _messages(text)] == [
        first.ncir_messages.get().control_id
    ]
    assert list(NcirMessage.objects.order_by("id").values_list("status", flat=True)) == [
        "exported",
        "pending",
    ]


def test_an_unknown_location_or_date_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="No location has the Provider PIN NCA659999."):
        _export(tmp_path, "--location", "NCA659999")
    with pytest.raises(CommandError, match="--date: expected YYYY-MM-DD"):
        _export(tmp_path, "--location", "NCA650001", "--date", "3/1/2021")


# Importing ACKs ---------------------------------------------------------------------------------


def test_an_ack_with_ae_rejects_the_dose_with_the_registry_s_error(tmp_path, pat):
    accepted, rejected = _record(pat), _record(pat, number=2)
    _export(tmp_path, "--location", "NCA650001")
    ok = accepted.ncir_messages.get()
    bad = rejected.ncir_messages.get()
    ack_file = "FHS|^~\\&|NCIR\rBHS|^~\\&|NCIR\r" + _ack(ok.control_id)
    ack_file += _ack(bad.control_id, "AE", "Message rejected", err="Lot number is invalid")
    ack_file += "BTS|2\rFTS|1\r"
    said = _import(tmp_path, ack_file)
    assert said == "Accepted: 1. Rejected: 1.\n"
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert (ok.status, ok.error) == ("accepted", "")
    assert (bad.status, bad.error) == ("rejected", "Lot number is invalid")
    assert ok.acked_at is not None


def test_an_ack_without_err_rejects_with_msa_3(tmp_path, pat):
    message = _record(pat).ncir_messages.get()
    _import(tmp_path, _ack(message.control_id, "AR", "Patient not found"))
    message.refresh_from_db()
    assert (message.status, message.error) == ("rejected", "Patient not found")


def test_acks_of_messages_never_sent_are_named_not_fatal(tmp_path, pat):
    message = _record(pat).ncir_messages.get()
    said = _import(tmp_path, _ack("CVMS9999999999") + _ack(message.control_id).replace("\r", "\n"))
    assert said.splitlines() == [
        "Accepted: 1. Rejected: 0.",
        "1 acknowledgment(s) of messages not sent from here: CVMS9999999999",
    ]


def test_a_missing_ack_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_ncir_acks", str(tmp_path / "nowhere.hl7"))


def test_the_commands_log_and_print_no_recipient_data(tmp_path, pat, caplog):
    message = _record(pat).ncir_messages.get()
    with caplog.at_level(logging.DEBUG):
        _, said = _export(tmp_path, "--location", "NCA650001")
        said += _import(tmp_path, _ack(message.control_id, "AE", err="Bad lot"))
    for text in (said, caplog.text):
        assert "Doe" not in text and "Pat" not in text and "1990" not in text


# Staff in the admin -----------------------------------------------------------------------------


@pytest.fixture
def staff(client, charlie):
    return signed_in(client, charlie)


def _reject(message: NcirMessage, error: str = "Lot number is invalid") -> None:
    NcirMessage.objects.filter(pk=message.pk).update(status="rejected", error=error)


def test_staff_filter_rejected_messages_and_read_the_error(staff, pat):
    rejected = _record(pat).ncir_messages.get()
    _record(pat, number=2)
    _reject(rejected)
    page = staff.get(reverse("admin:portal_ncirmessage_changelist"), {"status__exact": "rejected"})
    assert [m.pk for m in page.context["cl"].result_list] == [rejected.pk]
    assert "Lot number is invalid" in page.content.decode()


def test_staff_resend_a_rejected_message_as_pending(staff, pat):
    dose = _record(pat)
    message = dose.ncir_messages.get()
    _reject(message)
    # The dose fixed since (a correction queues its own Update; the resend reports it too).
    Dose.objects.filter(pk=dose.pk).update(lot_number="EL0141")
    before = message.control_id
    response = staff.post(
        reverse("admin:portal_ncirmessage_changelist"),
        {"action": "resend", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "1 message(s) queued again as Pending." in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.error) == ("pending", "")
    assert message.control_id != before
    vxu = parse_message(message.message, validation_level=VALIDATION_LEVEL.STRICT)
    assert vxu.msh.msh_10.to_er7() == message.control_id
    assert vxu.vxu_v04_order.rxa.rxa_15.to_er7() == "EL0141"
    assert AuditEvent.objects.filter(action="ncir_resent").count() == 1


def test_a_resend_of_a_deleted_dose_keeps_its_delete(staff, pat, root):
    dose = _record(pat)
    doses.delete_dose(dose, by=root)
    delete = NcirMessage.objects.get(action="D")
    _reject(delete, "Try again later")
    staff.post(
        reverse("admin:portal_ncirmessage_changelist"),
        {"action": "resend", "_selected_action": [delete.pk]},
    )
    delete.refresh_from_db()
    vxu = parse_message(delete.message, validation_level=VALIDATION_LEVEL.STRICT)
    assert (delete.status, vxu.vxu_v04_order.rxa.rxa_21.to_er7()) == ("pending", "D")
    assert vxu.msh.msh_10.to_er7() == delete.control_id
    page = staff.get(reverse("admin:portal_ncirmessage_change", args=[delete.pk]))
    text = page.content.decode()
    assert "Deleted" in text and "MSH|^~\\&amp;|CVMS|NCA650001" in text


def test_only_rejected_messages_are_resent(staff, pat):
    message = _record(pat).ncir_messages.get()
    before = message.control_id
    response = staff.post(
        reverse("admin:portal_ncirmessage_changelist"),
        {"action": "resend", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "only rejected ones are resent" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.control_id) == ("pending", before)


def test_staff_download_a_location_s_batch_file(staff, pat):
    _record(pat)
    response = staff.post(
        reverse("admin:portal_ncirmessage_changelist"),
        {
            "action": "download_batch",
            "_selected_action": list(NcirMessage.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="ncir-NCA650001-')
    segments = _segments(response.content.decode())
    assert (segments[0][:3], segments[-2], segments[-1]) == ("FHS", "BTS|1", "FTS|1")
    assert NcirMessage.objects.get().status == "exported"


def test_a_download_of_two_locations_is_refused(staff, pat, other_clinic):
    _record(pat)
    _record(make_recipient(other_clinic, first_name="Oz", email="oz@example.com"))
    response = staff.post(
        reverse("admin:portal_ncirmessage_changelist"),
        {
            "action": "download_batch",
            "_selected_action": list(NcirMessage.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert "filter by Provider PIN (search) first" in response.content.decode()
    assert set(NcirMessage.objects.values_list("status", flat=True)) == {"pending"}
