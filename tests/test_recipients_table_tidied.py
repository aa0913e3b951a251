"""After an import, the recipients' table is vacuumed once enough rows were added since it last
was (recipients.sql.tidy_recipients): Loaded Recipients' deep pages read the sort indexes alone
only where VACUUM has set the visibility map, and these servers run without autovacuum. Beat
analyzes it once enough rows changed (recipients.tasks.analyze_recipients), out of the
imports' way."""

import pytest
from django.db import connection

from recipients.models import Recipient
from recipients.sql import tidy_recipients
from recipients.tasks import analyze_recipients
from tests.helpers import import_on_command_line, person, recipient_csv, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),  # VACUUM cannot run inside a transaction
    pytest.mark.postgresql("VACUUM is PostgreSQL's"),
]


def _vacuums_and_analyzes() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables "
            "WHERE relid = %s::regclass",
            [Recipient._meta.db_table],
        )
        return cursor.fetchone()


def _inserted() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [Recipient._meta.db_table],
        )
        return cursor.fetchone()[0]


def _import(tmp_path, rows) -> None:
    import_on_command_line(tmp_path, recipient_csv(*rows))


def _people(count: int) -> list[tuple]:
    return [person(f"Pat{n}", "Lee", "1/2/1980", f"p{n}@x.org") for n in range(count)]


def test_an_import_past_the_threshold_vacuums_the_table_and_leaves_analyzing_to_beat(
    alice, tmp_path, settings
):
    settings.RECIPIENTS_VACUUM_ROWS = 20
    before = _vacuums_and_analyzes()
    _import(tmp_path, _people(30))
    assert _vacuums_and_analyzes() == (before[0] + 1, before[1])
    assert Recipient.objects.count() == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    analyze_recipients()  # as beat runs it every minute
    assert _vacuums_and_analyzes() == (before[0] + 1, before[1] + 1)
    assert "analyze-recipients" in settings.CELERY_BEAT_SCHEDULE


def test_an_import_below_the_threshold_leaves_the_table_alone(alice, tmp_path, settings):
    settings.RECIPIENTS_VACUUM_ROWS = 1000
    before = _vacuums_and_analyzes()
    _import(tmp_path, _people(30))
    assert _vacuums_and_analyzes() == before
    assert Recipient.objects.count() == 30


def test_rows_changed_since_the_last_analyze_have_beat_analyze_the_table(alice, tmp_path, settings):
    settings.RECIPIENTS_VACUUM_ROWS = 20
    inserted = _inserted()
    _import(tmp_path, _people(30))
    # The writers' connections publish their counts up to seconds after they commit.
    assert wait_until(lambda: _inserted() >= inserted + 30, seconds=15)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {Recipient._meta.db_table}")  # nothing added since
    Recipient.objects.update(removal_reason="changed")  # 30 rows changed
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # the server sees them now
    before = _vacuums_and_analyzes()
    assert tidy_recipients(added=0) == ""  # nothing added: no VACUUM, and no ANALYZE here
    analyze_recipients()
    assert _vacuums_and_analyzes() == (before[0], before[1] + 1)
    analyze_recipients()  # nothing changed since
    assert _vacuums_and_analyzes() == (before[0], before[1] + 1)


def test_an_import_that_created_nobody_leaves_the_table_alone(alice, tmp_path, settings):
    settings.RECIPIENTS_VACUUM_ROWS = 0
    before = _vacuums_and_analyzes()
    _import(tmp_path, [person("Bad", "Row", "2/30/1990", "bad")])
    assert _vacuums_and_analyzes() == before
