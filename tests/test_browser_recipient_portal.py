"""The recipient portal in a browser, as the guide walks it: the welcome email's link, the
password, the home page, the registration started, paused, resumed after signing in again,
finished and submitted, and the vaccine group shown. axe and the 390 px check on every kind of
page; screenshots at 1280 and 390 px for a person to look at. And once in Spanish: the switch
on the sign-in page, then the home and the registration in Spanish."""

import datetime as dt
import re

import pytest

from portal.emails import welcome_message
from tests.helpers import (
    PASSWORD,
    accessible,
    make_dose,
    make_recipient,
    make_registration,
    make_user,
    screenshot_both_widths,
    seed_vaccine_groups,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_recipient_sets_a_password_registers_pauses_resumes_and_sees_the_group(
    page, screenshot, demo_clinic
):
    seed_vaccine_groups()
    user = make_user("rosa@example.com", password=None, username="rosa@example.com.covid19vaccine")
    make_recipient(
        demo_clinic,
        first_name="Rosa",
        last_name="Diaz",
        email="rosa@example.com",
        date_of_birth=dt.date(1985, 6, 7),
        account=user,
    )
    body = welcome_message(user).body
    link = re.search(r"https://portal\.example(/portal/setup/\S+/)", body).group(1)
    username = re.search(r"Username: (\S+)", body).group(1)

    page.goto(link)
    page.get_by_role("heading", name="Create your password").wait_for()
    page.get_by_role("button", name="Create password").click()  # empty: errors
    page.get_by_role("alert").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    accessible(page)
    screenshot_both_widths(page, screenshot, "1-password-error")
    page.get_by_label("New password", exact=True).fill("rosas-own-long-password")
    page.get_by_label("New password confirmation").fill("rosas-own-long-password")
    page.get_by_role("button", name="Create password").click()

    page.get_by_role("heading", name="Welcome, Rosa Diaz").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "2-home-new")
    page.get_by_role("link", name="Start your registration").click()

    page.get_by_role("heading", name="About you").wait_for()
    page.get_by_role("button", name="Continue").click()  # nothing chosen
    page.get_by_role("alert").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "3-about-you-error")
    page.get_by_role("alert").get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_sex_0"
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Race and ethnicity").wait_for()
    accessible(page)
    page.get_by_label("Black or African American").check()
    page.get_by_label("Not Hispanic or Latino").check()
    screenshot_both_widths(page, screenshot, "4-race")
    page.get_by_role("button", name="Pause").click()

    page.get_by_text("Your answers are saved. Continue any time.").wait_for()
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("heading", name="Log in to the COVID-19 Vaccine Portal").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "5-login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("rosas-own-long-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Continue your registration").click()

    page.get_by_role("heading", name="Check your answers").wait_for()
    assert page.get_by_text("Black or African American").is_visible()
    accessible(page)
    screenshot_both_widths(page, screenshot, "6-check-partial")
    page.get_by_role("link", name="Continue with Home address").click()

    page.get_by_role("heading", name="Home address").wait_for()
    page.get_by_label("Street address").fill("12 Oak Ave")
    page.get_by_label("City").fill("Durham")
    page.get_by_label("ZIP code").fill("27701")
    page.get_by_role("button", name="Continue").click()  # no county
    page.get_by_role("alert").get_by_text("Choose your county").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "7-address-error")
    page.get_by_label("County").select_option("Durham")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="How to reach you").wait_for()
    accessible(page)
    page.get_by_label("English").check()
    page.get_by_label("Text message").check()
    page.get_by_label("Phone number (optional)").fill("919-555-0147")
    page.get_by_label("Send me a reminder when my second dose is due").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Find My Group").wait_for()
    questions = page.locator("fieldset")
    for index in range(questions.count()):
        questions.nth(index).get_by_label("No").check()
    page.locator("fieldset", has_text="Do you work in person").get_by_label("Yes").check()
    page.get_by_label("Which sector do you work in?").select_option(label="Food and agriculture")
    accessible(page)
    screenshot_both_widths(page, screenshot, "8-find-my-group")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Check your answers").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "9-check-complete")
    page.get_by_role("button", name="Submit").click()

    # A frontline essential worker (food and agriculture), 35 years old: Group 3.
    page.get_by_role("heading", name="Your vaccine group: Group 3").wait_for()
    assert page.get_by_text("Frontline essential workers").is_visible()
    assert page.get_by_text(
        "Group 3 is currently being vaccinated, since February 24, 2021."
    ).is_visible()
    accessible(page)
    screenshot_both_widths(page, screenshot, "10-home-submitted")
    page.get_by_role("link", name="View your registration").click()
    page.get_by_role("heading", name="Your COVID-19 Vaccination Registration").wait_for()
    assert page.get_by_role("link", name=re.compile("^Change")).count() == 0
    accessible(page)


def test_the_other_recipient_pages_pass_axe_and_fit_a_phone(page, screenshot, demo_clinic):
    user = make_user("lee@example.com", password=None, username="lee@example.com.covid19vaccine")
    make_recipient(demo_clinic, email="lee@example.com", account=user)
    page.goto("/portal/password/forgot/")
    accessible(page)
    page.get_by_label("Username").fill("lee@example.com.covid19vaccine")
    page.get_by_role("button", name="Send reset link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    accessible(page)
    page.goto("/portal/setup/MQ/forged-token/")
    page.get_by_role("heading", name="This link no longer works").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "link-no-longer-works")
    page.goto("/portal/login/")
    page.get_by_label("Username").fill("lee@example.com.covid19vaccine")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()
    accessible(page)


def test_a_recipient_switches_to_spanish_signs_in_and_sees_the_home_in_spanish(
    page, screenshot, demo_clinic
):
    seed_vaccine_groups()
    user = make_user("ana@example.com", username="ana@example.com.covid19vaccine")
    # A long name: Spanish is longer than English too, and all of it must fit a phone.
    ana = make_recipient(
        demo_clinic,
        first_name="María Guadalupe",
        last_name="Hernández Villanueva",
        email="ana@example.com",
        date_of_birth=dt.date(1985, 6, 7),
        account=user,
    )
    make_registration(ana)
    make_dose(ana, given_on=dt.date(2021, 3, 4), location=demo_clinic)

    page.goto("/portal/login/")
    page.get_by_role("button", name="Español").click()
    page.get_by_role("heading", name="Inicie sesión en el Portal de Vacunas COVID-19").wait_for()
    assert page.get_attribute("html", "lang") == "es"
    accessible(page)
    screenshot_both_widths(page, screenshot, "es-1-login")
    page.get_by_label("Nombre de usuario").fill("ana@example.com.covid19vaccine")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión", exact=True).click()

    page.get_by_role(
        "heading", name="Le damos la bienvenida, María Guadalupe Hernández Villanueva"
    ).wait_for()
    assert page.get_attribute("html", "lang") == "es"
    assert page.get_by_role("heading", name="Su grupo de vacunación: Grupo 3").is_visible()
    assert page.get_by_role("cell", name="4 de marzo de 2021").is_visible()
    accessible(page)
    screenshot_both_widths(page, screenshot, "es-2-home")

    page.get_by_role("link", name="Ver su registro").click()
    page.get_by_role(
        "heading", name="Su Registro de vacunación contra el COVID-19", exact=True
    ).wait_for()
    assert page.get_by_text("Educación (cuidado infantil, de preescolar a 12.º grado)").is_visible()
    accessible(page)
    screenshot_both_widths(page, screenshot, "es-3-registration")

    # Back to English, from the same switch; remembered on the next page.
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Your COVID-19 Vaccination Registration").wait_for()
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("heading", name=re.compile("^Welcome, María Guadalupe")).wait_for()
    assert page.get_attribute("html", "lang") == "en"
