# The counter of portal usernames per email address (providers.models.PortalUsernameCounter),
# filled from the usernames in use, so an address's numbers go on from the highest there is.
# On PostgreSQL one statement: a scan of the accounts and a grouping, a few seconds at millions
# of accounts. Imports running while it runs (the old code) may hand out a number the counter
# then misses: the writer notices when its insert meets the taken name and catches up.

from django.db import migrations, models

SUFFIX = ".covid19vaccine"


def fill_counters(apps, schema_editor):
    connection = schema_editor.connection
    counters = apps.get_model("providers", "PortalUsernameCounter")._meta.db_table
    users = apps.get_model("providers", "User")._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The same reading of a username as bulkupload.writer's: the address is all before
            # the last suffix, and the number after it, if any, has no leading zero.
            cursor.execute(
                f"""
                INSERT INTO {counters} (address, highest)
                SELECT parts[1], MAX(COALESCE(parts[2]::integer, 1))
                FROM {users}, regexp_match(username, %s) AS parts
                WHERE username LIKE %s AND parts IS NOT NULL
                GROUP BY parts[1]
                """,  # noqa: S608 - the tables are the models'
                [r"^(.*)\.covid19vaccine([1-9][0-9]{0,8})?$", f"%{SUFFIX}%"],
            )
        return
    User = apps.get_model("providers", "User")
    highest: dict[str, int] = {}
    usernames = User.objects.filter(username__contains=SUFFIX).values_list("username", flat=True)
    for username in usernames.iterator(chunk_size=10_000):
        address, _, rest = username.rpartition(SUFFIX)
        number = 1 if rest == "" else int(rest) if rest.isascii() and rest.isdigit() else 0
        if rest[:1] == "0" or not 0 < number < 10**9:
            continue
        highest[address] = max(highest.get(address, 0), number)
    Counter = apps.get_model("providers", "PortalUsernameCounter")
    Counter.objects.bulk_create(
        [Counter(address=address, highest=top) for address, top in highest.items()],
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_username_unique_without_pattern_index")]

    operations = [
        migrations.CreateModel(
            name="PortalUsernameCounter",
            fields=[
                ("address", models.CharField(max_length=254, primary_key=True, serialize=False)),
                ("highest", models.IntegerField()),
            ],
        ),
        migrations.RunPython(fill_counters, migrations.RunPython.noop, elidable=True),
    ]
