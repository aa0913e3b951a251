"""Recipients loaded before names were read as seen get their keys recomputed by a migration,
which never fails on a person the new keys make a duplicate."""

import datetime as dt
import logging
from importlib import import_module

from django.apps import apps

from recipients.models import Recipient
from recipients.names import name_key
from tests.helpers import make_recipient

MIGRATION = import_module("recipients.migrations.0013_keys_as_names_are_seen")
ZWSP, SOFT_HYPHEN = "\u200b", "\u00ad"


def _loaded_the_old_way(location, first_name, **fields):
    """A recipient whose keys were computed before invisible characters were ignored."""
    recipient = make_recipient(location, first_name="Placeholder", **fields)
    old_key = " ".join(first_name.casefold().split())
    Recipient.objects.filter(pk=recipient.pk).update(
        first_name=first_name, first_name_key=old_key, name_first_last=f"{old_key} smith"
    )
    return recipient


def _migrate():
    MIGRATION.recompute_keys(apps, None)


def test_it_recomputes_the_keys_of_names_with_invisible_characters(demo_clinic):
    recipient = _loaded_the_old_way(demo_clinic, f"Mary{ZWSP}Ann")
    _migrate()
    recipient.refresh_from_db()
    assert recipient.first_name == f"Mary{ZWSP}Ann"  # the name is the help desk's to change
    assert recipient.first_name_key == "maryann"
    assert recipient.name_first_last == "maryann smith"


def test_a_recipient_the_new_keys_make_a_duplicate_keeps_its_keys_and_is_logged_by_id(
    demo_clinic, caplog
):
    make_recipient(demo_clinic, first_name="MaryAnn", email="one@example.com")
    twin = _loaded_the_old_way(demo_clinic, f"Mary{SOFT_HYPHEN}Ann", email="two@example.com")
    with caplog.at_level(logging.INFO, logger="recipients.migrations"):
        _migrate()
    twin.refresh_from_db()
    assert twin.first_name_key == f"mary{SOFT_HYPHEN}ann"
    assert twin.name_first_last == "maryann smith"  # search keys have no constraint
    warning = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.getMessage() for record in warning] == [
        "1 recipients keep their former matching keys: ignoring invisible characters in their "
        "names makes each the same person (first name, last name and date of birth) as another "
        f"recipient. The help desk should review them: recipient ids {twin.pk}."
    ]
    assert "Mary" not in caplog.text and "example.com" not in caplog.text


def test_a_removed_recipient_never_blocks_the_new_keys(demo_clinic):
    make_recipient(
        demo_clinic, first_name="MaryAnn", removed_at=dt.datetime(2021, 3, 1, tzinfo=dt.UTC)
    )
    recipient = _loaded_the_old_way(demo_clinic, f"Mary{ZWSP}Ann")
    _migrate()
    recipient.refresh_from_db()
    assert recipient.first_name_key == name_key("MaryAnn")


def test_plain_names_are_not_touched(demo_clinic, django_assert_max_num_queries):
    make_recipient(demo_clinic, first_name="John")
    make_recipient(demo_clinic, first_name="Ann", date_of_birth=dt.date(1980, 1, 1))
    with django_assert_max_num_queries(1):  # the search for candidates finds none
        _migrate()
