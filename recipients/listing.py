"""The Loaded Recipients list: search, sort and paging, shared by the Bulk Registration and
Recipients tabs. Everything it needs comes from the URL, so back/forward and bookmarks work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

from providers.models import Location

from .counts import active_recipients
from .models import Recipient
from .names import search_key, searched_address
from .placeholders import placeholder_email_q
from .search import (
    SHOWN,
    AddressSearch,
    CountedMatches,
    FewMatches,
    ManyMatches,
    Search,
    WholeList,
    planned,
)

PAGE_SIZE = 25

# Column -> the indexed fields it sorts by; "id" last keeps every order total and stable.
# The Email column ignores case: it sorts by the email in lower case (Recipient.email_folded).
SORTS: dict[str, tuple[str, ...]] = {
    "first_name": ("name_first_last", "id"),
    "last_name": ("name_last_first", "id"),
    "date_of_birth": ("date_of_birth", "id"),
    "email": ("email_folded", "id"),
}
COLUMNS = [
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("date_of_birth", "Date of Birth"),
    ("email", "Email"),
]
DEFAULT_SORT = "last_name"
PLACEHOLDERS_ONLY = "none"  # ?email=none: only the recipients with no real email address
MAX_QUERY_LENGTH = 100
# How a search's matches are found, by how many they are: settings.SEARCH_FEW_MATCHES and
# SEARCH_COUNTED_MATCHES (cvms/settings.py). A sampled estimate below half of the few may
# well be few (the sample is a few hundred pages): the matches are looked up to know.


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str  # the `sort` value a click on this header asks for
    direction: str | None  # "ascending"/"descending" when the list is sorted by it


@dataclass(frozen=True)
class Listing:
    page: Page
    query: str
    sort: str
    columns: list[Column]
    estimated: bool = False  # the count is "about": too many matches to count for the page
    welcome_bounced: bool = False  # only those whose welcome email bounced or was marked spam
    placeholders_only: bool = False  # only recipients with a placeholder address (?email=none)


class _Paginator(Paginator):
    """A paginator that can be told the count it would otherwise query for."""

    def __init__(self, object_list, per_page: int, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property


def _parse_sort(value: str) -> tuple[str, bool]:
    descending = value.startswith("-")
    key = value.removeprefix("-")
    if key not in SORTS:
        return DEFAULT_SORT, False
    return key, descending


def _printable(text: str) -> str:
    """The query without control characters: a NUL (`?q=%00`) is refused by PostgreSQL, and
    no name holds one."""
    return "".join(char if char.isprintable() else " " for char in text)


def loaded_recipients(location: Location, params: QueryDict) -> Listing:
    """One page of a location's active recipients, searched and sorted as `params` ask."""
    query = " ".join(_printable(params.get("q", "")).split())[:MAX_QUERY_LENGTH]
    sort_key, descending = _parse_sort(params.get("sort", ""))
    order = [f"-{field}" if descending else field for field in SORTS[sort_key]]

    recipients = Recipient.objects.active().filter(location=location)
    # "Welcome email bounced": a few rows, found through their own partial index.
    welcome_bounced = params.get("welcome") == "bounced"
    if welcome_bounced:
        recipients = recipients.filter(welcome_problem_email__isnull=False)
    estimated = False
    placeholders_only = params.get("email") == PLACEHOLDERS_ONLY
    if placeholders_only:
        rows, count = _with_placeholder_emails(recipients, query, order)
    elif not query:
        count = recipients.count() if welcome_bounced else active_recipients(location)
        rows: Sequence[Recipient] | QuerySet[Recipient] = recipients.order_by(*order)
        if planned() and not welcome_bounced:
            rows = WholeList(location, order, count)
    elif planned() and not welcome_bounced:
        rows, count, estimated = _search_postgresql(location, query, order, params.get("page"))
    else:
        rows, count = _search(recipients.search(query), order)

    page = _Paginator(rows, PAGE_SIZE, count=count).get_page(params.get("page"))
    columns = []
    for key, label in COLUMNS:
        active = key == sort_key
        direction = None
        if active:
            direction = "descending" if descending else "ascending"
        columns.append(
            Column(key, label, f"-{key}" if active and not descending else key, direction)
        )
    current_sort = f"-{sort_key}" if descending else sort_key
    return Listing(
        page=page,
        query=query,
        sort=current_sort,
        columns=columns,
        estimated=estimated,
        welcome_bounced=welcome_bounced,
        placeholders_only=placeholders_only,
    )


def _with_placeholder_emails(
    recipients: QuerySet[Recipient], query: str, order: list[str]
) -> tuple[QuerySet[Recipient], int]:
    """The recipients whose address is a placeholder (recipients.placeholders), searched as
    asked. No index finds them by their address's pattern: the location's rows are read, which
    a filter a manager asks for now and then can afford, and they are few, so counted exactly."""
    matches = recipients.filter(placeholder_email_q())
    if query:
        matches = matches.search(query)
    return _shown(matches.order_by(*order)), matches.count()


def _shown(recipients: QuerySet[Recipient]) -> QuerySet[Recipient]:
    return recipients.only(*SHOWN)


def _search(
    matches: QuerySet[Recipient], order: list[str]
) -> tuple[QuerySet[Recipient], int | None]:
    """SQLite: few matches are sorted from their ids; many, by walking the sort index."""
    few = settings.SEARCH_FEW_MATCHES
    ids = list(matches.order_by().values_list("id", flat=True)[: few + 1])
    if len(ids) <= few:
        return _shown(Recipient.objects.filter(pk__in=ids).order_by(*order)), len(ids)
    return _shown(matches.order_by(*order)), None


def _page_number(value: str | None) -> int:
    """The page asked for, as the paginator reads it (anything else: the first)."""
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


def _search_postgresql(
    location: Location, query: str, order: list[str], page: str | None
) -> tuple[Sequence[Recipient] | QuerySet[Recipient], int, bool]:
    """The matches of a search: (rows to page, count, whether the count is estimated).

    Every statement is planned the same whatever the planner's statistics say
    (recipients/search.py). A sample of the table says first whether the matches are many.
    Few (at most SEARCH_FEW_MATCHES) are counted exactly and sorted from their ids, found through
    the trigram index. Up to SEARCH_COUNTED_MATCHES, the page and the exact count come from one pass
    (CountedMatches). Very many are counted from the sample ("about") and fetched page by page
    (ManyMatches). Every word is found through the trigram index: a word under three letters
    matches the start of a word of the name (recipients.names.SHORT_WORD), which the index
    finds, where one or two letters anywhere in a name would have to be looked for in every
    name of the location (a second and more for a rare one at a million recipients).
    """
    address = searched_address(query)
    if address:  # few, almost always: a placeholder address may have thousands
        by_address = AddressSearch(location, address)
        counted = CountedMatches(by_address, order, PAGE_SIZE, _page_number(page))
        return counted, counted.count, False
    search = Search(location, search_key(query).split())
    count, exact = search.estimated_count()
    few = settings.SEARCH_FEW_MATCHES
    if count <= (few if exact else few // 2):
        ids = search.matching_ids(limit=few + 1)
        if len(ids) <= few:
            return FewMatches(ids, order), len(ids), False
        count = max(count, few + 1)
    if count <= settings.SEARCH_COUNTED_MATCHES:
        counted = CountedMatches(search, order, PAGE_SIZE, _page_number(page))
        return counted, counted.count, False
    return ManyMatches(search, order, count, PAGE_SIZE), count, not exact
