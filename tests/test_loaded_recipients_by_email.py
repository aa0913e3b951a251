"""Loaded Recipients and email addresses (issue 25): a manager answering "did Maria get her
email?" types the address into the search, and the Email column sorts ignoring case."""

import datetime as dt

import pytest

from tests.helpers import make_recipient

PATHS = ["/bulk-registration/", "/recipients/"]


def _names(response) -> list[str]:
    return [r.first_name for r in response.context["listing"].page.object_list]


def _count(response) -> str:
    text = response.content.decode()
    start = text.index("Total number of records:")
    return text[start : text.index("<", start)]


def _person(location, first: str, email: str, n: int = 0, last: str = "Ray"):
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n)
    return make_recipient(
        location, first_name=first, last_name=last, date_of_birth=born, email=email
    )


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "typed", ["maria.garcia@gmail.com", "Maria.Garcia@GMAIL.com", " MARIA.GARCIA@gmail.com "]
)
def test_searching_an_email_address_finds_its_recipient_whatever_its_case(
    alice_client, demo_clinic, path, typed
):
    _person(demo_clinic, "María", "Maria.Garcia@gmail.com", 1, last="García")
    _person(demo_clinic, "Mario", "mario.garcia@gmail.com", 2, last="García")
    _person(demo_clinic, "Ann", "ann@example.com", 3)
    response = alice_client.get(path, {"q": typed})
    assert _names(response) == ["María"]
    assert _count(response) == "Total number of records: 1"
    assert "Maria.Garcia@gmail.com" in response.content.decode()


def test_an_address_is_matched_whole_not_in_part(alice_client, demo_clinic):
    _person(demo_clinic, "María", "maria.garcia@gmail.com", 1)
    for partial in ("garcia@gmail.com", "maria.garcia@gmail", "@gmail.com"):
        assert _names(alice_client.get("/recipients/", {"q": partial})) == [], partial


def test_an_address_search_finds_only_the_managers_location(
    alice_client, bob_client, demo_clinic, other_clinic
):
    _person(demo_clinic, "Ann", "shared@example.com", 1)
    _person(other_clinic, "Bea", "Shared@example.com", 2)
    assert _names(alice_client.get("/recipients/", {"q": "shared@example.com"})) == ["Ann"]
    assert _names(bob_client.get("/recipients/", {"q": "shared@example.com"})) == ["Bea"]


def test_an_address_many_share_is_counted_and_paged_in_the_lists_order(alice_client, demo_clinic):
    # A clinic's own address typed for people without one, in whatever case.
    for n in range(30):
        email = "Front.Desk@Clinic.org" if n % 2 else "front.desk@clinic.org"
        _person(demo_clinic, f"Pat{n:02}", email, n)
    _person(demo_clinic, "Other", "other@clinic.org", 99)
    first = alice_client.get("/recipients/", {"q": "front.desk@clinic.org", "sort": "-first_name"})
    assert _count(first) == "Total number of records: 30"
    assert _names(first) == [f"Pat{n:02}" for n in range(29, 4, -1)]
    second = alice_client.get(
        "/recipients/", {"q": "FRONT.DESK@clinic.org", "sort": "-first_name", "page": "2"}
    )
    assert _names(second) == [f"Pat{n:02}" for n in range(4, -1, -1)]


def test_a_removed_recipient_is_not_found_by_address(alice_client, demo_clinic, charlie):
    gone = _person(demo_clinic, "Gone", "family@example.com", 1)
    _person(demo_clinic, "Kept", "family@example.com", 2)
    gone.removed_at, gone.removed_by = dt.datetime.now(dt.UTC), charlie
    gone.save()
    response = alice_client.get("/recipients/", {"q": "family@example.com"})
    assert _names(response) == ["Kept"]
    assert _count(response) == "Total number of records: 1"


EMAILS = ["b@x.org", "A@x.org", "c@x.org", "B2@x.org", "a2@x.org"]
BY_EMAIL = [
    "Ann2",
    "Ann",
    "Bob2",
    "Bob",
    "Cy",
]  # a2@, A@, B2@, b@, c@ (case-sensitive: A@ B2@ a2@ b@ c@)


@pytest.mark.parametrize("path", PATHS)
def test_the_email_sort_ignores_case(alice_client, demo_clinic, path):
    for n, (first, email) in enumerate(
        zip(["Bob", "Ann", "Cy", "Bob2", "Ann2"], EMAILS, strict=True)
    ):
        _person(demo_clinic, first, email, n)
    assert _names(alice_client.get(path, {"sort": "email"})) == BY_EMAIL
    assert _names(alice_client.get(path, {"sort": "-email"})) == BY_EMAIL[::-1]
    # The same order within a search's matches (they all are Rays).
    assert _names(alice_client.get(path, {"sort": "email", "q": "ray"})) == BY_EMAIL
    assert _names(alice_client.get(path, {"sort": "-email", "q": "r"})) == BY_EMAIL[::-1]


def test_the_email_sort_ignores_case_on_every_page_from_either_end(alice_client, demo_clinic):
    # 60 people, addresses alternating upper and lower case: pages past the middle are read
    # from the end of the order (recipients.search.WholeList).
    for n in range(60):
        local = f"p{n:02}" if n % 2 else f"P{n:02}"
        _person(demo_clinic, f"N{n:02}", f"{local}@x.org", n)
    shown = []
    for page in (1, 2, 3):
        response = alice_client.get("/recipients/", {"sort": "email", "page": page})
        shown += _names(response)
    assert shown == [f"N{n:02}" for n in range(60)]
