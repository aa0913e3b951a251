"""Sign-in throttling (django-axes) on every sign-in form: after the failure limit for one
account, its right password is refused for the lockout period, with a message; usernames
differing only in case are one account; nothing personal is logged."""

import logging

import pytest
from axes.models import AccessAttempt

from tests.helpers import make_user

FORMS = {
    "provider portal": ("/accounts/login/", "alice@demo.example"),
    "help desk": ("/help-desk/login/", "alice@demo.example"),
    "admin": ("/admin/login/", "charlie@helpdesk.example"),
}


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.parametrize("form", FORMS)
def test_the_right_password_is_refused_after_the_limit(client, alice, charlie, password, form):
    path, username = FORMS[form]
    for attempt in range(3):
        client.post(path, {"username": username, "password": f"wrong-{attempt}"})
    response = client.post(path, {"username": username, "password": password})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_changing_the_case_of_the_email_does_not_reset_the_count(client, alice, password):
    for variant in ("Alice@demo.example", "ALICE@DEMO.EXAMPLE", "alice@Demo.Example"):
        client.post("/accounts/login/", {"username": variant, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": alice.email, "password": password})
    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == "alice@demo.example"


def test_below_the_limit_the_right_password_works_and_clears_the_count(client, alice, password):
    for _ in range(2):
        client.post("/accounts/login/", {"username": alice.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": alice.email, "password": password})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(failures_since_start__gt=0).exists()


def test_another_account_from_elsewhere_is_not_locked_by_someone_elses_failures(
    client, alice, password
):
    make_user("dana@demo.example")
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"username": alice.email, "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "dana@demo.example", "password": password},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


def test_failed_sign_ins_log_no_username(client, alice, caplog):
    with caplog.at_level(logging.DEBUG):
        for _ in range(4):
            client.post("/accounts/login/", {"username": alice.email, "password": "wrong"})
    assert "alice" not in caplog.text.lower()
