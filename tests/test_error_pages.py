"""The pages a person sees when something goes wrong are the portal's own: a crash (500), a
page that is not there (404), a file the proxy refuses as too large (413)."""

from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def _database_down(execute, sql, params, many, context):
    raise OperationalError("could not connect to server")


@pytest.fixture
def browser(db, settings):
    """A browser's view with DEBUG off: a crash is answered with the error page, not raised."""
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def _is_the_portals_page(response) -> None:
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert 'href="/static/css/portal.css"' in page
    assert "COVID-19 Vaccine Management System" in page
    assert "/help-desk/" in page


@pytest.mark.urls("tests.crash_urls")
def test_a_crash_shows_the_portals_error_page(browser):
    response = browser.get("/crash/")
    assert response.status_code == 500
    _is_the_portals_page(response)
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert "a bug in a view" not in response.content.decode()


def test_the_error_page_needs_no_database(browser, alice):
    browser.force_login(alice)
    with connection.execute_wrapper(_database_down):
        response = browser.get("/")  # the session is read from the database, which fails
    assert response.status_code == 500
    _is_the_portals_page(response)
    assert "<h1>Something went wrong</h1>" in response.content.decode()


def test_a_missing_page_shows_the_portals_not_found_page(browser):
    response = browser.get("/no-such-page/")
    assert response.status_code == 404
    _is_the_portals_page(response)
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_proxys_too_large_page_says_the_limit_and_what_to_do(settings):
    page = (ROOT / "static" / "errors" / "413.html").read_text()
    assert '<html lang="en">' in page
    assert "<h1>The file is too large</h1>" in page
    assert f"{settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB" in page
    assert f"{settings.HIGH_VOLUME_MAX_ROWS:,} recipients per file" in page
    assert "Split it into smaller files" in page
    assert 'href="/static/css/portal.css"' in page
    assert "style=" not in page and "<style" not in page and "<script" not in page
