"""A location's count kept by the database, and searches that page the same whichever way the
matches are found (recipients/counts.py, recipients/search.py)."""

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recipients.counts import active_recipients
from recipients.listing import SORTS
from recipients.models import Recipient, RecipientCount
from recipients.removal import remove_recipient
from recipients.tasks import fold_recipient_counts
from tests.helpers import make_recipient

# What the statements of the two ways to page many matches say (recipients/search.py): the
# matches sorted and counted in one pass; the location's rows walked in the sort order.
COUNTED_IN_ONE_PASS = "COUNT(*) OVER ()"
WALKED = ") AS walk WHERE"

SEARCH_INDEX = "recipient_search_loc_trgm"  # recipients 0003
on_postgresql = pytest.mark.postgresql("the triggers and the planned search are PostgreSQL's")


def _day(n):
    return dt.date(1950, 1, 1) + dt.timedelta(days=n)


def _address(n):
    return f"p{n}@example.org"


def _people(location, count, born=_day, email=_address, **fields):
    """`count` people, the n-th born on `born(n)`, with the address `email(n)`."""
    people = [
        Recipient(
            location=location,
            first_name=fields.get("first_name", f"Ann{n:03}"),
            last_name=fields.get("last_name", "Ray"),
            date_of_birth=born(n),
            email=email(n),
        )
        for n in range(count)
    ]
    for person in people:
        person.fill_keys()
    return Recipient.objects.bulk_create(people)


def test_the_count_follows_every_change_of_active_recipients(demo_clinic, other_clinic, alice):
    people = _people(demo_clinic, 40)
    make_recipient(other_clinic)
    assert active_recipients(demo_clinic) == 40
    remove_recipient(people[0], by=alice, reason="moved away")
    assert active_recipients(demo_clinic) == 39
    Recipient.objects.filter(pk=people[1].pk).update(location=other_clinic)  # a console's move
    Recipient.objects.filter(pk=people[2].pk).delete()
    assert (active_recipients(demo_clinic), active_recipients(other_clinic)) == (37, 2)
    Recipient.objects.filter(pk=people[0].pk).update(removed_at=None)  # removal undone
    assert active_recipients(demo_clinic) == 38


@on_postgresql
def test_the_database_keeps_the_count_in_rows_that_folding_sums(demo_clinic, alice):
    people = _people(demo_clinic, 30)
    remove_recipient(people[0], by=alice, reason="duplicate")
    _people(demo_clinic, 5, first_name="Bo")
    rows = RecipientCount.objects.filter(location=demo_clinic).count()
    assert rows == 3  # one per statement: two inserts, one removal
    fold_recipient_counts()  # as beat runs it hourly
    assert list(RecipientCount.objects.values_list("delta", flat=True)) == [34]
    assert active_recipients(demo_clinic) == 34


def _page(client, **params):
    response = client.get("/recipients/", params)
    listing = response.context["listing"]
    return [r.pk for r in listing.page.object_list], listing, response.content.decode()


def _expected(location, query, order, page):
    matches = Recipient.objects.active().filter(location=location).search(query)
    ids = list(matches.order_by(*order).values_list("pk", flat=True))
    return ids[(page - 1) * 25 : page * 25], len(ids)


@on_postgresql
@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("last_name", ["name_last_first", "id"]),
        ("-first_name", ["-name_first_last", "-id"]),
        ("email", ["email", "id"]),
        ("-date_of_birth", ["-date_of_birth", "-id"]),
    ],
)
@pytest.mark.parametrize(
    "way",
    [
        "few",
        "counted",
        "walk",
        "sorted through the trigram index",
        "sorted without a walk",
        "short",
    ],
)
def test_a_search_pages_the_same_whichever_way_its_matches_are_found(
    alice_client, demo_clinic, settings, sort, order, way
):
    _people(demo_clinic, 60)  # "ann" matches these 60
    _people(demo_clinic, 40, first_name="Bob", last_name="Annan")  # and these, last by name
    _people(demo_clinic, 30, first_name="Cy", last_name="Stone")
    query = "an" if way == "short" else "ann"
    if way != "few":
        settings.SEARCH_FEW_MATCHES = 10
    if way != "counted":
        settings.SEARCH_COUNTED_MATCHES = 10
    if way == "sorted through the trigram index":
        settings.SEARCH_WALK_MIN = settings.SEARCH_WALK_MAX = 1
    if way == "sorted without a walk":
        # A walk as long as this would read more rows (120 of 130) than there are matches
        # (100): sorting them costs less, and is final.
        settings.SEARCH_WALK_MIN = settings.SEARCH_WALK_MAX = 120
    with CaptureQueriesContext(connection) as statements:
        pages = [(page, _page(alice_client, q=query, sort=sort, page=page)) for page in (1, 2, 4)]
    ran = "\n".join(statement["sql"] for statement in statements)
    # Which way the matches were found, told by the statements that ran.
    assert (COUNTED_IN_ONE_PASS in ran) == (way == "counted"), way
    if way in ("walk", "sorted without a walk"):
        assert (WALKED in ran) == (way == "walk"), way
    for page, (shown, _, _) in pages:
        expected, count = _expected(demo_clinic, query, order, page)
        assert shown == expected, (way, sort, page)
    listing = pages[-1][1][1]  # the last page's
    assert count == 100
    assert listing.page.paginator.count == 100  # a small table is sampled whole: exact
    shown, listing, _ = _page(alice_client, q=query, sort=sort, page=99)  # past the last
    assert (listing.page.number, listing.page.paginator.count) == (4, 100)
    assert shown == _expected(demo_clinic, query, order, 4)[0]


@on_postgresql
def test_a_count_from_a_sample_of_a_large_table_says_about(alice_client, demo_clinic, settings):
    _people(demo_clinic, 300)
    settings.SEARCH_FEW_MATCHES = settings.SEARCH_COUNTED_MATCHES = 10
    settings.SEARCH_SAMPLE_PAGES = 1  # the table has more pages
    shown, listing, text = _page(alice_client, q="ann")
    assert listing.estimated
    assert f"Total number of records: about {listing.page.paginator.count}" in text
    assert shown == _expected(demo_clinic, "ann", ["name_last_first", "id"], 1)[0]


@on_postgresql
@pytest.mark.parametrize("query", ["zz", "q x", "zzzz"])
def test_a_rare_search_of_a_large_table_finds_its_matches_through_the_index(
    alice_client, demo_clinic, settings, query
):
    _people(demo_clinic, 300)
    _people(demo_clinic, 2, first_name="Zz", last_name="Qx")
    _people(demo_clinic, 1, first_name="Quinn", last_name="Xu zzzz")
    settings.SEARCH_SAMPLE_PAGES = 1  # the sample may hold none
    with CaptureQueriesContext(connection) as statements:
        shown, listing, text = _page(alice_client, q=query)
    assert not any(WALKED in statement["sql"] for statement in statements), "walked the location"
    expected, count = _expected(demo_clinic, query, ["name_last_first", "id"], 1)
    assert shown == expected and count > 0
    assert not listing.estimated and f"Total number of records: {count}" in text


@on_postgresql
@pytest.mark.parametrize("query", ["smith", "j s"])
def test_a_search_reads_only_its_own_locations_matches_from_the_index(
    alice_client, demo_clinic, other_clinic, query
):
    _people(demo_clinic, 20, first_name="John", last_name="Smith")
    _people(other_clinic, 200, first_name="Joan", last_name="Smith")
    with CaptureQueriesContext(connection) as statements:
        shown, _, _ = _page(alice_client, q=query)
    assert shown == _expected(demo_clinic, query, ["name_last_first", "id"], 1)[0]
    # The statements that find matches through the trigram index (a sample's count reads none).
    searches = [s["sql"] for s in statements if "location_id + 0" in s["sql"]]
    assert searches
    with transaction.atomic(), connection.cursor() as cursor:
        # Nothing but that index, the way into these statements at any real size (a table of
        # 220 rows is read as well through any index): what it hands over is what it holds.
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass "
            "AND indexrelid != %s::regclass "
            "AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = indexrelid)",
            [Recipient._meta.db_table, SEARCH_INDEX],
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {index}")  # rolled back below
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in searches:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            (plan,) = cursor.fetchone()[0]
            read = [node["Actual Rows"] for node in _nodes(plan["Plan"]) if "Index Name" in node]
            # This location's 20 namesakes, never the other location's 200 as well.
            assert read == [20], json.dumps(plan)
        transaction.set_rollback(True)


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.parametrize("sort", ["last_name", "-first_name", "email", "-date_of_birth"])
def test_a_common_surname_pages_its_namesakes_in_order_ties_by_id(alice_client, demo_clinic, sort):
    # 40 people with one name (ties on both name orders), and others who share the surname.
    _people(demo_clinic, 40, first_name="John", last_name="Smith")
    _people(demo_clinic, 15, first_name="Ann", last_name="Goldsmith")
    _people(demo_clinic, 20, first_name="Jo", last_name="Ray")
    order = {"last_name": ["name_last_first", "id"], "-first_name": ["-name_first_last", "-id"]}
    order |= {"email": ["email", "id"], "-date_of_birth": ["-date_of_birth", "-id"]}
    for query in ("smith", "j s", "SMITH john"):
        pages = 0
        while (expected := _expected(demo_clinic, query, order[sort], pages + 1))[0]:
            pages += 1
            shown, listing, _ = _page(alice_client, q=query, sort=sort, page=pages)
            count = expected[1]
            assert shown == expected[0], (query, sort, pages)
            assert listing.page.paginator.count == count
        assert pages == -(-count // 25) > 1
    assert count == 40  # "SMITH john": the Johns Smith, not Ann Goldsmith


def test_a_search_shows_each_recipients_own_columns(alice_client, demo_clinic):
    person = make_recipient(
        demo_clinic,
        first_name="Zoë",
        last_name="O'Brien",
        date_of_birth=dt.date(1955, 12, 2),
        email="zoe@example.com",
    )
    response = alice_client.get("/recipients/", {"q": "z o"})
    (shown,) = response.context["listing"].page.object_list
    assert (shown.pk, shown.first_name, shown.last_name) == (person.pk, "Zoë", "O'Brien")
    assert (shown.date_of_birth, shown.email) == (dt.date(1955, 12, 2), "zoe@example.com")
    assert shown.created_at == person.created_at
    text = response.content.decode()
    assert "Dec 2, 1955" in text and "zoe@example.com" in text
    assert timezone.localtime(person.created_at).strftime("%b %-d, %Y") in text


@pytest.mark.parametrize("sort", ["date_of_birth", "-date_of_birth", "email", "-email"])
def test_pages_sorted_by_a_value_thousands_share_hold_its_rows_in_order(
    alice_client, demo_clinic, sort
):
    # Dates and addresses many recipients share are indexed without the id
    # (recipients.search._grouped_page): a page inside a run of 4,100 rows sharing both, far
    # enough in that the run began before what is read with the page, from either end.
    _people(demo_clinic, 50, lambda n: dt.date(1940, 1, 1 + n % 3), lambda n: f"a{n % 4}@x.org")
    _people(demo_clinic, 4100, lambda n: dt.date(1960, 6, 15), lambda n: "Front.Desk@x.org")
    _people(demo_clinic, 70, lambda n: dt.date(1980, 1, 1 + n % 3), lambda n: f"z{n % 4}@x.org")
    descending = sort.startswith("-")
    order = [f"-{field}" if descending else field for field in SORTS[sort.lstrip("-")]]
    every = list(
        Recipient.objects.filter(location=demo_clinic).order_by(*order).values_list("pk", flat=True)
    )
    for page in (1, 2, 3, 4, 84, 85, 86, 87, 166, 167, 169):  # 4,220 rows: 169 pages
        shown, listing, _ = _page(alice_client, sort=sort, page=page)
        assert shown == every[(page - 1) * 25 : page * 25], (sort, page)
        assert listing.page.paginator.count == 4220


@pytest.mark.parametrize(
    "sort", ["last_name", "-last_name", "first_name", "-email", "date_of_birth"]
)
def test_every_page_of_the_whole_list_holds_its_rows_in_order_from_either_end(
    alice_client, demo_clinic, sort
):
    # Ties on every column but the id: pages past the middle are counted from the end.
    _people(demo_clinic, 60, first_name="John", last_name="Smith")
    _people(demo_clinic, 43, first_name="Ann", last_name="Ray")
    order = {
        "last_name": ["name_last_first", "id"],
        "-last_name": ["-name_last_first", "-id"],
        "first_name": ["name_first_last", "id"],
        "-email": ["-email", "-id"],
        "date_of_birth": ["date_of_birth", "id"],
    }[sort]
    every = list(
        Recipient.objects.filter(location=demo_clinic).order_by(*order).values_list("pk", flat=True)
    )
    for page in range(1, 6):  # 103 people: the last page holds 3
        shown, listing, _ = _page(alice_client, sort=sort, page=page)
        assert shown == every[(page - 1) * 25 : page * 25], (sort, page)
        assert listing.page.paginator.count == 103
