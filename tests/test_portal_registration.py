"""The COVID-19 Vaccination Registration form: one step per page, each step's rules, Pause and
resume on "Check your answers", Submit and the group it shows, the vaccine record, and one
recipient's pages never showing another's."""

import datetime as dt

import pytest

from portal.models import Dose, Product, Registration
from tests.helpers import make_recipient, make_user, seed_vaccine_groups, signed_in

pytestmark = pytest.mark.django_db

ABOUT = {"sex": "female"}
RACE = {"races": ["asian"], "ethnicity": "not_hispanic"}
ADDRESS = {
    "address_line1": "1 Main St",
    "address_line2": "",
    "city": "Raleigh",
    "state": "NC",
    "zip_code": "27601",
    "county": "Wake",
}
CONTACT = {"phone": "", "language": "en", "contact_method": "email", "reminder_consent": "on"}
NOBODY_SPECIAL = {
    "health_care_worker": "no",
    "long_term_care": "no",
    "works_in_person": "no",
    "sector": "",
    "high_risk_condition": "no",
    "congregate_living": "no",
}
ALL_STEPS = [
    ("about-you", ABOUT),
    ("race-and-ethnicity", RACE),
    ("home-address", ADDRESS),
    ("contact", CONTACT),
    ("find-my-group", NOBODY_SPECIAL),
]


@pytest.fixture(autouse=True)
def _groups(db):
    seed_vaccine_groups()


def _recipient(location, first, email, born=dt.date(1990, 1, 2), number=""):
    user = make_user(email, username=f"{email}.covid19vaccine{number}")
    return make_recipient(
        location, first_name=first, last_name="Lee", email=email, date_of_birth=born, account=user
    )


@pytest.fixture
def pat(demo_clinic):
    return _recipient(demo_clinic, "Pat", "pat@example.com")


@pytest.fixture
def pat_client(client, pat):
    return signed_in(client, pat.account)


def _post(client, slug, data, action="continue"):
    return client.post(f"/portal/registration/{slug}/", {**data, action: ""})


def _answer_all(client, steps=ALL_STEPS):
    for slug, data in steps:
        response = _post(client, slug, data)
        assert response.status_code == 302, (slug, response.content[:3000])
    return response


def test_home_offers_start_then_continue_then_view(pat_client):
    home = pat_client.get("/portal/").content.decode()
    assert "COVID-19 Vaccine Registration" in home and "Start" in home
    assert 'href="/portal/registration/about-you/"' in home
    assert "A COVID-19 Vaccine Portal account is not required to receive a COVID-19 vaccine" in home
    assert "https://covid19.ncdhhs.gov/findyourspot" in home
    assert "(888)-675-4567" in home and "(877) 873-6247" not in home  # the recipient help line
    _post(pat_client, "about-you", ABOUT)
    home = pat_client.get("/portal/").content.decode()
    assert "Continue" in home and 'href="/portal/registration/check/"' in home
    _answer_all(pat_client)
    pat_client.post("/portal/registration/check/")
    home = pat_client.get("/portal/").content.decode()
    assert "View" in home


def test_about_you_shows_the_loaded_name_and_birth_date_read_only(pat_client):
    page = pat_client.get("/portal/registration/about-you/").content.decode()
    assert "Pat Lee" in page and "January 2, 1990" in page
    assert 'name="first_name"' not in page and 'name="date_of_birth"' not in page
    assert 'href="/portal/"' in page  # back to home from the first step


def test_each_step_continues_to_the_next_then_check_your_answers(pat_client):
    for (slug, data), following in zip(
        ALL_STEPS,
        [
            "/portal/registration/race-and-ethnicity/",
            "/portal/registration/home-address/",
            "/portal/registration/contact/",
            "/portal/registration/find-my-group/",
            "/portal/registration/check/",
        ],
        strict=True,
    ):
        assert _post(pat_client, slug, data).url == following
    page = pat_client.get("/portal/registration/race-and-ethnicity/").content.decode()
    assert 'href="/portal/registration/about-you/"' in page  # back to the previous step


def _errors(response) -> str:
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and 'tabindex="-1"' in page and "autofocus" in page
    return page


def test_a_step_left_blank_says_what_is_missing_and_links_to_it(pat_client):
    page = _errors(_post(pat_client, "about-you", {}))
    assert 'href="#id_sex_0"' in page and 'id="id_sex_0"' in page
    assert not Registration.objects.exists()


def test_prefer_not_to_answer_race_is_exclusive(pat_client):
    page = _errors(_post(pat_client, "race-and-ethnicity", {**RACE, "races": ["asian", "unsaid"]}))
    assert "Prefer not to answer" in page and 'href="#id_races_0"' in page
    assert _post(pat_client, "race-and-ethnicity", {**RACE, "races": ["unsaid"]}).status_code == 302
    both = {**RACE, "races": ["asian", "white"]}
    assert _post(pat_client, "race-and-ethnicity", both).status_code == 302
    assert Registration.objects.get().races == ["asian", "white"]


def test_county_is_required_for_a_north_carolina_address_only(pat_client):
    page = _errors(_post(pat_client, "home-address", {**ADDRESS, "county": ""}))
    assert "Choose your county" in page and 'href="#id_county"' in page
    elsewhere = {**ADDRESS, "state": "VA", "county": "Wake", "zip_code": "22201"}
    assert _post(pat_client, "home-address", elsewhere).status_code == 302
    registration = Registration.objects.get()
    assert (registration.state, registration.county) == ("VA", "")


def test_zip_code_and_state_are_checked(pat_client):
    page = _errors(_post(pat_client, "home-address", {**ADDRESS, "zip_code": "2760"}))
    assert "Enter a ZIP code" in page
    assert (
        _post(pat_client, "home-address", {**ADDRESS, "zip_code": "27601-1234"}).status_code == 302
    )
    _errors(_post(pat_client, "home-address", {**ADDRESS, "state": "XX"}))
    _errors(_post(pat_client, "home-address", {**ADDRESS, "county": "Atlantis"}))


@pytest.mark.parametrize("method", ["text", "phone"])
def test_a_phone_is_required_to_be_texted_or_called(pat_client, method):
    page = _errors(_post(pat_client, "contact", {**CONTACT, "contact_method": method}))
    assert "Enter a phone number" in page and 'href="#id_phone"' in page
    with_phone = {**CONTACT, "contact_method": method, "phone": "(919) 555-0123"}
    assert _post(pat_client, "contact", with_phone).status_code == 302
    assert Registration.objects.get().phone.as_e164 == "+19195550123"


def test_the_phone_is_optional_for_email_and_must_be_a_us_number(pat_client):
    assert _post(pat_client, "contact", CONTACT).status_code == 302
    registration = Registration.objects.get()
    assert registration.phone == "" and registration.reminder_consent is True
    _errors(_post(pat_client, "contact", {**CONTACT, "phone": "12"}))


def test_sector_is_required_when_working_in_person(pat_client):
    in_person = {**NOBODY_SPECIAL, "works_in_person": "yes"}
    page = _errors(_post(pat_client, "find-my-group", in_person))
    assert "Choose the sector you work in" in page and 'href="#id_sector"' in page
    assert (
        _post(pat_client, "find-my-group", {**in_person, "sector": "education"}).status_code == 302
    )
    assert Registration.objects.get().sector == "education"
    # Not in person: a sector chosen before is dropped.
    assert _post(pat_client, "find-my-group", {**NOBODY_SPECIAL, "sector": "education"}).url
    assert Registration.objects.get().sector == ""


def test_every_find_my_group_question_needs_an_answer(pat_client):
    page = _errors(_post(pat_client, "find-my-group", {}))
    for name in ("health_care_worker", "long_term_care", "works_in_person"):
        assert f'href="#id_{name}_0"' in page


def test_pause_saves_and_goes_home_and_resume_lands_on_check_your_answers(pat_client):
    _post(pat_client, "about-you", ABOUT)
    response = _post(pat_client, "race-and-ethnicity", RACE, action="pause")
    assert response.url == "/portal/"
    home = pat_client.get("/portal/").content.decode()
    assert "Your answers are saved. Continue any time." in home
    assert Registration.objects.get().races == ["asian"]
    pat_client.post("/portal/logout/")
    pat_client.post(
        "/portal/login/",
        {"username": "pat@example.com.covid19vaccine", "password": "correct horse battery staple"},
    )
    check = pat_client.get("/portal/registration/check/").content.decode()
    assert "Check your answers" in check
    assert "Asian" in check and "Female" in check
    for slug, _ in ALL_STEPS:
        assert f'href="/portal/registration/{slug}/"' in check  # a Change link per step
    assert "Continue with Home address" in check  # the first unanswered step
    assert "Submit your registration" not in check  # not until every step is answered


def test_pause_keeps_what_is_valid_and_needs_nothing_required(pat_client):
    partial = {"address_line1": "1 Main St", "state": "NC", "zip_code": "27", "county": ""}
    assert _post(pat_client, "home-address", partial, action="pause").url == "/portal/"
    registration = Registration.objects.get()
    assert registration.address_line1 == "1 Main St" and registration.zip_code == ""
    home = pat_client.get("/portal/").content.decode()
    assert "were not valid were not saved" in home
    # The next visit to the page shows what was kept.
    assert (
        'value="1 Main St"' in pat_client.get("/portal/registration/home-address/").content.decode()
    )


def test_submit_shows_the_group_the_answers_place_the_recipient_in(pat_client):
    teacher = {**NOBODY_SPECIAL, "works_in_person": "yes", "sector": "education"}
    _answer_all(pat_client, [*ALL_STEPS[:4], ("find-my-group", teacher)])
    check = pat_client.get("/portal/registration/check/").content.decode()
    assert "Education (child care, pre-K–12)" in check and "Submit" in check
    response = pat_client.post("/portal/registration/check/")
    assert response.url == "/portal/"
    home = pat_client.get("/portal/").content.decode()
    assert "Your vaccine group: Group 3" in home
    assert "Frontline essential workers" in home
    assert "Group 3 is currently being vaccinated, since February 24, 2021." in home
    assert Registration.objects.get().is_submitted


def test_an_older_adult_with_no_other_answer_is_in_group_2(client, demo_clinic):
    elder = _recipient(demo_clinic, "Ed", "ed@example.com", born=dt.date(1940, 5, 6))
    client.force_login(elder.account)
    _answer_all(client)
    client.post("/portal/registration/check/")
    assert "Your vaccine group: Group 2" in client.get("/portal/").content.decode()


def test_submit_before_every_step_is_answered_goes_to_the_missing_step(pat_client):
    _post(pat_client, "about-you", ABOUT)
    response = pat_client.post("/portal/registration/check/")
    assert response.url == "/portal/registration/race-and-ethnicity/"
    assert not Registration.objects.get().is_submitted


def test_submit_holds_a_paused_step_to_the_rules_continue_would_apply(pat_client):
    _answer_all(pat_client, [step for step in ALL_STEPS if step[0] != "contact"])
    texted_without_a_phone = {**CONTACT, "contact_method": "text"}
    _post(pat_client, "contact", texted_without_a_phone, action="pause")
    response = pat_client.post("/portal/registration/check/")
    assert response.url == "/portal/registration/contact/"
    assert not Registration.objects.get().is_submitted


def test_a_submitted_registration_is_read_only(pat_client):
    _answer_all(pat_client)
    pat_client.post("/portal/registration/check/")
    view = pat_client.get("/portal/registration/check/").content.decode()
    assert "Your COVID-19 Vaccination Registration" in view
    assert 'href="/portal/registration/about-you/"' not in view
    response = _post(pat_client, "about-you", {"sex": "male"})
    assert response.url == "/portal/registration/check/"
    assert Registration.objects.get().sex == "female"


def test_check_your_answers_before_any_answer_starts_the_form(pat_client):
    assert pat_client.get("/portal/registration/check/").url == "/portal/registration/about-you/"


def test_an_unknown_step_is_404(pat_client):
    assert pat_client.get("/portal/registration/nope/").status_code == 404


def test_home_shows_the_vaccine_record(pat_client, pat, demo_clinic):
    pfizer = Product.objects.get(name="Pfizer-BioNTech")
    Dose.objects.create(
        recipient=pat, product=pfizer, dose_number=1, given_on=dt.date(2021, 3, 1),
        location=demo_clinic,
    )  # fmt: skip
    home = pat_client.get("/portal/").content.decode()
    assert "Your vaccine record" in home
    assert "Pfizer-BioNTech" in home and "March 1, 2021" in home and "Demo Clinic" in home


def test_a_second_recipient_sees_only_their_own_registration(client, demo_clinic, pat):
    pat_browser = client
    pat_browser.force_login(pat.account)
    _answer_all(pat_browser)
    pat_browser.post("/portal/registration/check/")
    Dose.objects.create(
        recipient=pat, product=Product.objects.get(name="Moderna"), dose_number=1,
        given_on=dt.date(2021, 3, 1),
    )  # fmt: skip

    kim = _recipient(demo_clinic, "Kim", "pat@example.com", number="2")  # same family email
    kim_browser = type(client)()
    kim_browser.force_login(kim.account)
    home = kim_browser.get("/portal/").content.decode()
    assert "Welcome, Kim Lee" in home and "Pat" not in home
    assert "Your vaccine group" not in home and "Moderna" not in home
    assert "Start" in home
    assert kim_browser.get("/portal/registration/check/").url == "/portal/registration/about-you/"
    page = kim_browser.get("/portal/registration/race-and-ethnicity/").content.decode()
    assert "checked" not in page  # none of Pat's answers
    _post(kim_browser, "about-you", {"sex": "male"})
    assert Registration.objects.get(recipient=pat).sex == "female"
    assert Registration.objects.get(recipient=kim).sex == "male"
