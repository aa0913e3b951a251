"""Coming back to the High Volume tab: the manager's running job, else their latest finished
one (its banner and failed records) until they click DONE."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from bulkupload.models import Upload
from tests.helpers import make_finished_upload, make_manager, make_recipient, make_upload

TAB = "/bulk-registration/high-volume/"


def _finished(location, user, name="staff.csv", ago=dt.timedelta(minutes=5), **fields):
    finished_at = timezone.now() - ago
    return make_finished_upload(location, user, file_name=name, finished_at=finished_at, **fields)


def _done(client, upload):
    return client.post(f"{TAB}{upload.pk}/done/")


def test_coming_back_shows_the_running_job_live(alice_client, alice, demo_clinic):
    make_upload(demo_clinic, alice, status=Upload.Status.RUNNING, rows=500, processed=100)
    page = alice_client.get(TAB).content.decode()
    assert "Uploading staff.csv" in page
    assert 'value="20"' in page
    assert "data-status-url" in page and "data-finished" not in page
    assert 'id="job-done-form" hidden' in page  # DONE once it is complete (guide)


def test_coming_back_shows_the_finished_job_with_its_failed_records(
    alice_client, alice, demo_clinic
):
    upload = _finished(demo_clinic, alice)
    page = alice_client.get(TAB).content.decode()
    assert "staff.csv is processed" in page
    assert 'id="job-banner" hidden' not in page
    assert f'href="/reports/{upload.pk}/failed-records.csv" id="job-error-file">' in page
    assert 'id="job-done-form">' in page


def test_done_forgets_the_job_and_shows_its_banner_once(alice_client, alice, demo_clinic):
    upload = _finished(demo_clinic, alice)
    response = _done(alice_client, upload)
    assert response.status_code == 302
    assert response.url == f"{TAB}?upload={upload.pk}"
    upload.refresh_from_db()
    assert upload.dismissed_at is not None

    after = alice_client.get(response.url).content.decode()
    assert 'id="job-result" tabindex="-1" data-autofocus' in after  # the result takes focus
    assert 'id="job-banner"' in after and 'id="job-banner" hidden' not in after
    assert 'id="job-panel"' not in after

    later = alice_client.get(TAB).content.decode()
    assert 'id="job-banner"' not in later
    assert "staff.csv is processed" not in later


def test_a_second_done_changes_nothing(alice_client, alice, demo_clinic):
    upload = _finished(demo_clinic, alice)
    _done(alice_client, upload)
    first = Upload.objects.get().dismissed_at
    assert _done(alice_client, upload).status_code == 302
    assert Upload.objects.get().dismissed_at == first


def test_only_the_latest_finished_job_is_remembered(alice_client, alice, demo_clinic):
    older = _finished(demo_clinic, alice, name="older.csv", ago=dt.timedelta(hours=2))
    newer = _finished(demo_clinic, alice, name="newer.csv")
    assert "newer.csv is processed" in alice_client.get(TAB).content.decode()
    _done(alice_client, newer)
    page = alice_client.get(TAB).content.decode()
    assert "older.csv" not in page  # dismissing the newer one does not bring it back
    assert Upload.objects.get(pk=older.pk).dismissed_at is None


def test_a_running_job_comes_before_a_finished_one(alice_client, alice, demo_clinic):
    _finished(demo_clinic, alice, name="finished.csv")
    make_upload(demo_clinic, alice, file_name="running.csv", status=Upload.Status.QUEUED)
    page = alice_client.get(TAB).content.decode()
    assert "Uploading running.csv" in page
    assert "finished.csv" not in page


def test_done_on_a_job_still_running_leaves_it_on_the_tab(alice_client, alice, demo_clinic):
    upload = make_upload(demo_clinic, alice, status=Upload.Status.RUNNING, rows=500)
    _done(alice_client, upload)
    assert Upload.objects.get().dismissed_at is None
    assert "Uploading staff.csv" in alice_client.get(TAB).content.decode()


def test_the_tab_remembers_only_the_managers_own_jobs_at_this_location(client, alice, demo_clinic):
    carol = make_manager("carol@demo.example", demo_clinic)
    _finished(demo_clinic, alice)
    client.force_login(carol)
    assert "staff.csv is processed" not in client.get(TAB).content.decode()


def test_done_of_another_managers_job_is_not_found(alice, demo_clinic, bob_client):
    upload = _finished(demo_clinic, alice)
    carol = Client()
    carol.force_login(make_manager("carol@demo.example", demo_clinic))
    assert _done(bob_client, upload).status_code == 404  # another location
    assert _done(carol, upload).status_code == 404  # the same location, not her job
    assert Upload.objects.get().dismissed_at is None
    # Following it by its address, she is not offered DONE either.
    page = carol.get(f"{TAB}?upload={upload.pk}").content.decode()
    assert "staff.csv is processed" in page and 'id="job-done-form"' not in page


def test_done_is_post_only(alice_client, alice, demo_clinic):
    upload = _finished(demo_clinic, alice)
    assert alice_client.get(f"{TAB}{upload.pk}/done/").status_code == 405
    assert Upload.objects.get().dismissed_at is None


def test_done_requires_the_csrf_token(alice, demo_clinic):
    upload = _finished(demo_clinic, alice)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert _done(browser, upload).status_code == 403
    assert Upload.objects.get().dismissed_at is None


@pytest.mark.parametrize("status", [Upload.Status.REJECTED, Upload.Status.FAILED])
def test_a_job_that_could_not_be_processed_is_remembered_too(
    alice_client, alice, demo_clinic, status
):
    _finished(demo_clinic, alice, status=status, problem="The file has no header row.")
    page = alice_client.get(TAB).content.decode()
    assert "The file has no header row." in page
    assert 'id="job-error-file" hidden' in page


def test_the_recipients_table_comes_alone_as_the_page_asks(alice_client, demo_clinic):
    make_recipient(demo_clinic, first_name="Pat", email="pat@example.com")
    make_recipient(demo_clinic, first_name="Sam", last_name="Jones", email="sam@example.com")
    response = alice_client.get("/bulk-registration/high-volume/recipients/?q=Jones&upload=7")
    page = response.content.decode()
    assert page.lstrip().startswith("<section")  # the fragment, not a page
    assert "<html" not in page
    assert "sam@example.com" in page and "pat@example.com" not in page
    # Sorting and paging stay on the tab.
    assert 'href="/bulk-registration/high-volume/?' in page
    assert "/high-volume/recipients/?" not in page


def test_the_recipients_table_is_for_managers_only(client, bob_client, demo_clinic):
    make_recipient(demo_clinic, email="pat@example.com")
    response = client.get("/bulk-registration/high-volume/recipients/")
    assert response.status_code == 302
    assert (
        "pat@example.com"
        not in bob_client.get("/bulk-registration/high-volume/recipients/").content.decode()
    )
