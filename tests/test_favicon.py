"""The site's icon: linked from the portal's and the admin's pages, and at /favicon.ico, which
browsers ask for whatever a page links (it was a 404 in the log at every first visit)."""

import pytest
from django.contrib.staticfiles import finders


def test_favicon_ico_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    assert finders.find("favicon.ico")


def test_pages_link_the_icon(client, db):
    for path in ("/accounts/login/", "/admin/login/", "/portal/login/"):
        page = client.get(path).content.decode()
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page, path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_gets_an_icon_at_favicon_ico(page):
    response = page.goto("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
