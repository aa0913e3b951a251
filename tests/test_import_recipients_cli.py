"""python manage.py import_recipients FILE --location PIN --as EMAIL [--dry-run]
[--error-file OUT] [--json]: the outside contract of DESIGN.md."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from bulkupload.models import Upload
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import person, recipient_csv


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_recipients", *map(str, args), stdout=out)
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def staff_file(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(
        recipient_csv(
            person(), person("Jane", email="bad"), ("", "", "", ""), person("Bob", born="2/30/1990")
        )
    )
    return path


def test_it_imports_and_prints_the_json_contract(alice, staff_file):
    code, out = run(staff_file, "--location", "NCA650001", "--as", "alice@demo.example", "--json")
    assert code == 0
    assert json.loads(out) == {
        "rows": 3,
        "created": 1,
        "failed": 2,
        "already_loaded": 0,
        "placeholder_emails": 0,
        "errors": [
            {"line": 3, "message": "Line 3: Email: invalid email address: bad"},
            {"line": 5, "message": "Line 5: Date of birth: invalid Date of birth: 2/30/1990"},
        ],
        "skipped": [],
        "changes": [],
    }
    recipient = Recipient.objects.get()
    assert recipient.account.username == "john.smith@example.com.covid19vaccine"
    assert OutboundEmail.objects.filter(user=recipient.account).count() == 1


def test_it_records_a_command_line_upload(alice, staff_file):
    run(staff_file, "--location", "nca650001", "--as", "ALICE@demo.example", "--json")
    upload = Upload.objects.get()
    assert (upload.source, upload.status, upload.file_name) == ("command_line", "done", "staff.csv")
    assert (upload.uploaded_by, upload.rows, upload.created_count, upload.failed_count) == (
        alice,
        3,
        1,
        2,
    )
    assert bytes(upload.content) == staff_file.read_bytes()


def test_a_dry_run_reports_and_writes_nothing(alice, staff_file):
    code, out = run(
        staff_file, "--location", "NCA650001", "--as", "alice@demo.example", "--dry-run", "--json"
    )
    assert (code, json.loads(out)["created"], json.loads(out)["failed"]) == (0, 1, 2)
    assert not Recipient.objects.exists()
    assert not Upload.objects.exists()


def test_it_writes_the_error_file(alice, staff_file, tmp_path):
    out_path = tmp_path / "errors.csv"
    run(
        staff_file,
        "--location",
        "NCA650001",
        "--as",
        "alice@demo.example",
        "--error-file",
        out_path,
    )
    assert out_path.read_bytes().decode("utf-8-sig").splitlines() == [
        "FirstName,LastName,Date of birth,Email,Error",
        "Jane,Smith,1/2/1990,bad,Line 3: Email: invalid email address: bad",
        "Bob,Smith,2/30/1990,john.smith@example.com,"
        "Line 5: Date of birth: invalid Date of birth: 2/30/1990",
    ]


def test_it_prints_a_summary_without_json(alice, staff_file):
    code, out = run(staff_file, "--location", "NCA650001", "--as", "alice@demo.example")
    assert code == 0
    assert out.splitlines()[0] == "3 rows: 1 created, 2 failed."
    assert "Line 3: Email: invalid email address: bad" in out


def test_a_whole_file_rejection_exits_1_with_the_message(alice, tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 ...")
    code, out = run(path, "--location", "NCA650001", "--as", "alice@demo.example", "--json")
    assert code == 1
    assert json.loads(out) == {
        "error": "The file is not a table. Save it from Excel as CSV (comma-delimited) or .xlsx "
        "and upload it again."
    }
    upload = Upload.objects.get()
    assert upload.status == "rejected"


def test_it_applies_the_high_volume_row_limit(alice, tmp_path, settings):
    settings.HIGH_VOLUME_MAX_ROWS = 2
    path = tmp_path / "big.csv"
    path.write_bytes(recipient_csv(person("Ann"), person("Bob"), person("Cid")))
    code, out = run(
        path, "--location", "NCA650001", "--as", "alice@demo.example", "--json", "--dry-run"
    )
    assert code == 1
    assert "at most 2 can be uploaded" in json.loads(out)["error"]


def test_a_rejection_without_json_is_a_command_error(alice, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty."):
        call_command(
            "import_recipients", str(path), "--location", "NCA650001", "--as", "alice@demo.example"
        )


@pytest.mark.parametrize(
    ("location", "email", "message"),
    [
        ("NCA659999", "alice@demo.example", "No location has the Provider PIN NCA659999."),
        ("NCA650001", "nobody@demo.example", "No user signs in as nobody@demo.example."),
        ("NCA650002", "alice@demo.example", "alice@demo.example does not manage NCA650002."),
    ],
)
def test_it_checks_the_location_and_the_user(
    alice, other_clinic, staff_file, location, email, message
):
    code, out = run(staff_file, "--location", location, "--as", email, "--json")
    assert (code, json.loads(out)) == (1, {"error": message})
    assert not Recipient.objects.exists()


def test_help_desk_staff_may_import_for_any_location(charlie, demo_clinic, staff_file):
    code, out = run(
        staff_file, "--location", "NCA650001", "--as", "charlie@helpdesk.example", "--json"
    )
    assert (code, json.loads(out)["created"]) == (0, 1)
