"""What an attacker's odd requests get from the help desk: a 404 for a URL no case can have
(PostgreSQL refuses a NUL byte in a query, which was a 500), and for two staff pressing
"Process attached recipient file" at the same instant, one job and the second told so."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import Resolver404, resolve

from bulkupload.models import Upload
from helpdesk.actions import process_case_file
from helpdesk.cases import check_recipient_file, open_case
from helpdesk.models import Case
from tests.helpers import make_staff, make_user, person, recipient_csv, wait_until

FILE = recipient_csv(person("Ann", "Lee", "5/6/1980", "ann.lee@example.com"))


def _case(requester, location) -> Case:
    case = Case(kind=Case.Kind.BULK_UPLOAD, requester=requester, location=location)
    return open_case(case, attachment=check_recipient_file(FILE, "spring.csv"))


@pytest.mark.parametrize("suffix", ["", "failed-records.csv"])
@pytest.mark.parametrize("number", ["%00", "CS0001001%00", "%00CS0001001", "cs0001001"])
def test_a_case_url_no_case_can_have_is_404(charlie, demo_clinic, number, suffix):
    _case(make_user("rita@clinic.example"), demo_clinic)  # CS0001001 exists
    client = Client()
    client.force_login(charlie)
    assert client.get(f"/help-desk/cases/{number}/{suffix}").status_code == 404


def test_only_case_numbers_reach_the_case_pages():
    assert resolve("/help-desk/cases/CS0001001/").url_name == "case"
    with pytest.raises(Resolver404):
        resolve("/help-desk/cases/\x00/")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/helpdesk/case/%00/change/",
        "/admin/recipients/recipient/%00/change/",
        "/admin/bulkupload/upload/%00/change/",
        "/portal/setup/%00/x/",
        "/portal/password/reset/%00/x/",
        "/accounts/password/reset/%00/x/",
    ],
)
def test_other_routes_with_an_id_in_the_path_do_not_crash_on_a_nul_byte(root, path):
    client = Client()
    client.force_login(root)
    # The test client raises what the view raised: a 500 fails here.
    assert client.get(path).status_code in {200, 302, 404}


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql(
    "two clicks colliding needs row locks: SQLite has none (its writers queue whole)"
)
def test_the_second_of_two_simultaneous_clicks_is_told_the_file_is_already_processing(
    demo_clinic, sent_tasks
):
    """The first click holds the case's lock until it commits; the second waits on that lock,
    and PostgreSQL then gives it the case's new row with the upload joined as it was when its
    query began (none): it crashed with job_summary(None)."""
    first_staff = make_staff("sam@helpdesk.example")
    second_staff = make_staff("tia@helpdesk.example")
    case = _case(make_user("rita@clinic.example"), demo_clinic)
    first_done, let_first_commit = threading.Event(), threading.Event()
    outcomes, errors = {}, []

    def first_click():
        try:
            with transaction.atomic():
                outcomes["first"] = process_case_file(case, by=first_staff)
                first_done.set()
                let_first_commit.wait(10)
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            first_done.set()
            connections.close_all()

    def second_click():
        try:
            outcomes["second"] = process_case_file(case, by=second_staff)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    first = threading.Thread(target=first_click)
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=second_click)
    second.start()
    # Let the first click commit only once the second is waiting on the case's lock.
    assert wait_until(_someone_waits_on_a_lock, seconds=10)
    time.sleep(0.05)
    let_first_commit.set()
    first.join(10)
    second.join(10)

    assert errors == []
    assert outcomes["first"].ran
    assert not outcomes["second"].ran
    assert outcomes["second"].message.startswith("Already sent for processing: ")
    assert Upload.objects.count() == 1


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0
