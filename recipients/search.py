"""Searching a location's recipients on PostgreSQL, planned the same whatever the statistics.

"Search this list" matches recipients whose name contains every word typed, a word under three
letters at the start of a word of the name (RecipientQuerySet.search). Left to the planner,
the same query is a trigram-index look-up with fresh statistics and a walk through a million
recipients with statistics left from an empty table (these machines run without autovacuum).
The statements here leave it no such choice:

- `matching_ids`: the trigram index only (a bitmap scan, with other scans switched off for the
  statement's transaction and the location tested as `location_id + 0`, the form the trigram
  index holds it in and no B-tree does: recipients 0003), so its cost follows the location's
  matches, never the location's size nor the other locations' matches;
- `estimated_count`: the matches in a sample of the table's pages (TABLESAMPLE SYSTEM), scaled
  up: "about 37,900" for a common name, in a few milliseconds instead of counting them all;
- `walk`: the first rows of the list's own sort index, filtered as they come (index-only for
  the name columns: both name columns hold the same words; then the rows of the names that
  match), with a bound on how far it walks;
  what a common name needs when its matches are spread through the order;
- `sorted_page`: the matches through the trigram index, sorted; what a common name needs when
  its matches sit together at one end of the order ("smith" by Last Name);
- `counted_page`: the same, with the exact count from the same pass (CountedMatches): a
  common surname, read once instead of three times;
- a short word is one regular expression (`_word_start`), so the trigram index takes every
  word of a search in one scan;
- `planned`: whether the list is served by the statements here (PostgreSQL); on SQLite (small
  deployments) the listing takes the ORM's way, RecipientQuerySet.search;
- `WholeList`: the unfiltered list's page: its sort values from the sort's own index alone,
  then the rows of those values from the table (`_grouped_page`: the sort indexes hold no id,
  recipients.models._active_sort_index);
- `shown_rows`: a page's rows from their ids, through the primary key only. Left to the
  planner with statistics from an empty table, the same statement read all 400,000 rows of
  the table (a sequential scan: 47 ms for 3,000 ids) or walked a sort index filtering ids;
  by the primary key it reads the pages of those ids alone, whatever the statistics say.
Measured at a million recipients at one location in `make bench` (bench/scale.py) and, with
realistic names and shared addresses, in `make bench-state` (bench/state.py).

What none of this buys: a match is still read from the table once per page asked for (the
trigram index holds no other columns), so a word's cost follows its matches at the location:
the largest of 3,000 locations at 10 million recipients has 12,584 of the state's 88,208
"smith" (see bench/README.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction

from providers.models import Location

from .counts import active_recipients
from .models import Recipient
from .names import SHORT_WORD, WORD_STARTS

# What a list shows of each recipient (recipients/_loaded_table.html).
SHOWN = (
    "id",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "created_at",
    "location_id",
    "welcome_problem",
)

TABLE = Recipient._meta.db_table
# For the statements here, memory enough that the bitmap of a common name's matches stays
# exact: with the server's default 4MB, "smith" at 10 million recipients made 11,600 of its
# 24,100 heap pages lossy, each read whole and every row of it tested again (412,738 rows);
# and no JIT compilation, which the planner's cost estimate for such a scan turns on and
# which spent 43 ms of a 560 ms search compiling (bench/README.md, issue 27). Per statement,
# in its own transaction: nothing else of the connection changes.
STATEMENT_WORK_MEM = "32MB"
# How many pages of the table an estimated count reads, and how many rows of the sort order a
# walk may read: settings.SEARCH_SAMPLE_PAGES, SEARCH_WALK_MIN and SEARCH_WALK_MAX.

# The sort indexes hold no id (recipients.models._active_sort_index): a page of the whole list
# is read by _grouped_page, with up to GROUP_LOOK_BACK of the index's entries before it (a few
# hundred microseconds' reading; more than a value's rows at any location, except an address
# typed for thousands).
GROUP_LOOK_BACK = 2000
# A location's active recipients, the location as the statement's first parameter.
_ACTIVE_AT = "location_id = %s AND removed_at IS NULL"
# A sort index's entries in its order, from the index alone (the planner's other ways off).
_INDEX_ONLY = ("seqscan", "bitmapscan", "sort")

# A walk filters on the name column the sort index holds, or on name_first_last for the other
# sorts (the two name columns hold the same words, so either finds the same rows).
_NAME_COLUMNS = ("name_last_first", "name_first_last")


def planned() -> bool:
    """Whether Loaded Recipients is searched and paged by the statements here (PostgreSQL)."""
    return connection.vendor == "postgresql"


def _contains(word: str) -> str:
    """A word anywhere in the name, as a LIKE pattern (RecipientQuerySet.search)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _word_start(word: str) -> str:
    """A short word as one regular expression: at the start of the name or of a word of it
    (RecipientQuerySet.search: the name starting with it, or containing it after a space or
    a hyphen). One condition per word, so the trigram
    index takes every word of a search in one scan and reads only the rows that have them all:
    "j s" at a million recipients read the 65,000 rows with a word in j (193 ms) and kept 3,400;
    as two conditions the index hands over the 3,800 with both (42 ms)."""
    literal = "".join(char if char.isalnum() else f"\\{char}" for char in word)
    starts = "".join(f"\\{before}" for before in WORD_STARTS)
    return f"(^|[{starts}]){literal}"


class Search:
    """The words of one search at one location (search keys: case- and accent-folded)."""

    def __init__(self, location: Location, words: Sequence[str]) -> None:
        self.location = location
        self.location_id = location.pk
        # (operator, pattern) per word: one condition each (_word_start says why).
        self.words = [
            ("LIKE", _contains(word)) if len(word) >= SHORT_WORD else ("~", _word_start(word))
            for word in words
        ]
        self.patterns = [pattern for _, pattern in self.words]

    def _matches(self, column: str) -> str:
        """Every word in `column`; the patterns (self.patterns) as its parameters."""
        return " AND ".join(f"{column} {operator} %s" for operator, _ in self.words)

    def _where(self, name_column: str = "name_first_last", location: str = "location_id") -> str:
        # bigint, as the column: the trigram index's B-tree part (btree_gin) takes no other.
        return f"{location} = %s::bigint AND removed_at IS NULL AND {self._matches(name_column)}"

    def _params(self) -> list[object]:
        return [self.location_id, *self.patterns]

    def _by_trigrams(self, sql: str, params: list[object]) -> list[tuple]:
        """Run `sql` with the trigram index as its only way in (see the module's docstring)."""
        return _bitmap_only(sql, params)

    def matching_ids(self, limit: int) -> list[int]:
        # "location_id + 0": the trigram index's own form of the location (recipients 0003).
        sql = f"SELECT id FROM {TABLE} WHERE {self._where(location='location_id + 0')} LIMIT %s"  # noqa: S608
        return [row[0] for row in self._by_trigrams(sql, [*self._params(), limit])]

    def estimated_count(self) -> tuple[int, bool]:
        """(the count, whether it is exact: a small table is read whole)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_size(%s) / current_setting('block_size')::int", [TABLE]
            )
            (pages,) = cursor.fetchone()
            percent = min(100.0, 100.0 * settings.SEARCH_SAMPLE_PAGES / max(pages, 1))
            # REPEATABLE: the same sample each time, so paging does not change the count.
            sample = f"{TABLE} TABLESAMPLE SYSTEM (%s) REPEATABLE (2021)"
            cursor.execute(
                f"SELECT COUNT(*) FROM {sample} WHERE {self._where()}",  # noqa: S608
                [percent, *self._params()],
            )
            (hits,) = cursor.fetchone()
        if percent >= 100.0:
            return hits, True
        return _about(hits * 100.0 / percent), False

    def walk(self, order: list[str], window: slice, budget: int | None) -> list[int]:
        """The ids of the window's matches among the first `budget` rows of the sort order
        (`order` as the list's ORM order: fields, "-" for descending): fewer than the window
        holds if the walk ended first (the rest may be later). With no budget the walk reads
        the whole order (LIMIT NULL) and its answer is final."""
        fields = [field.lstrip("-") for field in order]
        if fields[0] in _NAME_COLUMNS:
            return self._walk_names(order, window, budget)
        name = "name_first_last"
        columns = ", ".join(dict.fromkeys([*fields, name]))
        sql = (
            f"SELECT id FROM (SELECT {columns} FROM {TABLE} "  # noqa: S608
            f"WHERE location_id = %s AND removed_at IS NULL ORDER BY {_order(order)} LIMIT %s) "
            f"AS walk WHERE {self._matches(f'walk.{name}')} "
            f"ORDER BY {_order(order)} LIMIT %s OFFSET %s"
        )
        wanted = window.stop - window.start
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.location_id, budget, *self.patterns, wanted, window.start])
            return [row[0] for row in cursor.fetchall()]

    def _walk_names(self, order: list[str], window: slice, budget: int | None) -> list[int]:
        """walk() sorted by a name column: the names that match among the first `budget` of
        its index (index-only: the index holds the names, one entry per row), then the
        window's rows of those names from the table (_rows_of)."""
        column = order[0].lstrip("-")
        sort = _order(order[:1])
        sql = (
            f"SELECT {column} FROM (SELECT {column} FROM {TABLE} "  # noqa: S608
            f"WHERE {_ACTIVE_AT} ORDER BY {sort} LIMIT %s) "
            f"AS walk WHERE {self._matches(f'walk.{column}')} ORDER BY {sort} LIMIT %s"
        )
        params = [self.location_id, budget, *self.patterns, window.stop]
        names = [row[0] for row in _with_scans_off(_INDEX_ONLY, sql, params)]
        page = names[window.start :]
        if not page:
            return []
        skip = _run_before(names[: window.start], page[0])
        matching = (f"AND {self._matches(column)}", self.patterns)
        return [row.pk for row in _rows_of(self.location_id, order, page, skip, matching)]

    def counted_page(self, order: list[str], window: slice) -> tuple[list[int], int]:
        """The window's ids among the matches sorted, and how many match: one pass through
        the trigram index (its matches read once, counted as they are sorted)."""
        sql = (
            f"SELECT id, COUNT(*) OVER () FROM {TABLE} "  # noqa: S608
            f"WHERE {self._where(location='location_id + 0')} "
            f"ORDER BY {_order(order)} LIMIT %s OFFSET %s"
        )
        params = [*self._params(), window.stop - window.start, window.start]
        rows = self._by_trigrams(sql, params)
        return [row[0] for row in rows], (rows[0][1] if rows else 0)

    def sorted_page(self, order: list[str], window: slice) -> list[int]:
        sql = (
            f"SELECT id FROM {TABLE} WHERE {self._where(location='location_id + 0')} "  # noqa: S608
            f"ORDER BY {_order(order)} LIMIT %s OFFSET %s"
        )
        params = [*self._params(), window.stop - window.start, window.start]
        return [row[0] for row in self._by_trigrams(sql, params)]


class AddressSearch:
    """The recipients of one location with one email address, whatever its case: the entries
    of the Email column's index (location, email_folded, id) for it, however many share it
    (a placeholder address such as noemail@none.com: thousands at a large location)."""

    def __init__(self, location: Location, address: str) -> None:
        self.location_id, self.address = location.pk, address

    def counted_page(self, order: list[str], window: slice) -> tuple[list[int], int]:
        """The window's ids among the matches sorted, and how many match, in one pass."""
        sql = (
            f"SELECT id, COUNT(*) OVER () FROM {TABLE} "  # noqa: S608
            "WHERE location_id = %s AND removed_at IS NULL AND email_folded = lower(%s) "
            f"ORDER BY {_order(order)} LIMIT %s OFFSET %s"
        )
        params = [self.location_id, self.address, window.stop - window.start, window.start]
        rows = _bitmap_only(sql, params)
        return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _bitmap_only(sql: str, params: Sequence[object]) -> list[tuple]:
    """Run `sql` with bitmap scans as the only way in: an index matching its conditions (the
    trigram index, the primary key), never a walk of the table or of a sort index."""
    return _with_scans_off(("seqscan", "indexscan", "indexonlyscan"), sql, params)


def _with_scans_off(scans: Sequence[str], sql: str, params: Sequence[object]) -> list[tuple]:
    """Run `sql` in a transaction of its own with the planner's `scans` switched off, no JIT
    and STATEMENT_WORK_MEM (see there)."""
    switches = ", ".join(
        [
            *(f"set_config('enable_{scan}', 'off', true)" for scan in scans),
            "set_config('jit', 'off', true)",
            f"set_config('work_mem', '{STATEMENT_WORK_MEM}', true)",
        ]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {switches}")
        cursor.execute(sql, params)
        return cursor.fetchall()


def shown_rows(ids: Sequence[int], order: list[str], window: slice | None = None) -> list:
    """The recipients of `ids` in the list's order (the window of them: all if None), with
    what the list shows, looked up through the primary key alone (see the module's
    docstring)."""
    limit = "" if window is None else " LIMIT %s OFFSET %s"
    sql = (
        f"SELECT {', '.join(SHOWN)} FROM {TABLE} WHERE id = ANY(%s) "  # noqa: S608
        f"ORDER BY {_order(order)}{limit}"
    )
    params: list[object] = [list(ids)]
    if window is not None:
        params += [window.stop - window.start, window.start]
    return _shown(sql, params)


def _shown(sql: str, params: Sequence[object]) -> list[Recipient]:
    """The recipients `sql` selects (the SHOWN columns), read by bitmap scans (_bitmap_only)."""
    return [Recipient(**dict(zip(SHOWN, row, strict=True))) for row in _bitmap_only(sql, params)]


class WholeList:
    """A location's active recipients (no search) as the paginator pages them, PostgreSQL.

    A page's sort values come from the sort's own index alone (an index-only scan: with the
    visibility map set, as autovacuum sets it, skipping 100,000 rows for page 4,000 reads
    index pages only), then the page's rows among the rows of those values, from the table,
    instead of every skipped row read whole from the table (_grouped_page). A page past the
    middle is counted from the other end, walking the index backwards. Scans other than the
    index are switched off for the statement: with statistics from an empty table the planner
    would sort the location.
    What it guarantees: the same rows, in the same order, as OFFSET over the whole order.
    """

    def __init__(self, location: Location, order: list[str], count: int) -> None:
        self.location_id, self.order, self.count = location.pk, order, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, window: slice) -> list[Recipient]:
        size = window.stop - window.start
        if window.start <= self.count // 2:
            return _grouped_page(self.location_id, self.order, window.start, size)
        offset = max(self.count - window.stop, 0)
        size = min(size, self.count - window.start)
        backwards = [field[1:] if field.startswith("-") else f"-{field}" for field in self.order]
        return _grouped_page(self.location_id, backwards, offset, size)[::-1]


def _grouped_page(location_id: int, order: list[str], offset: int, size: int) -> list[Recipient]:
    """The rows at `offset` .. `offset + size` of a location's active recipients in `order` (a
    sort's column, then id; either direction), as OFFSET over the whole order:
    1. the column's values at those places, from its index alone (an index-only scan), with
       up to GROUP_LOOK_BACK places before them: how many rows of the page's first value come
       before the page (counted in the index if its rows began further back);
    2. the rows of those values from the table, sorted by the whole order (_rows_of).
    """
    column, descending = order[0].lstrip("-"), order[0].startswith("-")
    back = min(offset, GROUP_LOOK_BACK)
    sql = (
        f"SELECT {column} FROM {TABLE} WHERE {_ACTIVE_AT} "  # noqa: S608
        f"ORDER BY {_order(order[:1])} LIMIT %s OFFSET %s"
    )
    rows = _with_scans_off(_INDEX_ONLY, sql, [location_id, back + max(size, 0), offset - back])
    earlier, page = [row[0] for row in rows[:back]], [row[0] for row in rows[back:]]
    if not page:
        return []
    skip = _run_before(earlier, page[0])
    if skip == back < offset:  # the first value's rows began before what was read
        sql = (
            f"SELECT COUNT(*) FROM {TABLE} WHERE {_ACTIVE_AT} "  # noqa: S608
            f"AND {column} {'>' if descending else '<'} %s"
        )
        ((before,),) = _with_scans_off(_INDEX_ONLY, sql, [location_id, page[0]])
        skip = offset - before
    return _rows_of(location_id, order, page, skip)


def _run_before(earlier: Sequence, first: object) -> int:
    """How many of `earlier`'s last values are `first` (all of them, if all are)."""
    return next((n for n, value in enumerate(reversed(earlier)) if value != first), len(earlier))


def _rows_of(
    location_id: int,
    order: list[str],
    values: Sequence,
    skip: int,
    matching: tuple[str, Sequence] = ("", ()),
) -> list[Recipient]:
    """The rows whose sort values are `values` (one per row, in `order`), `skip` rows of the
    first value coming before them, with what the list shows (SHOWN): the rows of the values
    from the first to the last, `matching` a further condition on them (SQL, its parameters),
    read from the table (a bitmap scan of the sort's index for that range) and sorted by the
    whole order. A value's rows are all read for a page that shows some of them: a few dozen
    for a date of birth or a name, or for an address, thousands for one a clinic typed for
    everyone."""
    column, descending = order[0].lstrip("-"), order[0].startswith("-")
    low, high = (values[-1], values[0]) if descending else (values[0], values[-1])
    condition, condition_params = matching
    # One value's rows (a page inside an address thousands share): by id alone, which sorts
    # 100,000 rows in a third of the time the value compared again for each takes.
    ordering = _order(order[1:] if low == high else order)
    sql = (
        f"SELECT {', '.join(SHOWN)} FROM {TABLE} "  # noqa: S608
        f"WHERE {_ACTIVE_AT} AND {column} BETWEEN %s AND %s {condition} "
        f"ORDER BY {ordering} LIMIT %s OFFSET %s"
    )
    params = [location_id, low, high, *condition_params, len(values), skip]
    return _shown(sql, params)


class CountedMatches:
    """A search's matches, neither few nor very many (a common surname: "smith" is about 1 in
    120 people), as the paginator pages them: the page asked for and the exact count from one
    pass through the trigram index (Search.counted_page), where finding out that they are
    not few (the first SEARCH_FEW_MATCHES ids), walking the sort order and then sorting them anyway
    read them twice or three times. Exact, so the page says the count without "about"."""

    def __init__(
        self, search: Search | AddressSearch, order: list[str], page_size: int, page: int
    ) -> None:
        self.search, self.order, self.page_size = search, order, page_size
        self.window = slice((page - 1) * page_size, page * page_size)
        self.ids, self.count = search.counted_page(order, self.window)
        if not self.ids and page > 1:  # past the last page, which says no count: the first
            self.window = slice(0, page_size)
            self.ids, self.count = search.counted_page(order, self.window)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, window: slice) -> list[Recipient]:
        if window.start != self.window.start:  # a page past the last: the paginator's last
            self.window = slice(window.start, window.start + self.page_size)
            self.ids, _ = self.search.counted_page(self.order, self.window)
        return shown_rows(self.ids, self.order)


class FewMatches:
    """A search's few matches (their ids known) as the paginator pages them: each page's
    rows through the primary key (shown_rows)."""

    def __init__(self, ids: Sequence[int], order: list[str]) -> None:
        self.ids, self.order = ids, order

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, window: slice) -> list[Recipient]:
        return shown_rows(self.ids, self.order, window)


def _order(order: list[str]) -> str:
    """The ORM order (["-email_folded", "-id"]) as SQL; the fields are the model's own columns."""
    return ", ".join(f"{field[1:]} DESC" if field.startswith("-") else field for field in order)


def _about(value: float) -> int:
    """Rounded to three significant figures: an estimate says no more than it knows."""
    if value < 1000:
        return round(value)
    scale = 10 ** (int(math.log10(value)) - 2)
    return round(value / scale) * scale


class ManyMatches:
    """A search's many matches as the paginator pages them: each page fetched on its own.

    A page is first looked for by a walk of the sort order, as far as the matches' density
    says it should take to fill the page (twice that, within settings.SEARCH_WALK_MIN ..
    SEARCH_WALK_MAX rows). A walk that comes up short tells how sparse the matches are where
    it went ("jo" by Last Name: the Joneses are further on), and a longer walk follows, as far
    as that density says (at least twice as far, up to SEARCH_WALK_MAX). Reading a row costs
    about the same in a walk as in sorting the matches, so once a walk would read more rows
    than there are matches, or SEARCH_WALK_MAX rows come up short, the trigram index's
    matches are sorted ("smith" by Last Name).
    """

    def __init__(self, search: Search, order: list[str], count: int, page_size: int) -> None:
        self.search, self.order, self.count, self.page_size = search, order, count, page_size
        self.location_size = active_recipients(search.location)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, window: slice) -> list[Recipient]:
        # A whole page whatever the paginator's slice: on its last page the slice ends at the
        # count, which is only an estimate here.
        window = slice(window.start, window.start + self.page_size)
        density = max(self.count, 1) / max(self.location_size, 1)
        walk_min, walk_max = settings.SEARCH_WALK_MIN, settings.SEARCH_WALK_MAX
        budget = int(min(walk_max, max(walk_min, 2 * window.stop / density)))
        ids = self._walked(window, budget)
        if ids is None:
            ids = self.search.sorted_page(self.order, window)
        return shown_rows(ids, self.order)

    def _walked(self, window: slice, budget: int) -> list[int] | None:
        """The window's ids by walks of the sort order, or None where sorting the matches
        costs less."""
        walked, walk_max = 0, settings.SEARCH_WALK_MAX
        while walked < budget:
            whole = budget >= self.location_size  # the walk reads every row: it is final
            if not whole and budget >= self.count:
                return None
            ids = self.search.walk(self.order, window, None if whole else budget)
            if whole or len(ids) == window.stop - window.start:
                return ids
            # Short: as many matches as the walk found (all of the window's predecessors
            # at most, if it found none of the window) in `budget` rows.
            found = max(window.start + len(ids), 1)
            walked, budget = budget, int(min(walk_max, 2 * budget * window.stop / found))
        return None
