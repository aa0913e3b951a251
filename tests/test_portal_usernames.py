"""Portal usernames for people who share an email address: `email.covid19vaccine`, then 2, 3...
numbered on from the highest in use, the same names whatever the family's size, and no name
twice even when two imports number the same address at once."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from bulkupload.pipeline import import_file
from providers.models import PortalUsernameCounter, User
from recipients.models import Recipient
from recipients.selfservice import correct_email
from tests.helpers import make_recipient, make_user, person, recipient_csv

SHARED = "family@example.com"


def _people(count, email=SHARED, start=0):
    # Different people (first names differ), one address.
    return [
        person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}", email=email)
        for i in range(start, start + count)
    ]


def _import(rows, location, user):
    return import_file(recipient_csv(*rows), location=location, user=user)


def _numbers(email=SHARED):
    base = f"{email}.covid19vaccine"
    usernames = User.objects.filter(email__iexact=email).values_list("username", flat=True)
    return sorted(1 if name == base else int(name[len(base) :]) for name in usernames)


def test_people_sharing_an_address_get_the_next_numbers_in_file_order(alice, demo_clinic):
    _import(_people(3), demo_clinic, alice)
    _import(_people(2, start=3), demo_clinic, alice)
    usernames = [Recipient.objects.get(first_name=row[0]).account.username for row in _people(5)]
    assert usernames == [
        "family@example.com.covid19vaccine",
        "family@example.com.covid19vaccine2",
        "family@example.com.covid19vaccine3",
        "family@example.com.covid19vaccine4",
        "family@example.com.covid19vaccine5",
    ]


def test_an_address_typed_in_another_case_joins_the_same_family(alice, demo_clinic):
    _import(_people(2), demo_clinic, alice)
    _import(_people(1, email="Family@Example.COM", start=2), demo_clinic, alice)
    assert _numbers() == [1, 2, 3]


def test_numbers_go_on_from_the_highest_in_use_for_accounts_made_elsewhere(alice, demo_clinic):
    # Accounts the counter never numbered (made before it, or outside the import): the import
    # finds the name taken, catches up, and numbers on as it always did.
    for number in ("", *(str(n) for n in range(2, 13))):
        make_user(SHARED, password=None, username=f"{SHARED}.covid19vaccine{number}")
    _import(_people(2), demo_clinic, alice)
    assert _numbers() == list(range(1, 15))
    assert PortalUsernameCounter.objects.get(address=SHARED).highest == 14


def test_a_number_is_never_handed_out_again(alice, demo_clinic):
    _import(_people(3), demo_clinic, alice)
    newest = Recipient.objects.get(account__username=f"{SHARED}.covid19vaccine3")
    account = newest.account
    newest.delete()
    account.delete()
    _import(_people(1, start=3), demo_clinic, alice)
    assert _numbers() == [1, 2, 4]


def test_a_crowded_address_is_numbered_without_reading_the_accounts(alice, demo_clinic):
    # Before the counters, a family of ten or more sent a LIKE prefix search that read the
    # whole accounts table; now the next number is one row of the counters, for any family.
    _import(_people(40), demo_clinic, alice)
    with CaptureQueriesContext(connection) as queries:
        _import(_people(5, start=40), demo_clinic, alice)
    statements = [query["sql"].upper() for query in queries.captured_queries]
    assert not [sql for sql in statements if " LIKE " in sql or "ESCAPE" in sql]
    assert not [sql for sql in statements if sql.startswith("SELECT") and "USERNAME" in sql]
    assert _numbers() == list(range(1, 46))


def test_a_corrected_address_takes_the_next_number_of_its_family(alice, demo_clinic):
    _import(_people(3), demo_clinic, alice)
    account = make_user("pat@gmial.com", password=None, username="pat@gmial.com.covid19vaccine")
    pat = make_recipient(demo_clinic, first_name="Pat", email="pat@gmial.com", account=account)
    correct_email(pat, SHARED, by=alice)
    pat.account.refresh_from_db()
    assert pat.account.username == "family@example.com.covid19vaccine4"
    _import(_people(1, start=3), demo_clinic, alice)
    assert _numbers() == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql("SQLite serialises writers: two imports cannot race")
def test_two_imports_numbering_one_address_at_once_never_share_a_name(alice, demo_clinic):
    _import(_people(12), demo_clinic, alice)  # a crowded family already
    files = [_people(600, start=12), _people(600, start=612)]
    barrier = threading.Barrier(2)
    failures = []

    def upload(rows):
        try:
            barrier.wait()
            _import(rows, demo_clinic, alice)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(rows,)) for rows in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    # Every number once, none skipped: each batch took its numbers while holding the counter.
    assert _numbers() == list(range(1, 1213))
    assert PortalUsernameCounter.objects.get(address=SHARED).highest == 1212
