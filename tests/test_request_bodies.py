"""What a request may carry is capped before it is written anywhere (hardening): one file part
per request, each cut off at the upload limit, whoever sends it and whatever its CSRF token."""

import io

import pytest
from django.test import Client

from bulkupload.models import Upload
from tests.helpers import person, recipient_csv


def _file(name: str = "staff.csv") -> io.BytesIO:
    data = io.BytesIO(recipient_csv(person()))
    data.name = name
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/bulk-registration/upload/",
        "/bulk-registration/high-volume/upload/",
    ],
)
def test_a_second_file_part_is_refused_before_it_is_kept(alice_client, path):
    response = alice_client.post(path, {"file": [_file(), _file("two.csv")]})
    assert response.status_code == 400
    assert not Upload.objects.exists()


def test_without_signing_in_many_file_parts_with_a_made_up_token_are_refused(db):
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "x" * 32
    files = {f"f{n}": _file(f"{n}.csv") for n in range(5)}
    response = client.post("/accounts/login/", {"csrfmiddlewaretoken": "y" * 32, **files})
    assert response.status_code == 400


def test_one_file_still_goes_through(alice_client):
    response = alice_client.post("/bulk-registration/upload/", {"file": _file()})
    assert response.status_code == 302
    assert Upload.objects.count() == 1
