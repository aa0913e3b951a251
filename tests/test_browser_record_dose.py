"""A manager records a dose in a browser, from the recipient's page: a first try without the lot
is refused beside the field, then the dose is on the vaccine record and queued for NCIR. axe and
the 390 px check on the form and on the page after; screenshots at 1280 and 390 px."""

import datetime as dt

import pytest

from portal.models import Dose, NcirMessage
from tests.helpers import accessible, make_recipient, screenshot_both_widths, seed_vaccine_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_records_a_dose_from_the_recipient_s_page(
    page, screenshot, alice, password, demo_clinic
):
    seed_vaccine_groups()  # the products (a transaction=True test empties them after)
    make_recipient(demo_clinic, first_name="Ana", last_name="Okafor", email="ana@example.com")
    today = dt.date.today()

    page.goto("/accounts/login/?next=/recipients/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Ana", exact=True).click()
    page.get_by_text("No dose recorded yet.").wait_for()
    page.get_by_role("link", name="Record a dose").click()
    page.get_by_role("heading", name="Record a dose").wait_for()
    accessible(page)

    page.get_by_label("Vaccine").select_option(label="Pfizer-BioNTech")
    page.get_by_label("Dose number").fill("1")
    page.get_by_label("Date given").fill(today.isoformat())
    page.get_by_label("Expiration date").fill((today + dt.timedelta(days=60)).isoformat())
    page.get_by_label("Site").select_option(label="Left deltoid")
    page.get_by_label("Given by (vaccinator's name)").fill("Nina Nurse")
    page.get_by_role("button", name="Record the dose").click()
    page.get_by_role("alert").filter(has_text="Enter the lot number from the vial.").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "1-refused")

    page.get_by_label("Lot number").fill("EL0140")
    page.get_by_role("button", name="Record the dose").click()
    page.get_by_text("Dose 1 of Pfizer-BioNTech is on the vaccine record.").wait_for()
    page.get_by_role("cell", name="EL0140").wait_for()
    page.get_by_role("cell", name="Pending (Add)").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "2-recorded")

    dose = Dose.objects.get()
    assert (dose.lot_number, dose.site, dose.route, str(dose.amount_ml)) == (
        "EL0140",
        "LD",
        "IM",
        "0.30",
    )
    assert list(NcirMessage.objects.values_list("action", flat=True)) == ["A"]
