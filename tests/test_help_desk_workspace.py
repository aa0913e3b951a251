"""The admin as a help-desk agent's workplace: they land on the queue's counts and its oldest
cases, take a case with "Assign to me" and find theirs with "Assigned to me"; timelines read in
words and dates as the portal writes them; people are picked by name, never typed as ids; and
the system's records are out of their way."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpdesk import cases
from helpdesk.models import Case, CaseEvent
from portal.models import Product
from tests.helpers import (
    PASSWORD,
    make_case,
    make_portal_recipient,
    make_recipient,
    make_staff,
    make_user,
    signed_in,
)

QUEUE = reverse("admin:helpdesk_case_changelist")


@pytest.fixture
def requester(db):
    return make_user("rita@demo.example", first_name="Rita", last_name="Reyes")


@pytest.fixture
def pat(db):
    return make_staff("pat@helpdesk.example", first_name="Pat", last_name="Lee")


@pytest.fixture
def kim(db):
    return make_staff("kim@helpdesk.example", first_name="Kim", last_name="Ray")


@pytest.fixture
def agent(client, pat):
    return signed_in(client, pat)


def _opened(requester, location, days_ago: int, **fields) -> Case:
    case = make_case(requester, location, **fields)
    when = timezone.now() - dt.timedelta(days=days_ago)
    Case.objects.filter(pk=case.pk).update(created_at=when)
    case.refresh_from_db()
    return case


def _change_url(case: Case) -> str:
    return reverse("admin:helpdesk_case_change", args=[case.pk])


def _assign_to_me_url(case: Case) -> str:
    return reverse("admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": "assign_to_me"})


def _listed(response) -> list[str]:
    return [case.number for case in response.context["cl"].result_list]


# Landing on the queue ------------------------------------------------------------------------


def test_an_agent_signing_in_lands_on_the_queue_s_counts_and_oldest_cases(
    client, pat, kim, requester, demo_clinic
):
    newest = _opened(requester, demo_clinic, 1)
    oldest = _opened(requester, demo_clinic, 9)
    waiting = _opened(requester, demo_clinic, 5)
    cases.change_status(waiting, "in_progress", by=kim)
    cases.change_status(waiting, "awaiting_info", by=kim)
    cases.assign(newest, pat, by=pat)
    done = _opened(requester, demo_clinic, 30)
    cases.change_status(done, "resolved", by=kim, comment="Done.")

    signed_in = client.post(
        reverse("admin:login"), {"username": pat.username, "password": PASSWORD}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == reverse("admin:index")
    assert signed_in.context["counts"] == {
        "new": 2,
        "in_progress": 0,
        "awaiting_info": 1,
        "mine": 1,
        "unassigned": 2,
    }
    page = signed_in.content.decode()
    queue_at = page.index("The queue")
    assert queue_at < page.index("Records")  # the queue is the first content
    assert f'href="{QUEUE}?assignee=me"' in page and f'href="{QUEUE}?status__exact=new"' in page
    listed = [case.number for case in signed_in.context["oldest"]]
    assert listed == [oldest.number, waiting.number, newest.number]  # open only, oldest first
    assert done.number not in page[queue_at:]


def test_the_queue_lists_open_cases_oldest_first_and_a_search_finds_closed_ones(
    agent, pat, requester, demo_clinic
):
    recent = _opened(requester, demo_clinic, 1)
    old = _opened(requester, demo_clinic, 7)
    closed = _opened(requester, demo_clinic, 3)
    cases.change_status(closed, "rejected", by=pat, comment="Duplicate.")
    assert _listed(agent.get(QUEUE)) == [old.number, recent.number]
    assert _listed(agent.get(QUEUE, {"state": "closed"})) == [closed.number]
    assert _listed(agent.get(QUEUE, {"q": closed.number})) == [closed.number]


def test_the_queue_and_the_home_page_take_the_same_queries_for_more_cases(
    agent, pat, kim, requester, demo_clinic, other_clinic
):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert agent.get(url).status_code == 200
        return len(captured)

    for location in (demo_clinic, other_clinic):
        cases.assign(_opened(requester, location, 2), kim, by=kim)
    few = (queries(QUEUE), queries(reverse("admin:index")))
    for n in range(4):
        cases.assign(_opened(requester, other_clinic, n, kind=Case.Kind.REMOVAL), pat, by=pat)
    assert (queries(QUEUE), queries(reverse("admin:index"))) == few


# Assignment ----------------------------------------------------------------------------------


def test_assign_to_me_puts_the_case_in_my_queue_and_on_the_staff_timeline(
    agent, pat, requester, demo_clinic
):
    case = _opened(requester, demo_clinic, 2)
    other = _opened(requester, demo_clinic, 3)
    version = case.version
    assert b"Assign to me" in agent.get(_change_url(case)).content
    done = agent.post(_assign_to_me_url(case), follow=True)
    assert f"Case {case.number} is assigned to you." in [str(m) for m in done.context["messages"]]
    case.refresh_from_db()
    assert case.assignee == pat and case.version == version + 1
    event = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert (event.text, event.actor, event.internal) == ("Assigned to Pat Lee", pat, True)
    assert _listed(agent.get(QUEUE, {"assignee": "me"})) == [case.number]
    assert _listed(agent.get(QUEUE, {"assignee": "none"})) == [other.number]
    assert _listed(agent.get(QUEUE, {"assignee": str(pat.pk)})) == [case.number]
    assert "Pat Lee" in agent.get(QUEUE).content.decode()  # the queue's "assigned to" column


def test_assign_to_me_never_takes_a_case_from_a_colleague(agent, kim, requester, demo_clinic):
    case = _opened(requester, demo_clinic, 2)
    cases.assign(case, kim, by=kim)
    refused = agent.post(_assign_to_me_url(case), follow=True)
    assert "is assigned to Kim Ray" in str(list(refused.context["messages"])[0])
    case.refresh_from_db()
    assert case.assignee == kim


def test_the_queue_assigns_selected_cases_to_me_but_not_a_colleague_s(
    agent, pat, kim, requester, demo_clinic
):
    free = _opened(requester, demo_clinic, 2)
    taken = _opened(requester, demo_clinic, 3)
    cases.assign(taken, kim, by=kim)
    agent.post(QUEUE, {"action": "assign_selected_to_me", "_selected_action": [free.pk, taken.pk]})
    free.refresh_from_db()
    taken.refresh_from_db()
    assert (free.assignee, taken.assignee) == (pat, kim)


def _work(client, case, version, **fields):
    events = case.events.count()
    data = {
        "seen_version": version,
        "assignee": "",
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


def test_an_agent_gives_a_case_to_a_colleague_at_the_version_they_saw(
    agent, pat, kim, requester, demo_clinic
):
    case = _opened(requester, demo_clinic, 2)
    form = agent.get(_change_url(case)).context["adminform"].form
    assert ("", "Nobody (unassigned)") in [
        (str(v), label) for v, label in form.fields["assignee"].choices
    ]
    seen = case.version
    cases.reply(case, "Looking into it.", by=pat)  # the case moved on meanwhile
    stale = _work(agent, case, seen, assignee=kim.pk)
    assert "was changed by someone else" in str(stale.context["adminform"].form.errors)
    case.refresh_from_db()
    assert case.assignee is None

    assert _work(agent, case, case.version, assignee=kim.pk).status_code == 302
    case.refresh_from_db()
    assert case.assignee == kim
    assert case.events.get(kind=CaseEvent.Kind.ASSIGNED).text == "Assigned to Kim Ray"


# Words, not codes ----------------------------------------------------------------------------


def test_the_timeline_reads_in_words_with_dates_as_the_portal_writes_them(
    agent, pat, requester, demo_clinic, settings
):
    case = _opened(requester, demo_clinic, 2)
    cases.change_status(case, "in_progress", by=pat)
    cases.record(case, CaseEvent.Kind.DOWNLOADED, pat, "Downloaded the file.", internal=True)
    moment = dt.datetime(2026, 12, 6, 14, 15, tzinfo=dt.UTC)
    CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.OPENED).update(created_at=moment)
    page = agent.get(_change_url(case)).content.decode()
    assert "Status: New → In progress" in page and "in_progress" not in page.split("timeline")[-1]
    assert "Attachment downloaded" in page and "Staff only" in page
    assert "Requester and staff" in page
    assert "INTERNAL" not in page.upper().split("TIMELINE")[-1].replace("STAFF ONLY", "")
    assert "the requester (Help Desk Portal)" in page
    local = timezone.localtime(moment)
    assert f"{local:%b} {local.day}, 2026 {local:%-I:%M %p}" in page  # "Dec 6, 2026 9:15 AM"


def test_the_list_of_timeline_entries_says_who_sees_each_in_words(agent, pat, requester):
    case = make_case(requester)
    cases.record(case, CaseEvent.Kind.DOWNLOADED, pat, "Downloaded the file.", internal=True)
    page = agent.get(reverse("admin:helpdesk_caseevent_changelist")).content.decode()
    assert "Staff only" in page and "Requester and staff" in page
    assert "icon-yes.svg" not in page and "icon-no.svg" not in page


# Pickers, never raw ids ----------------------------------------------------------------------


def test_a_recipient_s_location_is_shown_not_typed(agent, demo_clinic):
    recipient = make_recipient(demo_clinic)
    page = agent.get(reverse("admin:recipients_recipient_change", args=[recipient.pk]))
    html = page.content.decode()
    assert 'name="location"' not in html and "vForeignKeyRawIdAdminField" not in html
    assert "Demo Clinic (NCA650001)" in html
    assert "location" not in page.context["adminform"].form.fields


def test_staff_find_recipients_by_number_email_or_name(agent, demo_clinic, other_clinic):
    john = make_recipient(demo_clinic)
    ann = make_portal_recipient(
        other_clinic, first_name="Ann", last_name="Able", email="ann@example.com"
    )
    url = reverse("admin:recipients_recipient_changelist")

    def found(term):
        return list(agent.get(url, {"q": term}).context["cl"].result_list)

    assert found(f"#{ann.pk}") == [ann] and found(str(john.pk)) == [john]
    assert found("Ann@Example.com") == [ann]
    assert found("smi") == [john] and found("able ann") == [ann]
    assert found("a") == []  # too short to search by name


def _select(page: str, name: str) -> str:
    """The opening tag of the page's <select name=...>."""
    return re.search(rf'<select[^>]*name="{name}"[^>]*>', page).group(0)


def test_the_dose_page_picks_its_recipient_by_name(agent, demo_clinic):
    recipient = make_recipient(demo_clinic, first_name="Mary", last_name="Jones")
    page = agent.get(reverse("admin:portal_dose_add")).content.decode()
    assert "admin-autocomplete" in _select(page, "recipient")
    assert "vForeignKeyRawIdAdminField" not in page
    picked = agent.get(
        reverse("admin:autocomplete"),
        {"term": "jones", "app_label": "portal", "model_name": "dose", "field_name": "recipient"},
    ).json()
    assert picked["results"] == [
        {
            "id": str(recipient.pk),
            "text": f"Jones, Mary, born Jan 2, 1990 (Recipient #{recipient.pk}, "
            "Demo Clinic (NCA650001))",
        }
    ]


def test_a_removal_case_picks_its_recipient_by_name(agent, requester, demo_clinic):
    case = make_case(requester, demo_clinic, kind=Case.Kind.REMOVAL)
    page = agent.get(_change_url(case)).content.decode()
    assert "admin-autocomplete" in _select(page, "recipient")
    assert "vForeignKeyRawIdAdminField" not in page


# Out of the way ------------------------------------------------------------------------------


SYSTEM_PAGES = [
    "admin:outbox_outboundemail_changelist",
    "admin:portal_seconddosereminder_changelist",
    "admin:portal_grouprule_changelist",
    "admin:audit_auditevent_changelist",
    "admin:otp_totp_totpdevice_changelist",
]


def test_agents_see_the_work_not_the_system_s_records(agent):
    home = agent.get(reverse("admin:index"))
    listed = [model["object_name"] for model in home.context["work_models"]]
    assert listed[:3] == ["Case", "Requester", "Verification"]
    assert {"Recipient", "Dose", "Upload", "Location"} <= set(listed)
    page = home.content.decode()
    for name in ("Outbound emails", "Second dose reminders", "Group rules", "Audit events"):
        assert name.lower() not in page.lower()
    assert "TOTP" not in page
    for name in SYSTEM_PAGES:
        assert agent.get(reverse(name)).status_code == 403, name


def test_agents_no_longer_change_who_may_be_vaccinated(agent):
    product = Product.objects.get(name="Moderna")
    url = reverse("admin:portal_product_change", args=[product.pk])
    agent.post(url, {"name": "Moderna", "dose_count": "2", "second_dose_after_days": "99"})
    product.refresh_from_db()
    assert product.second_dose_after_days != 99


def test_a_superuser_finds_the_system_s_records_under_system(client, root):
    client.force_login(root)
    home = client.get(reverse("admin:index"))
    page = home.content.decode()
    assert page.index("The queue") < page.index("System")
    system = {
        model["object_name"] for app in home.context["system_apps"] for model in app["models"]
    }
    assert {
        "OutboundEmail",
        "SecondDoseReminder",
        "GroupRule",
        "AuditEvent",
        "TOTPDevice",
    } <= system
    for name in SYSTEM_PAGES:
        assert client.get(reverse(name)).status_code == 200, name


# The first day -------------------------------------------------------------------------------


def test_the_first_day_page_says_what_each_button_does_and_how_to_verify(agent):
    url = reverse("admin:first_day")
    assert f'href="{url}"' in agent.get(reverse("admin:index")).content.decode()
    page = agent.get(url).content.decode()
    for button in (
        "Process attached recipient file",
        "Remove recipient",
        "Onboard HCP users",
        "Verify requester for a location",
        "Assign to me",
    ):
        assert f"<dt>{button}</dt>" in page
    assert "never trust a PIN" in page and "phone number on file" in page
    assert "Recipient question" in page


def test_only_staff_open_the_first_day_page(alice_client):
    response = alice_client.get(reverse("admin:first_day"))
    assert response.status_code == 302 and "/admin/login/" in response.url
