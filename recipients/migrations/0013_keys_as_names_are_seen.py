# Matching and search keys are now computed from the name as it is seen
# (recipients.names.visible_text): invisible characters (zero-width spaces, soft hyphens, a
# stray byte-order mark...) are ignored and Word's hyphens are hyphens. The keys of a name made
# of printable ASCII do not change, so only the other rows are read.
#
# The names themselves are left as they were stored: changing a recipient's name is the help
# desk's work. If a recipient's new key would make it the same person as another active
# recipient (the two were loaded apart only because of an invisible character), the unique
# constraint refuses it: that recipient keeps its former keys, and their count and ids are
# logged (ids only: names, dates of birth and emails stay out of logs) for the help desk to
# review each pair. The migration does not fail on a real deployment because of them.

import logging

from django.db import IntegrityError, migrations, transaction
from django.db.models import Q

from recipients.names import name_key, search_key

logger = logging.getLogger("recipients.migrations")

_NOT_PRINTABLE_ASCII = r"[^ -~]"
_KEYS = ["first_name_key", "last_name_key", "name_first_last", "name_last_first"]


def _keys(recipient) -> dict[str, str]:
    return {
        "first_name_key": name_key(recipient.first_name),
        "last_name_key": name_key(recipient.last_name),
        "name_first_last": search_key(recipient.first_name, recipient.last_name),
        "name_last_first": search_key(recipient.last_name, recipient.first_name),
    }


def recompute_keys(apps, schema_editor) -> None:
    Recipient = apps.get_model("recipients", "Recipient")
    candidates = Recipient.objects.filter(
        Q(first_name__regex=_NOT_PRINTABLE_ASCII) | Q(last_name__regex=_NOT_PRINTABLE_ASCII)
    ).only("first_name", "last_name", *_KEYS)
    changed, kept = 0, []
    for recipient in candidates.iterator(chunk_size=2000):
        keys = _keys(recipient)
        if all(getattr(recipient, field) == value for field, value in keys.items()):
            continue
        changed += 1
        try:
            with transaction.atomic():  # a savepoint: a refused row does not end the migration
                Recipient.objects.filter(pk=recipient.pk).update(**keys)
        except IntegrityError:
            kept.append(recipient.pk)
            search = {field: keys[field] for field in ("name_first_last", "name_last_first")}
            Recipient.objects.filter(pk=recipient.pk).update(**search)
    if changed:
        logger.info("Recomputed the matching keys of %d recipients.", changed - len(kept))
    if kept:
        logger.warning(
            "%d recipients keep their former matching keys: ignoring invisible characters in "
            "their names makes each the same person (first name, last name and date of birth) "
            "as another recipient. The help desk should review them: recipient ids %s.",
            len(kept),
            ", ".join(map(str, kept)),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("recipients", "0012_counts_unconstrained_and_short_pending_list"),
    ]

    operations = [
        migrations.RunPython(recompute_keys, migrations.RunPython.noop, elidable=True),
    ]
