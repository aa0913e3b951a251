"""The Loaded Recipients list: search, sort and paging, shared by the Bulk Registration and
Recipients tabs. Everything it needs comes from the URL, so back/forward and bookmarks work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import QueryDict

from providers.models import Location

from .models import Recipient

PAGE_SIZE = 25

# Column -> the indexed fields it sorts by; "id" last keeps every order total and stable.
SORTS: dict[str, tuple[str, ...]] = {
    "first_name": ("name_first_last", "id"),
    "last_name": ("name_last_first", "id"),
    "date_of_birth": ("date_of_birth", "id"),
    "email": ("email", "id"),
}
COLUMNS = [
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("date_of_birth", "Date of Birth"),
    ("email", "Email"),
]
DEFAULT_SORT = "last_name"
MAX_QUERY_LENGTH = 100
# A search with at most this many matches is paged from the list of its matches' ids.
FEW_MATCHES = 5000


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

    recipients = Recipient.objects.active().filter(location=location)
    count = None
    if query:
        recipients = recipients.search(query)
        ids = list(recipients.order_by().values_list("id", flat=True)[: FEW_MATCHES + 1])
        if len(ids) <= FEW_MATCHES:
            # Few matches: sort just those. Walking a sort index and filtering instead reads
            # most of the location when the matches sit at one end of the order ("smith"
            # sorted by Last Name), which the database's planner cannot foresee.
            recipients = Recipient.objects.filter(pk__in=ids)
            count = len(ids)
    order = [f"-{field}" if descending else field for field in SORTS[sort_key]]
    recipients = recipients.order_by(*order).only(
        "id", "first_name", "last_name", "date_of_birth", "email", "created_at", "location_id"
    )

    page = _Paginator(recipients, PAGE_SIZE, count=count).get_page(params.get("page"))
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
    return Listing(page=page, query=query, sort=current_sort, columns=columns)
