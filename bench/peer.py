"""The peer the import is measured against: django-import-export, tuned for a bulk import.

The well-known way to import a spreadsheet into Django models, set up as a team would tune it
for thousands of rows: rows buffered and written with bulk_create in batches of 1,000, no
per-row look-up of an existing instance (force_init_instance), no diffs (skip_diff), field
validation per row (the model's own validators: email, lengths; dates by the widget) without a
query per row for uniqueness, and the database's unique constraint skipping people already
loaded (ignore_conflicts). It writes one row per person (the recipient only: no portal account,
no welcome email), so it does less than the portal's import, which writes three.
"""

from __future__ import annotations

import tablib
from import_export import fields, resources, widgets

from providers.models import Location
from recipients.models import Recipient

BATCH_SIZE = 1000


class RecipientResource(resources.ModelResource):
    first_name = fields.Field(attribute="first_name", column_name="FirstName")
    last_name = fields.Field(attribute="last_name", column_name="LastName")
    date_of_birth = fields.Field(
        attribute="date_of_birth",
        column_name="Date of birth",
        widget=widgets.DateWidget("%m/%d/%Y"),
    )
    email = fields.Field(attribute="email", column_name="Email")

    class Meta:
        model = Recipient
        fields = ("first_name", "last_name", "date_of_birth", "email")
        import_id_fields = ("first_name", "last_name", "date_of_birth")
        use_bulk = True
        batch_size = BATCH_SIZE
        force_init_instance = True
        skip_diff = True
        clean_model_instances = False  # validate_instance below checks the fields

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location

    def before_save_instance(self, instance: Recipient, row, **kwargs) -> None:
        instance.location = self.location
        instance.fill_keys()

    def validate_instance(self, instance: Recipient, import_validation_errors=None, **kwargs):
        # The fields' own validators, without validate_unique's query per row.
        instance.location = self.location
        instance.clean_fields(exclude=["location", "upload", "created_by", "account"])

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                Recipient.objects.bulk_create(
                    self.create_instances, batch_size=batch_size, ignore_conflicts=True
                )
            except Exception as error:  # noqa: BLE001 - as the library's own bulk_create
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()


def peer_import(data: bytes, location: Location, *, dry_run: bool) -> int:
    """Import a recipient file the peer's way; returns how many rows it reported invalid."""
    dataset = tablib.Dataset().load(data.decode("utf-8-sig"), format="csv")
    result = RecipientResource(location).import_data(
        dataset, dry_run=dry_run, use_transactions=True
    )
    return len(result.invalid_rows) + len(result.row_errors())
