"""The audit trail: who did what to personal data, when, from which upload or case; read-only
in the admin for everyone, and free of names, birth dates and emails."""

from django.urls import reverse

from audit.models import AuditEvent
from bulkupload.jobs import run_job, store_upload
from helpdesk import cases
from helpdesk.models import Case
from recipients.removal import remove_recipient
from tests.helpers import make_recipient, make_staff, person, recipient_csv


def _actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", "target"))


def test_an_import_is_one_entry_naming_its_upload_and_counts(alice, demo_clinic):
    upload = store_upload(
        recipient_csv(person(), person("Ann", born="x")),
        file_name="f.csv",
        location=demo_clinic,
        user=alice,
        source="high_volume",
    )
    run_job(upload.pk)
    event = AuditEvent.objects.get(action="recipients_created")
    assert (event.actor, event.target) == (alice, f"upload {upload.pk}")
    assert event.detail == "1 created, 1 failed (High Volume, NCA650001)"


def test_a_removal_names_who_and_which_recipient_not_the_person(demo_clinic, alice):
    recipient = make_recipient(demo_clinic)
    remove_recipient(recipient, by=alice, reason="John Smith left")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target) == (
        "recipient_removed",
        alice,
        f"recipient {recipient.pk}",
    )
    assert "Smith" not in event.detail


def test_sign_ins_and_lockouts_are_recorded(client, alice, password, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.post("/accounts/login/", {"username": alice.email, "password": password})
    client.post("/accounts/logout/")
    for _ in range(2):
        client.post("/accounts/login/", {"username": alice.email, "password": "wrong"})
    assert [a for a, _ in _actions()] == ["signed_in", "locked_out"]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {alice.pk}


def test_staff_actions_and_downloads_are_recorded(
    client, alice, demo_clinic, eager_tasks, django_capture_on_commit_callbacks
):
    staff = make_staff("staff@helpdesk.example")
    case = cases.open_case(
        Case(kind=Case.Kind.BULK_UPLOAD, requester=alice, location=demo_clinic),
        attachment=cases.check_recipient_file(recipient_csv(person()), "f.csv"),
    )
    client.force_login(staff)
    change = reverse("admin:helpdesk_case_change", args=[case.pk])
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": "process_file"})
        client.post(url, {"confirm": "yes"})
    client.get(reverse("admin:helpdesk_case_attachment", args=[case.pk]))
    assert client.get(change).status_code == 200
    assert ("case_action", f"case {case.number}") in _actions()
    assert ("file_downloaded", f"case {case.number}") in _actions()


def test_nobody_changes_or_deletes_the_trail_in_the_admin(client, alice, root):
    remove_recipient(make_recipient(alice.managed_locations.get()), by=alice, reason="x")
    event = AuditEvent.objects.get()
    client.force_login(root)  # agents do not open it at all (helpdesk migration 0002)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
