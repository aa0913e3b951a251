"""Every time the portal shows, on a page or in an email, says which time zone it is in:
"Dec 5, 2026 6:19 PM EST", never a bare "6:19 PM" that a reader takes for their own time."""

import datetime as dt

from django.contrib.admin.sites import site
from django.utils import formats

from bulkupload.emails import upload_summary_message
from bulkupload.models import Upload
from helpdesk.models import Case
from tests.helpers import make_case, make_recipient, make_upload

# 23:19 UTC is 6:19 PM in the portal's zone (America/New_York, EST in December).
MOMENT = dt.datetime(2026, 12, 5, 23, 19, tzinfo=dt.UTC)
SHOWN = "Dec 5, 2026 6:19 PM EST"


def _upload(location, user):
    return make_upload(
        location, user, status=Upload.Status.DONE, created_count=3, created_at=MOMENT
    )


def test_the_named_formats_state_the_zone():
    for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT"):
        assert formats.get_format(name).endswith(" T"), name


def test_reports_state_the_zone_of_each_upload(alice_client, alice, demo_clinic):
    _upload(demo_clinic, alice)
    assert SHOWN in alice_client.get("/reports/").content.decode()


def test_an_upload_s_page_states_the_zone(alice_client, alice, demo_clinic):
    upload = _upload(demo_clinic, alice)
    assert SHOWN in alice_client.get(f"/reports/{upload.pk}/").content.decode()


def test_a_recipient_s_page_states_the_zone(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic, created_at=MOMENT)
    page = alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    assert SHOWN in page


def test_the_upload_summary_email_states_the_zone(alice, demo_clinic):
    message = upload_summary_message(_upload(demo_clinic, alice))
    assert f"Uploaded: {SHOWN}" in message.body


def test_a_help_desk_case_states_the_zone(client, alice, demo_clinic):
    case = make_case(alice, demo_clinic)
    Case.objects.filter(pk=case.pk).update(created_at=MOMENT, updated_at=MOMENT)
    client.force_login(alice)
    page = client.get(f"/help-desk/cases/{case.number}/").content.decode()
    assert f"<dt>Created</dt><dd>{SHOWN}</dd>" in page


def test_the_admin_states_the_zone_of_what_it_lists(admin_client, alice, demo_clinic):
    _upload(demo_clinic, alice)
    assert site.is_registered(Upload)
    page = admin_client.get("/admin/bulkupload/upload/").content.decode()
    assert SHOWN in page
