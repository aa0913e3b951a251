"""Every form's errors are announced: each invalid field says so (aria-invalid) and points, with
aria-describedby, at its error and help text, and every id it points at is on the page. Checked
on every form of the provider portal, the help desk and the recipient portal, sent empty."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.forms import STEP_SLUGS
from recipients.tokens import password_setup_token
from tests.helpers import make_portal_recipient, person, recipient_csv, seed_vaccine_groups

pytestmark = pytest.mark.django_db

FIELDS = {"input", "select", "textarea"}


class _Page(HTMLParser):
    """The ids on a page, what points at them, and which form fields are marked invalid."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (the element, an id it points at)
        self.invalid: list[dict[str, str | None]] = []
        self.error_ids: list[str | None] = []
        self._fieldsets: list[str] = []  # what each open fieldset's aria-describedby says

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "fieldset":
            self._fieldsets.append(attributes.get("aria-describedby") or "")
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        name = f"<{tag} {attributes.get('name') or attributes.get('id') or ''}>"
        for target in (attributes.get("aria-describedby") or "").split():
            self.described.append((name, target))
        if tag in FIELDS and attributes.get("aria-invalid") == "true":
            # A group of radios or checkboxes is described by its fieldset, as GOV.UK does.
            group = " ".join(self._fieldsets)
            described = f"{attributes.get('aria-describedby') or ''} {group}".strip()
            self.invalid.append({**attributes, "described": described})
        if "field-error" in (attributes.get("class") or "").split():
            self.error_ids.append(attributes.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()


def _parsed(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def _assert_errors_announced(response) -> None:
    assert response.status_code in {200, 400}, response.status_code
    page = _parsed(response)
    assert page.invalid, "no field is marked aria-invalid"
    missing = [(element, target) for element, target in page.described if target not in page.ids]
    assert missing == [], f"aria-describedby points at nothing: {missing}"
    pointed_at = {target for _, target in page.described}
    for field in page.invalid:
        assert field["described"], f"{field.get('name')} is invalid but says not why"
    silent = [error for error in page.error_ids if error not in pointed_at]
    assert silent == [], f"field errors no field points at: {silent}"


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def _form_url(client, link: str) -> str:
    """Where a password link lands once its token is swapped for the session's."""
    return client.get(link, follow=True).redirect_chain[-1][0]


@pytest.fixture
def pat(demo_clinic):
    seed_vaccine_groups()
    recipient = make_portal_recipient(demo_clinic, email="pat@example.com")
    recipient.account.set_password("pat-long-password-1")
    recipient.account.save()
    return recipient


# The provider portal -----------------------------------------------------------------------


def test_the_sign_in_form_announces_its_errors(client, alice):
    _assert_errors_announced(client.post("/accounts/login/", {"username": "", "password": ""}))


def test_the_password_change_form_announces_its_errors(alice_client):
    _assert_errors_announced(alice_client.post("/accounts/password/change/", {}))


def test_the_password_reset_form_announces_its_errors(client, alice):
    _assert_errors_announced(client.post("/accounts/password/reset/", {"email": "not an email"}))


def test_the_new_password_form_announces_its_errors(client, alice):
    link = f"/accounts/password/reset/{_uid(alice)}/{default_token_generator.make_token(alice)}/"
    url = _form_url(client, link)
    response = client.post(url, {"new_password1": "short", "new_password2": "other"})
    _assert_errors_announced(response)


def test_the_upload_forms_announce_a_missing_file(alice_client):
    for url in ("/bulk-registration/upload/", "/bulk-registration/high-volume/upload/"):
        _assert_errors_announced(alice_client.post(url, {}))


def test_the_review_announces_each_failed_rows_error(alice_client):
    # A failed row (invalid, pointing at its error) and a warned one (a typo domain: editable,
    # pointing at its warning).
    data = recipient_csv(
        person(),
        person("Pat", "", "13/45/1990", "pat@example.com"),
        person("Ann", "Lee", "1/2/1980", "ann.lee@gmial.com"),
    )
    upload = SimpleUploadedFile("staff.csv", data, content_type="text/csv")
    response = alice_client.post("/bulk-registration/upload/", {"file": upload}, follow=True)
    assert b"Review your data" in response.content
    assert b'name="line-4-email"' in response.content  # the warned row is editable
    _assert_errors_announced(response)


def test_the_dose_form_announces_its_errors(alice_client, demo_clinic):
    recipient = make_portal_recipient(demo_clinic)
    _assert_errors_announced(
        alice_client.post(f"/recipients/{recipient.pk}/doses/new/", {"completion": "CP"})
    )


# The help desk -------------------------------------------------------------------------------


def test_the_help_desk_registration_announces_its_errors(client):
    _assert_errors_announced(client.post("/help-desk/register/", {}))


def test_the_help_desk_sign_in_announces_its_errors(client, alice):
    _assert_errors_announced(client.post("/help-desk/login/", {"username": "", "password": ""}))


def test_the_help_desk_password_change_announces_its_errors(alice_client):
    _assert_errors_announced(alice_client.post("/help-desk/password/", {}))


def test_the_help_desk_request_form_announces_its_errors(alice_client):
    data = {"kind": "hcp_onboarding", "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0"}
    _assert_errors_announced(alice_client.post("/help-desk/vaccine-provider/request/", data))


def test_the_help_desk_removal_forms_announce_their_errors(alice_client, demo_clinic):
    _assert_errors_announced(alice_client.post("/help-desk/vaccine-provider/removal/", {}))
    recipient = make_portal_recipient(demo_clinic)
    empty = {"removal_reason": ""}  # an empty POST would show the form unbound
    _assert_errors_announced(alice_client.post(f"/help-desk/removal/{recipient.pk}/", empty))


# The recipient portal ------------------------------------------------------------------------


def test_the_portal_sign_in_announces_its_errors(client, pat):
    _assert_errors_announced(client.post("/portal/login/", {"username": "", "password": ""}))


def test_the_portal_forgotten_password_form_announces_its_errors(client, pat):
    _assert_errors_announced(client.post("/portal/password/forgot/", {"username": ""}))


def test_the_portal_password_setup_announces_its_errors(client, pat):
    account = pat.account
    account.set_unusable_password()
    account.save()
    url = _form_url(
        client, f"/portal/setup/{_uid(account)}/{password_setup_token.make_token(account)}/"
    )
    response = client.post(url, {"new_password1": "short", "new_password2": "other"})
    _assert_errors_announced(response)


@pytest.mark.parametrize("slug", STEP_SLUGS)
def test_every_registration_step_announces_its_errors(client, pat, slug):
    client.force_login(pat.account)
    _assert_errors_announced(client.post(f"/portal/registration/{slug}/", {}))
