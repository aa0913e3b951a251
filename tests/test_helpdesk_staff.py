"""Help-desk staff as the "Help-desk staff" group makes them: what they may open in the admin,
what they may not, and the demo account that is one of them."""

import datetime as dt
import threading
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from helpdesk import cases
from helpdesk.models import Case, CaseEvent, CaseFile, Requester, Verification
from outbox.models import OutboundEmail
from providers.models import User
from tests.helpers import (
    HELP_DESK_STAFF,
    make_case,
    make_recipient,
    make_upload,
    make_user,
    person,
    recipient_csv,
    signed_in,
)

STAFF_PERMISSIONS = {
    "helpdesk.view_case",
    "helpdesk.add_case",
    "helpdesk.change_case",
    "helpdesk.view_caseevent",
    "helpdesk.view_casefile",
    "helpdesk.view_requester",
    "helpdesk.change_requester",
    # Verification per location
    "helpdesk.view_verification",
    "helpdesk.add_verification",
    "recipients.view_recipient",
    "recipients.change_recipient",
    "bulkupload.view_upload",
    "providers.view_location",
    "providers.view_organization",
    "providers.view_locationmanager",
    # The recipient portal (portal's migration 0002): the outbox, the reminders, the vaccine
    # groups' rules and settings and the audit trail are the system's, a superuser's; agents
    # read the groups and products to answer recipients.
    "portal.view_vaccinegroup",
    "portal.view_product",
    "portal.view_dose",
    "portal.add_dose",
    "portal.change_dose",
    "portal.view_registration",
    # The vaccine record on one page, and the NCIR report
    "portal.view_vaccinerecord",
    "portal.view_ncirmessage",
    "portal.change_ncirmessage",
}


def test_the_group_exists_after_migrations_with_exactly_the_work_s_permissions(db):
    group = Group.objects.get(name=HELP_DESK_STAFF)
    held = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert held == STAFF_PERMISSIONS


def test_charlie_is_staff_through_the_group_not_a_superuser(charlie):
    assert charlie.is_staff and not charlie.is_superuser
    assert charlie.get_all_permissions() == STAFF_PERMISSIONS


def test_seed_demo_makes_the_help_desk_account_staff_in_the_group(db, settings):
    settings.DEBUG = True  # seed_demo's development data
    call_command("seed_demo", stdout=StringIO())
    user = User.objects.get(username="helpdesk@demo.example")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [HELP_DESK_STAFF]


def test_seed_demo_demotes_a_superuser_demo_account_once(db, settings):
    settings.DEBUG = True  # seed_demo's development data
    User.objects.create_user("helpdesk@demo.example", "x", is_staff=True, is_superuser=True)
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    user = User.objects.get(username="helpdesk@demo.example")
    assert not user.is_superuser and user.groups.filter(name=HELP_DESK_STAFF).exists()
    assert "nothing created" in out.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:providers_user_changelist"),
        reverse("admin:providers_user_add"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
    ],
)
def test_staff_get_403_on_users_and_groups(client, charlie, url):
    client.force_login(charlie)
    assert client.get(url).status_code == 403


def test_staff_cannot_open_a_user_s_page(client, charlie, alice):
    client.force_login(charlie)
    assert client.get(reverse("admin:providers_user_change", args=[alice.pk])).status_code == 403


# What staff open, and what they cannot do ------------------------------------------------------


@pytest.fixture
def requester(db):
    return make_user("rita@demo.example", first_name="Rita")


@pytest.fixture
def staff_client(client, charlie):
    return signed_in(client, charlie)


@pytest.fixture
def case(requester, demo_clinic):
    return make_case(requester, demo_clinic, rows=[person()], contact_name="Rita Reyes")


def _change_url(case):
    return reverse("admin:helpdesk_case_change", args=[case.pk])


def test_staff_open_the_queue_a_case_recipients_and_uploads_not_the_outbox(
    staff_client, case, alice, demo_clinic
):
    recipient = make_recipient(demo_clinic)
    upload = make_upload(demo_clinic, alice)
    email = OutboundEmail.objects.first()
    for url in [
        reverse("admin:helpdesk_case_changelist"),
        _change_url(case),
        reverse("admin:recipients_recipient_change", args=[recipient.pk]),
        reverse("admin:bulkupload_upload_change", args=[upload.pk]),
    ]:
        assert staff_client.get(url).status_code == 200, url
    outbox = reverse("admin:outbox_outboundemail_change", args=[email.pk])
    assert staff_client.get(outbox).status_code == 403


def test_the_queue_lists_searches_and_filters_cases(staff_client, case, requester, other_clinic):
    other = make_case(requester, other_clinic, kind=Case.Kind.REMOVAL)
    url = reverse("admin:helpdesk_case_changelist")
    page = staff_client.get(url).content.decode()
    assert case.number in page and other.number in page and "ago" in page
    found = staff_client.get(url, {"q": "Rita Reyes"}).content.decode()
    assert case.number in found and other.number not in found
    found = staff_client.get(url, {"q": "NCA650002"}).content.decode()
    assert other.number in found and case.number not in found
    found = staff_client.get(url, {"kind__exact": "removal"}).content.decode()
    assert other.number in found and case.number not in found


def test_staff_cannot_delete_cases_or_outbox_rows(staff_client, case):
    email = OutboundEmail.objects.first()
    assert (
        staff_client.get(reverse("admin:helpdesk_case_delete", args=[case.pk])).status_code == 403
    )
    delete_email = reverse("admin:outbox_outboundemail_delete", args=[email.pk])
    assert staff_client.post(delete_email, {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists() and OutboundEmail.objects.filter(pk=email.pk)


def test_the_outbox_is_read_only_even_for_a_superuser(client, root, case):
    email = OutboundEmail.objects.first()
    client.force_login(root)
    url = reverse("admin:outbox_outboundemail_change", args=[email.pk])
    page = client.get(url).content.decode()
    assert email.subject in page and 'name="subject"' not in page
    client.post(url, {"subject": "Changed", "body": "Changed"})
    email.refresh_from_db()
    assert email.subject != "Changed"


def test_upload_job_bookkeeping_is_read_only_even_for_a_superuser(client, root, alice, demo_clinic):
    upload = make_upload(demo_clinic, alice)
    client.force_login(root)
    page = client.get(reverse("admin:bulkupload_upload_change", args=[upload.pk])).content
    assert b'name="attempts"' not in page and b'name="heartbeat_at' not in page


def test_recipients_cannot_be_added_and_their_identity_is_read_only(client, root, demo_clinic):
    recipient = make_recipient(demo_clinic)
    client.force_login(root)
    assert client.get(reverse("admin:recipients_recipient_add")).status_code == 403
    page = client.get(reverse("admin:recipients_recipient_change", args=[recipient.pk])).content
    for name in (b"first_name", b"last_name", b"date_of_birth", b"removal_reason"):
        assert b'name="' + name + b'"' not in page
    assert b'name="email"' in page


# Removing a recipient from their own page ------------------------------------------------------


def test_staff_remove_a_recipient_with_a_required_reason(staff_client, charlie, demo_clinic):
    recipient = make_recipient(demo_clinic)
    url = reverse(
        "admin:recipients_recipient_actions", kwargs={"pk": recipient.pk, "tool": "remove"}
    )
    assert staff_client.get(url).status_code == 405
    asked = staff_client.post(url)
    assert b"Remove recipient #" in asked.content and b'name="reason"' in asked.content
    refused = staff_client.post(url, {"confirm": "yes", "reason": "  "})
    assert b"This field is required" in refused.content
    recipient.refresh_from_db()
    assert recipient.removed_at is None

    done = staff_client.post(url, {"confirm": "yes", "reason": "Duplicate of #7"}, follow=True)
    assert [str(m) for m in done.context["messages"]] == [f"Recipient #{recipient.pk} was removed."]
    recipient.refresh_from_db()
    assert (recipient.removed_by, recipient.removal_reason) == (charlie, "Duplicate of #7")
    assert LogEntry.objects.filter(object_id=str(recipient.pk), user=charlie).exists()
    again = staff_client.post(url, {"confirm": "yes", "reason": "again"}, follow=True)
    assert "removed already" in [str(m) for m in again.context["messages"]][0]
    recipient.refresh_from_db()
    assert recipient.removal_reason == "Duplicate of #7"


# Requesters ------------------------------------------------------------------------------------


def test_the_requester_list_shows_where_each_is_verified_and_verifies_nobody_in_bulk(
    staff_client, charlie, requester, demo_clinic, other_clinic
):
    Requester.objects.create(user=requester, registration_code="VAC2021")
    pat = make_user("pat@demo.example")
    by_pin = Requester.objects.create(user=pat, location=demo_clinic, registration_code="NCA650001")
    Verification.objects.create(
        user=pat, location=other_clinic, method="phone_on_file", verified_by=charlie
    )
    url = reverse("admin:helpdesk_requester_changelist")
    page = staff_client.get(url).content.decode()
    # A PIN verifies nothing: Pat is verified for the location staff verified her for only.
    assert '<td class="field-verified_for">NCA650002</td>' in page
    assert '<td class="field-verified_for">no location</td>' in page
    assert "verify_selected" not in page
    staff_client.post(url, {"action": "verify_selected", "_selected_action": [by_pin.pk]})
    assert Verification.objects.count() == 1


# Working a case: status, reply, stale pages -----------------------------------------------------


def _work(client, case, **fields):
    """The case page's form as a browser posts it, at the version the page was opened."""
    opened = Case.objects.get(pk=case.pk)
    events = opened.events.count()
    data = {
        "seen_version": opened.version,
        "new_status": "",
        "comment": "",
        "reply": "",
        "events-TOTAL_FORMS": events,
        "events-INITIAL_FORMS": events,
        "events-MIN_NUM_FORMS": 0,
        "events-MAX_NUM_FORMS": 1000,
    }
    data.update(fields)
    return client.post(_change_url(case), data)


def _errors(response) -> str:
    return str(response.context["adminform"].form.errors)


def test_the_status_field_offers_only_the_allowed_next_statuses(staff_client, case):
    form = staff_client.get(_change_url(case)).context["adminform"].form
    offered = [value for value, _ in form.fields["new_status"].choices]
    assert offered == ["", "in_progress", "resolved", "rejected"]


def test_resolving_takes_a_comment_for_the_requester(staff_client, charlie, case):
    refused = _work(staff_client, case, new_status="resolved")
    assert refused.status_code == 200
    assert "Add a comment for the requester" in _errors(refused)
    case.refresh_from_db()
    assert case.status == Case.Status.NEW

    done = _work(staff_client, case, new_status="resolved", comment="All 1 loaded.")
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED and case.closed_at is not None
    event = case.events.get(kind=CaseEvent.Kind.STATUS)
    assert (event.actor, event.new_status, event.text) == (charlie, "resolved", "All 1 loaded.")
    assert OutboundEmail.objects.filter(
        user=case.requester, subject=f"Case {case.number}: Resolved"
    ).exists()


def test_an_illegal_transition_is_refused(staff_client, case):
    response = _work(staff_client, case, new_status="awaiting_info")  # not from New
    assert "Select a valid choice" in _errors(response)
    case.refresh_from_db()
    assert case.status == Case.Status.NEW
    assert not case.events.filter(kind=CaseEvent.Kind.STATUS).exists()


def test_a_save_from_a_stale_page_is_refused_with_a_clear_message(staff_client, root, case):
    seen = Case.objects.get(pk=case.pk).version
    cases.reply(case, "Looking into it.", by=root)  # someone else, meanwhile
    response = _work(staff_client, case, seen_version=seen, new_status="rejected", comment="No.")
    assert response.status_code == 200
    assert "was changed by someone else since you opened it" in _errors(response)
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_a_reply_goes_on_the_timeline_and_to_the_requester(staff_client, charlie, case):
    response = _work(staff_client, case, reply="Which location is it for?")
    assert response.status_code == 302
    reply = case.events.get(kind=CaseEvent.Kind.COMMENT)
    assert (reply.actor, reply.text) == (charlie, "Which location is it for?")
    assert OutboundEmail.objects.filter(subject=f"Case {case.number}: a reply").exists()


def test_staff_set_the_location_a_request_did_not_name(staff_client, requester, demo_clinic):
    case = make_case(requester, None, vfc_pin="NCA65001")
    response = _work(staff_client, case, location=demo_clinic.pk)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.location == demo_clinic
    event = case.events.get(kind=CaseEvent.Kind.UPDATED)
    assert event.text == "Location: Demo Clinic (NCA650001)" and not event.internal
    page = staff_client.get(_change_url(case)).content
    assert b'name="location"' not in page  # set now: read-only


# The attachment --------------------------------------------------------------------------------


def _download_url(case):
    return reverse("admin:helpdesk_case_attachment", args=[case.pk])


def test_a_staff_download_is_logged_and_on_the_internal_timeline(staff_client, charlie, case):
    assert b"staff.csv" in staff_client.get(_change_url(case)).content
    response = staff_client.get(_download_url(case))
    assert response.status_code == 200
    assert b"John,Smith" in response.content
    assert response["Content-Disposition"] == 'attachment; filename="staff.csv"'
    assert LogEntry.objects.filter(
        object_id=str(case.pk), user=charlie, change_message__contains="Downloaded"
    ).exists()
    event = case.events.get(kind=CaseEvent.Kind.DOWNLOADED)
    assert event.internal and event.actor == charlie


def test_non_staff_cannot_download_the_attachment(alice_client, case):
    response = alice_client.get(_download_url(case))
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not case.events.filter(kind=CaseEvent.Kind.DOWNLOADED).exists()
    assert not LogEntry.objects.exists()


def test_the_download_is_404_after_the_file_is_purged(staff_client, case):
    CaseFile.objects.filter(case=case).update(content=None, purged_at=timezone.now())
    assert staff_client.get(_download_url(case)).status_code == 404


# A phone caller's case -------------------------------------------------------------------------


def _add(client, **fields):
    data = {"requester_email": "", "kind": "removal", "location": "", "recipient": ""}
    data.update(fields)
    return client.post(reverse("admin:helpdesk_case_add"), data)


def test_staff_open_a_case_for_a_phone_caller(
    staff_client, charlie, requester, demo_clinic, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(
            staff_client,
            requester_email=" Rita@Demo.example ",
            location=demo_clinic.pk,
            description="Please remove John Smith, he left.",
        )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.number.startswith("CS") and len(case.number) == 9
    assert (case.source, case.opened_by, case.requester) == ("phone", charlie, requester)
    confirmation = next(m for m in mail.outbox if m.subject == f"Case {case.number} received")
    assert confirmation.to == ["rita@demo.example"]


def test_a_phone_case_needs_a_known_requester(staff_client, db):
    response = _add(staff_client, requester_email="nobody@demo.example")
    assert "No help-desk account signs in with this email" in _errors(response)
    assert not Case.objects.exists()


# Retention -------------------------------------------------------------------------------------


def test_files_of_cases_closed_30_days_ago_are_purged_and_their_counts_kept(
    charlie, requester, demo_clinic, alice
):
    closed = make_case(requester, demo_clinic, rows=[person(), person("Ann", "Able")])
    upload = make_upload(demo_clinic, requester, source="help_desk", status="done", rows=2)
    Case.objects.filter(pk=closed.pk).update(upload=upload)
    closed.refresh_from_db()
    cases.change_status(closed, "resolved", by=charlie, comment="Done.")
    still_open = make_case(requester, demo_clinic, rows=[person()])
    now = closed.closed_at

    assert cases.purge_case_files(now=now + dt.timedelta(days=29)) == 0
    assert CaseFile.objects.get(case=closed).content is not None

    assert cases.purge_case_files(now=now + dt.timedelta(days=31)) == 1
    purged = CaseFile.objects.get(case=closed)
    assert purged.content is None and purged.purged_at is not None
    assert (purged.rows, purged.file_name) == (2, "staff.csv")
    upload.refresh_from_db()
    assert bytes(upload.content) == b"" and upload.rows == 2
    # The job's files are gone as any expired upload's are: the Reports tab says so.
    assert upload.files_deleted_at is not None and not upload.has_error_file
    assert CaseFile.objects.get(case=still_open).content is not None


# Case numbers under concurrency ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql("SQLite serialises writers: case numbers cannot race")
def test_case_numbers_are_unique_and_gapless_when_opened_at_once(requester, demo_clinic):
    threads, errors, start = 8, [], threading.Barrier(8)

    def open_one():
        try:
            start.wait()
            make_case(requester, demo_clinic)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=open_one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    numbers = sorted(int(n[2:]) for n in Case.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + threads))


def test_a_phone_bulk_upload_takes_the_callers_file_checked_at_once(
    staff_client, requester, demo_clinic
):
    bad = SimpleUploadedFile("f.csv", b"FirstName,Email\r\nAnn,a@example.com\r\n")
    response = _add(
        staff_client,
        requester_email=requester.email,
        kind="bulk_upload",
        location=demo_clinic.pk,
        recipient_file=bad,
    )
    assert "LastName" in _errors(response)
    assert not Case.objects.exists()
    good = SimpleUploadedFile("staff.csv", recipient_csv(person(), person("Ann", born="x")))
    _add(
        staff_client,
        requester_email=requester.email,
        kind="bulk_upload",
        location=demo_clinic.pk,
        recipient_file=good,
    )
    attachment = Case.objects.get().attachment
    assert (attachment.file_name, attachment.rows, attachment.failed_rows) == ("staff.csv", 2, 1)


def test_a_phone_onboarding_lists_its_people_one_a_line(staff_client, requester, demo_clinic):
    response = _add(
        staff_client,
        requester_email=requester.email,
        kind="hcp_onboarding",
        location=demo_clinic.pk,
        people_text="Pat, Lee, pat.lee@clinic.example\nno email here",
    )
    assert "Line 2: write First name, Last name, email" in _errors(response)
    _add(
        staff_client,
        requester_email=requester.email,
        kind="hcp_onboarding",
        location=demo_clinic.pk,
        people_text="Pat, Lee, pat.lee@clinic.example\n\nKim, Ray, kim@clinic.example",
    )
    assert Case.objects.get().people == [
        {"first_name": "Pat", "last_name": "Lee", "email": "pat.lee@clinic.example"},
        {"first_name": "Kim", "last_name": "Ray", "email": "kim@clinic.example"},
    ]
