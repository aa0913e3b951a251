"""A recipient's question from the recipient portal (/portal/help/), signed in or not: it opens a
case of kind "Recipient question" in the help desk's queue and is answered by email. Throttled
per network and per address; the page after sending is the same whatever was typed, so it never
tells whether an account exists; an answer goes only to the signed-in account, the address on
the account whose username was typed, or the email typed."""

import pytest
from django.core import mail
from django.test import Client

from helpdesk import cases
from helpdesk.models import Case, CaseEvent
from outbox.sending import send_due_emails
from portal.emails import welcome_message
from tests.helpers import make_portal_recipient

HELP = "/portal/help/"
SENT = "/portal/help/sent/"
HELP_URL = "https://portal.example/portal/help/"
QUESTION = "My vaccine record shows one dose; I had two. Who can fix it?"


def _ask(client, contact="pat@example.com", name="Pat Doe", question=QUESTION, **extra):
    return client.post(HELP, {"name": name, "contact": contact, "question": question}, **extra)


def _sent_to(address: str) -> list:
    """The emails sent to `address`, in the order they were queued: sent one at a time, as a
    batch goes out over several SMTP sessions at once and so in no set order."""
    while send_due_emails(limit=1):
        pass
    return [message for message in mail.outbox if message.to == [address]]


@pytest.fixture
def ann(demo_clinic):
    """A recipient with a portal account: ann.lee@example.com.covid19vaccine."""
    return make_portal_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", email="ann.lee@example.com"
    )


@pytest.fixture
def ann_client(ann):
    client = Client()
    client.force_login(ann.account)
    return client


# The form ----------------------------------------------------------------------------------------


def test_the_form_asks_a_name_a_username_or_email_and_the_question(client, db):
    page = client.get(HELP).content.decode()
    for label in ("Your name", "Username or email", "Your question"):
        assert f">{label}</label>" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'maxlength="2000"' in page and 'maxlength="100"' in page


def test_it_needs_a_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    assert _ask(client).status_code == 403
    assert not Case.objects.exists()


def test_what_is_missing_or_wrong_is_said_next_to_the_field_and_nothing_is_opened(client, db):
    response = _ask(client, contact="not an address", name="", question="x" * 2001)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page  # the project's error summary, announced
    assert "Enter your username or an email address, like name@example.com." in page
    assert "This field is required." in page
    assert "Ensure this value has at most 2000 characters (it has 2001)." in page
    assert not Case.objects.exists()


def test_the_sign_in_page_and_every_portal_page_s_footer_link_to_it(client, db):
    page = client.get("/portal/login/").content.decode()
    assert page.count(f'href="{HELP}"') == 2  # below the form, and in the footer
    assert f'href="{HELP}"' in client.get("/portal/password/forgot/").content.decode()


# Signed out --------------------------------------------------------------------------------------


def test_a_signed_out_question_opens_a_case_in_the_queue_answered_at_the_typed_address(client, db):
    response = _ask(client, contact="Pat@Example.com")
    assert (response.status_code, response.url) == (302, SENT)
    case = Case.objects.get()
    assert (case.kind, case.source, case.status) == (
        "recipient_question",
        "recipient_portal",
        "new",
    )
    assert (case.requester, case.recipient, case.location) == (None, None, None)
    assert (case.contact_name, case.contact_email) == ("Pat Doe", "pat@example.com")
    assert case.description.startswith(QUESTION)
    assert case.events.get().kind == CaseEvent.Kind.OPENED

    (confirmation,) = _sent_to("pat@example.com")
    assert confirmation.subject == f"Case {case.number} received"
    assert "Hello Pat Doe," in confirmation.body
    assert HELP_URL in confirmation.body
    assert "/help-desk/" not in confirmation.body  # recipients do not use the help desk's pages
    assert QUESTION not in confirmation.body  # not a relay for words typed by anyone


def test_the_page_after_sending_is_the_same_whatever_was_typed(client, ann, alice):
    typed = [
        "ann.lee@example.com.covid19vaccine",  # a recipient's username
        "nobody@example.com.covid19vaccine",  # a username nobody has
        "ann.lee@example.com",  # a recipient's email
        "alice@demo.example",  # a manager's account
        "stranger@example.com",
    ]
    answers = [_ask(client, contact=contact) for contact in typed]
    assert {(answer.status_code, answer.url) for answer in answers} == {(302, SENT)}
    page = client.get(SENT)
    assert page.status_code == 200
    assert "Thank you — we will answer by email" in page.content.decode()
    assert Case.objects.count() == len(typed)


def test_a_typed_username_names_the_recipient_and_answers_go_to_that_account_s_address(
    client, ann, charlie
):
    # Whoever typed the username may not be Ann: the answer goes to Ann's address on file,
    # never to one the asker chose.
    _ask(client, contact="Ann.Lee@example.com.covid19vaccine", name="Ann Lee")
    case = Case.objects.get()
    assert (case.requester, case.recipient) == (None, ann)
    assert case.contact_email == "ann.lee@example.com"
    assert "(Typed as username or email: Ann.Lee@example.com.covid19vaccine)" in case.description
    cases.reply(case, "We added your second dose.", by=charlie)
    assert [m.subject for m in _sent_to("ann.lee@example.com")] == [
        f"Case {case.number} received",
        f"Case {case.number}: a reply",
    ]


def test_a_typed_email_is_answered_there_and_names_no_recipient(client, ann):
    _ask(client, contact="ann.lee@example.com")
    case = Case.objects.get()
    assert (case.recipient, case.contact_email) == (None, "ann.lee@example.com")


def test_a_username_nobody_has_opens_a_case_with_no_address_and_emails_nobody(client, db):
    _ask(client, contact="nobody@example.com.covid19vaccine")
    case = Case.objects.get()
    assert (case.requester, case.recipient, case.contact_email) == (None, None, "")
    send_due_emails()
    assert mail.outbox == []


def test_staff_replies_and_status_changes_reach_the_typed_address(client, charlie):
    _ask(client)
    case = Case.objects.get()
    cases.reply(case, "Call your provider, they can correct it.", by=charlie)
    cases.change_status(case, Case.Status.RESOLVED, by=charlie, comment="Answered.")
    confirmation, reply, status = _sent_to("pat@example.com")
    assert "Call your provider, they can correct it." in reply.body
    assert HELP_URL in reply.body and "/help-desk/" not in reply.body
    assert status.subject == f"Case {case.number}: Resolved"
    assert "Answered." in status.body


def test_staff_see_who_asked_in_the_queue_and_on_the_case(client, charlie, db):
    _ask(client)
    case = Case.objects.get()
    staff = Client()
    staff.force_login(charlie)
    shown = "Pat Doe &lt;pat@example.com&gt; (not signed in)"
    queue = staff.get("/admin/helpdesk/case/")
    assert queue.status_code == 200 and shown in queue.content.decode()
    assert "Recipient question" in queue.content.decode()
    page = staff.get(f"/admin/helpdesk/case/{case.pk}/change/")
    assert page.status_code == 200 and shown in page.content.decode()
    assert QUESTION in page.content.decode()
    summary = staff.get(f"/help-desk/cases/{case.number}/")
    assert summary.status_code == 200
    assert staff.get("/admin/helpdesk/case/?q=pat@example.com").status_code == 200


def test_staff_can_reply_from_the_case_page(client, charlie, db):
    _ask(client)
    case = Case.objects.get()
    staff = Client()
    staff.force_login(charlie)
    data = {
        "new_status": "",
        "comment": "",
        "reply": "Thank you, it is fixed.",
        "seen_version": case.version,
        # The timeline (read-only) as the page posts it.
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "1",
    }
    response = staff.post(f"/admin/helpdesk/case/{case.pk}/change/", data)
    assert response.status_code == 302
    (_, reply) = _sent_to("pat@example.com")
    assert "Thank you, it is fixed." in reply.body


# Signed in ---------------------------------------------------------------------------------------


def test_a_signed_in_recipient_asks_with_their_account(ann_client, ann):
    page = ann_client.get(HELP).content.decode()
    assert 'name="contact"' not in page
    assert "ann.lee@example.com.covid19vaccine" in page
    assert 'value="Ann Lee"' in page
    response = ann_client.post(HELP, {"name": "Ann Lee", "question": QUESTION})
    assert (response.status_code, response.url) == (302, SENT)
    case = Case.objects.get()
    assert (case.requester, case.recipient, case.contact_email) == (
        ann.account,
        ann,
        "ann.lee@example.com",
    )
    (confirmation,) = _sent_to("ann.lee@example.com")
    assert "Hello Ann Lee," in confirmation.body


# Throttled ---------------------------------------------------------------------------------------


def test_questions_are_limited_per_network(client, db, settings):
    settings.RECIPIENT_QUESTION_RATE = "2/h"
    for number in range(2):
        assert _ask(client, contact=f"p{number}@example.com").status_code == 302
    refused = _ask(client, contact="p9@example.com")
    assert refused.status_code == 429
    assert "Too many questions were sent. Wait an hour, then try again." in refused.content.decode()
    assert Case.objects.count() == 2
    assert _ask(client, contact="p9@example.com", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_questions_are_limited_per_address_from_any_network(client, db, settings):
    settings.RECIPIENT_QUESTION_RATE = "2/h"
    for number in range(2):
        _ask(client, contact="Pat@example.com", REMOTE_ADDR=f"198.51.100.{number}")
    assert _ask(client, contact="pat@example.com ", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert Case.objects.count() == 2
    send_due_emails()
    assert len(mail.outbox) == 2


# The welcome email -------------------------------------------------------------------------------


def test_the_welcome_email_links_to_the_form(ann):
    message = welcome_message(ann.account)
    assert f"Need support? Submit your question to the help desk:\n{HELP_URL}\n" in message.body
    html = message.alternatives[0][0]
    assert f'<a href="{HELP_URL}">Submit your question to the help desk</a>' in html
