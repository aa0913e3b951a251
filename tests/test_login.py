from django.core import mail
from django.urls import reverse

from tests.helpers import make_manager, make_user

LOGIN = "/accounts/login/"


def test_it_shows_the_login_page(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b"Log in to the Provider Portal" in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/"


def test_a_manager_logs_in_with_email_and_lands_on_home_with_four_tabs(client, alice, password):
    response = client.post(LOGIN, {"username": "Alice@Demo.Example", "password": password})
    assert response.status_code == 302
    assert response.url == "/"

    home = client.get("/")
    assert home.status_code == 200
    text = home.content.decode()
    for tab in ("Home", "Bulk Registration", "Recipients", "Reports"):
        assert f">{tab}</a>" in text
    assert "Demo Clinic" in text
    assert "NCA650001" in text


def test_it_rejects_a_wrong_password_with_a_clear_message(client, alice):
    response = client.post(LOGIN, {"username": "alice@demo.example", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct email and password" in response.content
    assert "_auth_user_id" not in client.session


def test_its_error_says_only_the_password_is_case_sensitive(client, alice):
    response = client.post(LOGIN, {"username": "alice@demo.example", "password": "nope"})
    assert b"Both fields may be case-sensitive" not in response.content
    assert b"The password is case-sensitive; the email is not." in response.content


def test_it_signs_in_with_the_email_in_capitals(client, alice, password):
    response = client.post(LOGIN, {"username": "ALICE@Demo.Example", "password": password})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_rejects_an_inactive_manager(client, alice, password):
    alice.is_active = False
    alice.save()
    response = client.post(LOGIN, {"username": "alice@demo.example", "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_refuses_the_portal_to_a_user_who_manages_no_location(client, db):
    user = make_user("nobody@example.com")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert b"You are not a Healthcare Location Manager" in response.content


def test_it_sends_help_desk_staff_to_the_admin(client, charlie):
    client.force_login(charlie)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_logout_requires_post(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
    response = alice_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in alice_client.session


def test_a_manager_changes_their_password(alice_client, alice, password):
    response = alice_client.post(
        "/accounts/password/change/",
        {
            "old_password": password,
            "new_password1": "a-new-long-passphrase-2021",
            "new_password2": "a-new-long-passphrase-2021",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a-new-long-passphrase-2021")


def test_password_reset_emails_a_working_link_from_the_site_url(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "ALICE@demo.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@demo.example"]
    link = next(
        line for line in message.body.splitlines() if line.startswith("https://portal.example/")
    )
    path = link.removeprefix("https://portal.example")
    # Django swaps the token for a session marker and redirects to the form.
    form = client.get(path, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "fresh-passphrase-2021", "new_password2": "fresh-passphrase-2021"},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("fresh-passphrase-2021")


def test_password_reset_never_reaches_recipient_accounts_sharing_the_email(client, alice):
    # A recipient's portal account uses the same mailbox but signs in as email.covid19vaccine.
    make_user("alice@demo.example", username="alice@demo.example.covid19vaccine")
    client.post("/accounts/password/reset/", {"email": "alice@demo.example"})
    assert len(mail.outbox) == 1


def test_password_reset_says_nothing_about_unknown_addresses(client, db):
    response = client.post("/accounts/password/reset/", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_manager_of_two_locations_switches_between_them(client, demo_clinic, other_clinic):
    both = make_manager("both@demo.example", demo_clinic, other_clinic)
    client.force_login(both)
    assert b'<option value="NCA650002"' in client.get("/").content

    response = client.post("/location/", {"pin": "NCA650002", "next": "/recipients/"})
    assert response.status_code == 302
    assert response.url == "/recipients/"
    assert b"Other Clinic" in client.get("/").content


def test_switching_ignores_an_offsite_next(client, demo_clinic, other_clinic):
    both = make_manager("both@demo.example", demo_clinic, other_clinic)
    client.force_login(both)
    response = client.post("/location/", {"pin": "NCA650002", "next": "https://evil.example/"})
    assert response.url == "/"


def test_the_sixth_reset_request_for_one_account_within_an_hour_sends_nothing(client, alice):
    answers = [
        client.post("/accounts/password/reset/", {"email": variant})
        for variant in ["alice@demo.example", "ALICE@demo.example"] * 3
    ]
    assert {response.status_code for response in answers} == {302}
    assert {response.url for response in answers} == {"/accounts/password/reset/sent/"}
    assert len(mail.outbox) == 5


def test_resets_for_other_accounts_are_not_held_back_by_one_flooded_account(client, alice, bob):
    for _ in range(6):
        client.post("/accounts/password/reset/", {"email": alice.email})
    client.post("/accounts/password/reset/", {"email": bob.email})
    assert mail.outbox[-1].to == [bob.email]
