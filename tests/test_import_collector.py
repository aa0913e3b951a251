"""While an import runs, Python's garbage collector walks only what the import made
(bulkupload.collector): what was there before is set aside, and handed back at the end."""

from __future__ import annotations

import gc
from contextlib import closing

import pytest

from bulkupload.engine import FileRejected
from bulkupload.pipeline import import_batches, import_file
from tests.helpers import person, recipient_csv

FILE = recipient_csv(person(), person("Jane", "Doe", "3/4/1985", "jane.doe@example.com"))


class _Made:
    """An object the collector tracks (a dict of strings alone it would not)."""


def _walked(thing: object) -> bool:
    """Whether the collector's next collection would look at `thing`."""
    return any(candidate is thing for candidate in gc.get_objects())


@pytest.fixture(autouse=True)
def nothing_set_aside():
    assert gc.get_freeze_count() == 0
    yield
    assert gc.get_freeze_count() == 0


def test_an_import_sets_aside_what_was_there_before_it_until_it_ends(demo_clinic, alice):
    before = _Made()
    assert _walked(before)
    with closing(import_batches(FILE, location=demo_clinic, user=alice)) as steps:
        first = next(steps)  # the file passed its whole-file checks
        assert first.rows == 2
        assert not _walked(before)
        assert _walked(_Made())  # made during the import

        *_, result = steps
    assert result.created == 2
    assert _walked(before)


def test_a_rejected_file_hands_everything_back(demo_clinic, alice):
    before = _Made()
    with pytest.raises(FileRejected):
        import_file(b"\x00\x01 not a recipient file", location=demo_clinic, user=alice)
    assert _walked(before)


def test_two_imports_at_once_hand_back_only_when_the_last_ends(demo_clinic, alice):
    before = _Made()
    first = import_batches(FILE, location=demo_clinic, user=alice, dry_run=True)
    second = import_batches(FILE, location=demo_clinic, user=alice, dry_run=True)
    with closing(first), closing(second):
        next(first)
        next(second)
        list(first)
        assert not _walked(before)  # the second import still runs
        list(second)
    assert _walked(before)
