"""The same person exists once: the database enforces it, on SQLite and PostgreSQL alike."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from recipients.models import Recipient
from recipients.names import name_key
from tests.helpers import make_recipient


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("John", "john"),
        ("  john  SMITH ", "john smith"),
        ("O'Brien", "o'brien"),
        ("JOSÉ", "josé"),
        ("Jose\u0301", "josé"),  # decomposed accent equals the composed one
        ("Straße", "strasse"),
        ("Mary\tAnn", "mary ann"),
        ("", ""),
    ],
)
def test_name_key_folds_case_and_whitespace(raw, key):
    assert name_key(raw) == key


def test_it_refuses_the_same_person_twice_despite_case_and_spacing(demo_clinic):
    make_recipient(demo_clinic, first_name="John", last_name="Smith")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_recipient(demo_clinic, first_name="  john ", last_name=" SMITH")


def test_it_refuses_the_same_person_at_another_location(demo_clinic, other_clinic):
    make_recipient(demo_clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_recipient(other_clinic, email="someone.else@example.com")


def test_it_refuses_the_same_person_through_bulk_create(demo_clinic):
    make_recipient(demo_clinic)
    twin = Recipient(
        location=demo_clinic,
        first_name="JOHN",
        last_name="smith",
        first_name_key=name_key("JOHN"),
        last_name_key=name_key("smith"),
        date_of_birth=dt.date(1990, 1, 2),
        email="john.smith@example.com",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Recipient.objects.bulk_create([twin])


def test_people_who_share_an_email_are_different_recipients(demo_clinic):
    make_recipient(demo_clinic, first_name="John", email="family@example.com")
    make_recipient(demo_clinic, first_name="Jane", email="family@example.com")
    assert Recipient.objects.filter(email="family@example.com").count() == 2


def test_a_different_date_of_birth_is_a_different_person(demo_clinic):
    make_recipient(demo_clinic)
    make_recipient(demo_clinic, date_of_birth=dt.date(1990, 2, 1))
    assert Recipient.objects.count() == 2


def test_a_removed_recipient_can_be_loaded_again(demo_clinic, charlie):
    first = make_recipient(demo_clinic)
    first.removed_at = timezone.now()
    first.removed_by = charlie
    first.save()
    again = make_recipient(demo_clinic)
    assert list(Recipient.objects.active()) == [again]


def test_keys_follow_renames(demo_clinic):
    recipient = make_recipient(demo_clinic)
    recipient.first_name = "  JONATHAN "
    recipient.save(update_fields=["first_name"])
    recipient.refresh_from_db()
    assert recipient.first_name_key == "jonathan"
