"""Second-dose reminders: who gets one, when, and that each first dose gets exactly one, however
often and however concurrently the hourly run goes; then the outbox sends it once.

Today is March 25, 2021 in North Carolina, unless a test travels elsewhere.
"""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connections
from django.utils import translation

from cvms.celery import app
from outbox import sending
from outbox.models import OutboundEmail
from portal import reminders, tasks
from portal.models import Product, SecondDoseReminder
from recipients.removal import remove_recipient
from tests.helpers import (
    embedded_worker,
    make_dose,
    make_portal_recipient,
    make_registration,
    wait_until,
)

NC = ZoneInfo("America/New_York")
TODAY = dt.date(2021, 3, 25)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def _march_25():
    with time_machine.travel(dt.datetime(2021, 3, 25, 12, 0, tzinfo=NC), tick=True):
        yield


@pytest.fixture
def consenting(demo_clinic):
    """A recipient with a portal account who asked for reminders on a submitted registration."""
    recipient = make_portal_recipient(demo_clinic)
    make_registration(recipient, reminder_consent=True)
    return recipient


def _reminded() -> list[tuple[int, dt.date]]:
    return list(SecondDoseReminder.objects.values_list("first_dose__recipient", "due_on"))


# Who, and when ---------------------------------------------------------------------------------


def test_a_pfizer_first_dose_21_days_ago_gets_one_reminder_email(consenting, demo_clinic):
    dose = make_dose(consenting, "Pfizer-BioNTech", given_on=days_ago(21), location=demo_clinic)
    assert reminders.queue_due_reminders() == 1
    reminder = SecondDoseReminder.objects.get()
    assert (reminder.first_dose, reminder.due_on) == (dose, TODAY)
    email = OutboundEmail.objects.get()
    assert reminder.email == email
    assert (email.kind, email.user, email.status) == ("message", consenting.account, "queued")
    assert email.subject == "Reminder: your second COVID-19 vaccine dose"
    assert "first dose of the Pfizer-BioNTech COVID-19 vaccine on March 4, 2021" in email.body
    assert "at Demo Clinic" in email.body
    assert "Your second dose is due from March 25, 2021." in email.body
    assert "john.smith@example.com.covid19vaccine" in email.body


def test_a_recipient_who_prefers_spanish_is_reminded_in_spanish(demo_clinic):
    recipient = make_portal_recipient(demo_clinic)
    make_registration(recipient, reminder_consent=True, language="es")
    make_dose(recipient, "Moderna", given_on=days_ago(28), location=demo_clinic)
    reminders.queue_due_reminders()
    email = OutboundEmail.objects.get()
    assert email.subject == "Recordatorio: su segunda dosis de la vacuna contra el COVID-19"
    assert "vacuna Moderna contra el COVID-19 el 25 de febrero de 2021" in email.body
    assert "a partir del 25 de marzo de 2021" in email.body
    assert translation.get_language() in {"en", "en-us"}  # nothing else switched


def test_a_pfizer_first_dose_20_days_ago_is_not_due_yet(consenting):
    make_dose(consenting, "Pfizer-BioNTech", given_on=days_ago(20))
    assert reminders.queue_due_reminders() == 0
    assert not OutboundEmail.objects.exists()


def test_a_dose_overdue_for_days_is_still_reminded(consenting):
    # The run missed days (beat down): the reminder goes late, with the date it was due.
    make_dose(consenting, "Pfizer-BioNTech", given_on=days_ago(30))
    assert reminders.queue_due_reminders() == 1
    assert _reminded() == [(consenting.pk, days_ago(9))]


def test_moderna_is_due_after_28_days_not_27(consenting, demo_clinic):
    make_dose(consenting, "Moderna", given_on=days_ago(27))
    assert reminders.queue_due_reminders() == 0
    with time_machine.travel(dt.datetime(2021, 3, 26, 12, 0, tzinfo=NC)):
        assert reminders.queue_due_reminders() == 1
    assert "Moderna" in OutboundEmail.objects.get().body


def test_the_interval_staff_set_on_the_product_is_the_one_used(consenting):
    make_dose(consenting, "Moderna", given_on=days_ago(21))
    Product.objects.filter(name="Moderna").update(second_dose_after_days=21)
    assert reminders.queue_due_reminders() == 1


def test_janssen_is_one_dose_and_never_reminded(consenting):
    make_dose(consenting, "Janssen", given_on=days_ago(200))
    assert reminders.queue_due_reminders() == 0


def test_the_day_is_north_carolina_s_not_utc_s(consenting):
    make_dose(consenting, "Pfizer-BioNTech", given_on=days_ago(21))
    # 9 pm on March 24 in Raleigh is already March 25 in UTC: not due for another 3 hours.
    with time_machine.travel(dt.datetime(2021, 3, 24, 21, 0, tzinfo=NC)):
        assert reminders.queue_due_reminders() == 0


def test_consent_on_a_registration_still_in_progress_counts(demo_clinic):
    recipient = make_portal_recipient(demo_clinic)
    make_registration(recipient, submitted=False, reminder_consent=True)
    make_dose(recipient, given_on=days_ago(21))
    assert reminders.queue_due_reminders() == 1


def test_no_consent_no_reminder(demo_clinic):
    recipient = make_portal_recipient(demo_clinic)
    make_registration(recipient, reminder_consent=False)
    make_dose(recipient, given_on=days_ago(21))
    assert reminders.queue_due_reminders() == 0


def test_no_registration_no_reminder(demo_clinic):
    recipient = make_portal_recipient(demo_clinic)
    make_dose(recipient, given_on=days_ago(21))
    assert reminders.queue_due_reminders() == 0


def test_no_reminder_once_the_second_dose_is_recorded(consenting):
    make_dose(consenting, given_on=days_ago(21))
    make_dose(consenting, number=2, given_on=days_ago(1))
    assert reminders.queue_due_reminders() == 0


def test_a_removed_recipient_is_not_reminded(consenting, root):
    make_dose(consenting, given_on=days_ago(21))
    remove_recipient(consenting, by=root, reason="Moved out of state")
    assert reminders.queue_due_reminders() == 0


def test_only_the_due_recipient_is_reminded_among_others(consenting, demo_clinic):
    make_dose(consenting, given_on=days_ago(21))
    other = make_portal_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", email="ann.lee@example.com"
    )
    make_registration(other, reminder_consent=True)
    make_dose(other, given_on=days_ago(10))
    assert reminders.queue_due_reminders() == 1
    assert _reminded() == [(consenting.pk, TODAY)]


# Once ------------------------------------------------------------------------------------------


def test_running_twice_reminds_once(consenting):
    make_dose(consenting, given_on=days_ago(21))
    assert reminders.queue_due_reminders() == 1
    assert reminders.queue_due_reminders() == 0
    with time_machine.travel(dt.datetime(2021, 4, 25, 12, 0, tzinfo=NC)):
        assert reminders.queue_due_reminders() == 0
    assert (SecondDoseReminder.objects.count(), OutboundEmail.objects.count()) == (1, 1)


def test_a_run_that_read_the_doses_before_another_recorded_them_records_nothing(consenting):
    make_dose(consenting, given_on=days_ago(21))
    # The slow run reads what is due; meanwhile a quick one records the reminder.
    seen_by_slow_run = list(reminders.due_first_doses(TODAY))
    assert reminders.queue_due_reminders() == 1
    assert reminders.queue_due_reminders(TODAY, doses=seen_by_slow_run) == 0
    assert (SecondDoseReminder.objects.count(), OutboundEmail.objects.count()) == (1, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql("SQLite serialises writers: two runs cannot race")
def test_two_runs_at_once_on_postgresql_record_one_reminder_and_one_email(consenting, sent_tasks):
    make_dose(consenting, given_on=days_ago(21))
    both_read = threading.Barrier(2, timeout=30)

    def read_then_wait(today):
        doses = list(reminders.due_first_doses(today))
        both_read.wait()  # neither records until both have seen the dose as due
        return doses

    queued, errors = [], []

    def run():
        try:
            queued.append(reminders.queue_due_reminders(TODAY, doses=read_then_wait(TODAY)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(queued) == [0, 1]
    assert (SecondDoseReminder.objects.count(), OutboundEmail.objects.count()) == (1, 1)


# Sent once -------------------------------------------------------------------------------------


def test_the_outbox_sends_the_reminder_once_to_the_recipient(consenting):
    make_dose(consenting, given_on=days_ago(21))
    reminders.queue_due_reminders()
    assert sending.send_due_emails() == 1
    assert sending.send_due_emails() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["john.smith@example.com"]
    assert message.subject == "Reminder: your second COVID-19 vaccine dose"
    assert "Pfizer-BioNTech" in message.body
    assert SecondDoseReminder.objects.get().email.status == "accepted"


def test_a_recipient_removed_after_the_reminder_was_queued_is_not_emailed(consenting, root):
    make_dose(consenting, given_on=days_ago(21))
    reminders.queue_due_reminders()
    remove_recipient(consenting, by=root, reason="Asked to be removed")
    sending.send_due_emails()
    assert mail.outbox == []
    assert SecondDoseReminder.objects.get().email.status == "failed"


def test_recording_reminders_sends_the_outbox_after_commit(
    consenting, sent_tasks, django_capture_on_commit_callbacks
):
    make_dose(consenting, given_on=days_ago(21))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue_due_reminders()
    assert [name for name, _ in sent_tasks] == ["outbox.tasks.send_emails"]


def test_nothing_due_sends_no_task(consenting, sent_tasks, django_capture_on_commit_callbacks):
    make_dose(consenting, given_on=days_ago(3))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue_due_reminders()
    assert sent_tasks == []


# The hourly task -------------------------------------------------------------------------------


def test_beat_runs_the_reminder_task_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["second-dose-reminders"]
    assert entry["task"] == tasks.send_second_dose_reminders.name
    assert entry["schedule"] == 3600.0
    assert tasks.send_second_dose_reminders.name in app.tasks


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_task_and_the_reminder_is_emailed_once(consenting, worker_queue):
    make_dose(consenting, given_on=days_ago(21))
    with embedded_worker(worker_queue):
        tasks.send_second_dose_reminders.delay()
        # The task records the reminder, then sends the outbox in a task of its own.
        assert wait_until(lambda: len(mail.outbox) == 1, 60)
    tasks.send_second_dose_reminders.apply()  # the next hour: nothing new
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reminder: your second COVID-19 vaccine dose"
    assert SecondDoseReminder.objects.get().email.status == "accepted"
