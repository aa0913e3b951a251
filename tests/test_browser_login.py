import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_logs_in_and_sees_the_portal_tabs(page, screenshot, alice, password):
    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/")
    screenshot(page, "1-login")

    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Home").wait_for()
    tabs = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert tabs.all_inner_texts() == ["Home", "Bulk Registration", "Recipients", "Reports"]
    assert tabs.first.get_attribute("aria-current") == "page"
    assert "NCA650001" in page.content()
    screenshot(page, "2-home")

    tabs.get_by_text("Bulk Registration").click()
    page.get_by_role("heading", name="Bulk Registration").wait_for()
    screenshot(page, "3-bulk-registration")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to the Provider Portal").wait_for()


def test_a_wrong_password_shows_the_error_next_to_the_form(page, alice):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct email")
