"""A server error emails ADMINS (Django's report), without the personal data a request carries."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import include, path


class _Broken(Exception):
    pass


def _fail(request):
    raise _Broken("the view broke")


# This module is the URLconf of its tests: the portal's pages, and one that fails.
urlpatterns = [path("fail/", _fail), path("", include("cvms.urls"))]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ADMINS = [("Ops Team", "ops@state.example"), ("", "oncall@state.example")]
    # A browser that gets the 500 page, as people do, instead of the exception.
    return Client(raise_request_exception=False)


def test_a_server_error_emails_the_admins(production):
    response = production.get("/fail/")
    assert response.status_code == 500
    [report] = mail.outbox
    assert report.to == ["ops@state.example", "oncall@state.example"]
    assert report.subject == "[CVMS] ERROR (EXTERNAL IP): Internal Server Error: /fail/"
    assert "_Broken" in report.body and "the view broke" in report.body


def test_the_report_holds_no_form_values_query_or_signed_in_email(production, alice):
    production.force_login(alice)
    production.post(
        "/fail/?q=Quintanilla",
        {"first_name": "Zoe", "last_name": "Quintanilla", "email": "zoe.q@example.com"},
        HTTP_REFERER="https://portal.example/recipients/?q=Quintanilla",
    )
    [report] = mail.outbox
    for personal in ("Quintanilla", "zoe.q@example.com", alice.email):
        assert personal not in report.body
    assert "last_name = '********************'" in report.body  # which fields, not what
    assert f"USER: user id {alice.pk}" in report.body


def test_the_report_holds_no_password_from_a_url_setting(production, settings):
    settings.EMAIL_URL = "smtp+tls://mailer:relay-password@smtp.state.example:587"
    settings.CELERY_BROKER_URL = "redis://:redis-password@redis:6379/0"
    production.get("/fail/")
    [report] = mail.outbox
    assert "relay-password" not in report.body
    assert "redis-password" not in report.body
    assert "SITE_URL = 'https://portal.example'" in report.body  # a URL without one stays
