"""The Email column sorts ignoring case, and a search for an address finds its recipients
(issue 25): the location's email index holds lower(email) instead of the email as typed.
One index replaces the other, so an import writes no more index entries than before.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


class Migration(migrations.Migration):
    dependencies = [
        ("recipients", "0015_welcome_problem"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="recipient",
            name="recipient_loc_email",
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                models.F("location"),
                Lower("email"),
                models.F("id"),
                condition=models.Q(removed_at__isnull=True),
                include=["email"],
                name="recipient_loc_email_folded",
            ),
        ),
    ]
