"""Low Volume: names pasted with characters nobody sees create people with clean names, and
the same people typed plainly are then the same people, already loaded."""

import io

from bulkupload.models import Upload
from recipients.models import Recipient
from tests.helpers import person, recipient_csv

PASTED = [
    person("Mary\u00a0Ann", "Lee\u200b", "01/02/1990", "mary@example.com"),
    person("\ufeffJosé", "Núñez\u00ad", "３/８/１９８０", "jose\u200b@example.com"),
    person("Siob\u00adhán", "O'Brien\u2060", "12/2/1955", "\u00a0siobhan@example.com"),
]
PLAIN = [
    person("Mary Ann", "Lee", "1/2/1990", "mary@example.com"),
    person("José", "Núñez", "3/8/1980", "jose@example.com"),
    person("Siobhán", "O'Brien", "12/2/1955", "siobhan@example.com"),
]


def _review_and_create(client, data: bytes, capture) -> Upload:
    upload_file = io.BytesIO(data)
    upload_file.name = "staff.csv"
    assert client.post("/bulk-registration/upload/", {"file": upload_file}).status_code == 302
    upload = Upload.objects.latest("pk")
    with capture(execute=True):
        client.post(f"/bulk-registration/review/{upload.pk}/create/")
    upload.refresh_from_db()
    return upload


def test_pasted_names_are_created_clean_and_typed_plainly_are_then_already_loaded(
    alice_client, django_capture_on_commit_callbacks
):
    first = _review_and_create(
        alice_client, recipient_csv(*PASTED), django_capture_on_commit_callbacks
    )
    assert (first.created_count, first.failed_count) == (3, 0)
    assert sorted(Recipient.objects.values_list("first_name", "last_name", "email")) == [
        ("José", "Núñez", "jose@example.com"),
        ("Mary Ann", "Lee", "mary@example.com"),
        ("Siobhán", "O'Brien", "siobhan@example.com"),
    ]

    upload_file = io.BytesIO(recipient_csv(*PLAIN))
    upload_file.name = "again.csv"
    alice_client.post("/bulk-registration/upload/", {"file": upload_file})
    again = Upload.objects.latest("pk")
    review = alice_client.get(f"/bulk-registration/review/{again.pk}/").content.decode()
    assert '<strong id="ready-count">0</strong>' in review
    assert '<strong id="already-loaded-count">3</strong>' in review
    assert "Duplicated" not in review
    assert Recipient.objects.count() == 3
