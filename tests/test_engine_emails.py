"""Email: a syntactically valid address, as email-validator judges it (no DNS)."""

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkupload.engine import clean_email
from tests.helpers import check_file, messages, person, recipient_csv


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("john@example.com", "john@example.com"),
        ("Nicholas.NoEmail@CompanyEmail3.com", "Nicholas.NoEmail@companyemail3.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("josé@example.com", "josé@example.com"),
        ("user@bücher.de", "user@bücher.de"),
        ('"quoted name"@example.com', None),  # email-validator refuses quoted local parts
    ],
)
def test_it_accepts_valid_addresses_and_normalises_the_domain(value, normalized):
    assert clean_email(value) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "bademail",  # the guide's example
        "Nicholas.NoEmail@",  # the guide's example
        "@example.com",
        "a@b",
        "a@@example.com",
        "a b@example.com",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@example..com",
        "a@-example.com",
        "a@example.com.",
        "a@localhost",
        "a@[127.0.0.1]",
        "a@" + "b" * 230 + ".com",
        "a@example.invalid",
    ],
)
def test_it_refuses_invalid_addresses(value):
    assert clean_email(value) is None


def test_it_reports_an_invalid_email_with_the_guides_message():
    result = check_file(recipient_csv(person(email="Nicholas.NoEmail@")))
    assert messages(result) == ["Line 2: Email: invalid email address: Nicholas.NoEmail@"]


def test_it_reports_a_missing_email_as_a_required_field():
    result = check_file(recipient_csv(person(email="")))
    assert messages(result) == ["Line 2: Required fields are missing: [Email]"]


def _reference(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


ATEXT = st.sampled_from("abcXYZ019!#$%&'*+/=?^_`{|}~-.éüßØ\u0301 \"@()[],;:\\")
DOMAINS = st.sampled_from(
    [
        "example.com",
        "EXAMPLE.com",
        "a.b",
        "localhost",
        "ex-ample.org",
        "-bad.com",
        "xn--bcher-kva.de",
        "b\u00fccher.de",
        "x..y",
        "",
    ]
)


@settings(max_examples=300)
@given(local=st.text(ATEXT, max_size=70), domain=DOMAINS)
def test_the_short_cut_agrees_with_email_validator(local, domain):
    value = f"{local}@{domain}"
    assert clean_email(value) == _reference(value)
