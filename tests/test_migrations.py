"""The schema's history was squashed before the first release (README, "Migrations"): each app
has at most three migrations (an initial one, and those made by hand: what the database needs
beyond the models, the data a fresh database needs, and what came after the squash), and a
database that applied the history before the squash moves over running only what came after
it. What a fresh database holds is tested where it is used
(tests/test_helpdesk_staff.py: the staff group; tests/test_import_creates_recipients.py: the
SQLite index)."""

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from providers.models import PortalUsernameCounter

PROJECT_APPS = ["providers", "audit", "outbox", "recipients", "bulkupload", "helpdesk", "portal"]


def _migration_files(app_label: str) -> list[str]:
    folder = Path(apps.get_app_config(app_label).path, "migrations")
    return sorted(path.name for path in folder.glob("[0-9]*.py"))


@pytest.mark.parametrize("app_label", PROJECT_APPS)
def test_each_app_has_at_most_three_migrations(app_label):
    assert 1 <= len(_migration_files(app_label)) <= 3


@pytest.mark.django_db
def test_a_database_that_applied_the_history_before_the_squash_has_nothing_to_migrate():
    ours = [
        migration
        for (app_label, _), migration in MigrationLoader(connection).disk_migrations.items()
        if app_label in PROJECT_APPS
    ]
    recorder = MigrationRecorder(connection)
    # What such a database records: the old names only (rolled back with the test).
    recorder.migration_qs.filter(app__in=PROJECT_APPS).delete()
    for app_label, name in {key for migration in ours for key in migration.replaces}:
        recorder.record_applied(app_label, name)
    executor = MigrationExecutor(connection)
    planned = executor.migration_plan(executor.loader.graph.leaf_nodes())
    # Only the migrations written after the squash (recipients 0003...), none it stands for.
    after_the_squash = {(m.app_label, m.name) for m in ours if not m.replaces}
    assert {(migration.app_label, migration.name) for migration, _ in planned} == after_the_squash


@pytest.mark.django_db
def test_a_database_that_applied_the_replaced_index_migration_runs_its_successor():
    # recipients 0003_search_and_sort_indexes took the place of 0003_search_by_location,
    # repeating its steps: a database that applied the old one must run the new one whole.
    recorder = MigrationRecorder(connection)
    recorder.migration_qs.filter(app="recipients", name__startswith="0003").delete()
    recorder.record_applied("recipients", "0003_search_by_location")
    executor = MigrationExecutor(connection)
    planned = executor.migration_plan(executor.loader.graph.leaf_nodes())
    names = [(migration.app_label, migration.name) for migration, _ in planned]
    assert names == [("recipients", "0003_search_and_sort_indexes")]


@pytest.mark.postgresql("the pattern index is PostgreSQL's")
@pytest.mark.django_db
def test_the_username_counters_are_indexed_by_their_primary_key_alone():
    table = PortalUsernameCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = [definition for (definition,) in cursor.fetchall()]
    assert len(indexes) == 1 and "UNIQUE" in indexes[0], indexes
