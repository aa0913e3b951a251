"""The recipient portal in Spanish: the switch on every portal page (Django's set_language),
the choice remembered in the language cookie, the browser's language followed until a choice
is made, the provider portal, help desk and admin English whatever the cookie or browser say,
and the committed catalogue complete and compiled."""

import ast
import datetime as dt
import gettext
import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.helpers import (
    make_dose,
    make_recipient,
    make_registration,
    make_user,
    seed_vaccine_groups,
    signed_in,
)

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parent.parent / "portal" / "locale" / "es" / "LC_MESSAGES"
SWITCH = '<form method="post" action="/i18n/setlang/"'


@pytest.fixture(autouse=True)
def _english_after(db):
    """A Spanish portal request leaves Spanish active in this thread (as Django's
    LocaleMiddleware does); later tests calling code directly must not inherit it."""
    seed_vaccine_groups()
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def pat(demo_clinic):
    user = make_user("pat@example.com", username="pat@example.com.covid19vaccine")
    return make_recipient(
        demo_clinic,
        first_name="Pat",
        last_name="Lee",
        email="pat@example.com",
        date_of_birth=dt.date(1990, 1, 2),
        account=user,
    )


@pytest.fixture
def pat_client(client, pat):
    return signed_in(client, pat.account)


def _switch(client, language, next_url):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]*)"', response.content.decode()).group(1)


# The switch ------------------------------------------------------------------------------------


def test_the_switch_posts_to_set_language_and_comes_back_to_the_page(client):
    page = client.get("/portal/login/?next=/portal/registration/contact/").content.decode()
    assert SWITCH in page
    assert 'name="next" value="/portal/login/?next=/portal/registration/contact/"' in page
    assert 'name="language" value="es" lang="es"' in page and ">Español</button>" in page

    response = _switch(client, "es", "/portal/login/?next=/portal/registration/contact/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/registration/contact/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(response["Location"]).content.decode()
    assert "Inicie sesión en el Portal de Vacunas COVID-19" in page
    # Back to English, named in English.
    assert 'name="language" value="en" lang="en"' in page and ">English</button>" in page


@pytest.mark.parametrize(
    "url",
    [
        "/portal/login/",
        "/portal/password/forgot/",
        "/portal/password/forgot/sent/",
        "/portal/setup/MQ/forged-token/",
        "/portal/",
        "/portal/registration/about-you/",
    ],
)
def test_every_portal_page_has_the_switch(pat, client, url):
    if url in ("/portal/", "/portal/registration/about-you/"):
        client.force_login(pat.account)
    response = client.get(url)
    assert response.status_code == 200
    assert SWITCH in response.content.decode()


def test_a_signed_in_recipient_s_home_is_in_spanish_after_switching(pat_client, pat):
    make_registration(pat)
    make_dose(pat, given_on=dt.date(2021, 3, 4))
    assert _switch(pat_client, "es", "/portal/")["Location"] == "/portal/"

    response = pat_client.get("/portal/")

    page = response.content.decode()
    assert _html_lang(response) == "es"
    assert response["Content-Language"] == "es"
    assert "Le damos la bienvenida, Pat Lee" in page
    assert "Su grupo de vacunación: Grupo 3" in page
    assert "Su historial de vacunación" in page
    assert "4 de marzo de 2021" in page  # the dose, as Spanish writes a date
    assert "Cerrar sesión" in page and "Log out" not in page
    assert "Saltar al contenido" in page


def test_a_registration_step_is_in_spanish_with_django_s_own_messages(pat_client):
    _switch(pat_client, "es", "/portal/registration/home-address/")

    page = pat_client.get("/portal/registration/home-address/").content.decode()
    assert "Domicilio" in page and "Paso 3 de 5" in page
    assert "Código postal" in page and "Condado" in page
    assert '<option value="NC" selected>Carolina del Norte</option>' in page

    response = pat_client.post("/portal/registration/home-address/", {"continue": ""})
    assert response.status_code == 400
    assert _html_lang(response) == "es"
    page = response.content.decode()
    assert "Hay un problema" in page
    assert "Este campo es obligatorio." in page  # Django's own catalogue


def test_about_you_writes_the_birth_date_in_spanish(pat_client):
    _switch(pat_client, "es", "/portal/registration/about-you/")
    page = pat_client.get("/portal/registration/about-you/").content.decode()
    assert "Sobre usted" in page
    assert "2 de enero de 1990" in page
    assert "Femenino" in page and "Prefiero no contestar" in page


def test_the_choice_is_remembered_across_requests_and_signing_out(pat_client):
    response = _switch(pat_client, "es", "/portal/")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE  # survives closing the browser
    assert cookie["httponly"]

    for url in ("/portal/", "/portal/registration/about-you/", "/portal/"):
        assert _html_lang(pat_client.get(url)) == "es"
    pat_client.post("/portal/logout/")
    login = pat_client.get("/portal/login/")
    assert _html_lang(login) == "es"
    assert "Inicie sesión" in login.content.decode()

    _switch(pat_client, "en", "/portal/login/")
    login = pat_client.get("/portal/login/")
    assert _html_lang(login) == "en"
    assert "Log in to the COVID-19 Vaccine Portal" in login.content.decode()


def test_the_browser_s_language_counts_until_a_choice_is_made(client):
    spanish_browser = {"HTTP_ACCEPT_LANGUAGE": "es-US,es;q=0.9,en;q=0.5"}
    response = client.get("/portal/login/", **spanish_browser)
    assert _html_lang(response) == "es"
    assert "Accept-Language" in response["Vary"]

    _switch(client, "en", "/portal/login/")
    assert _html_lang(client.get("/portal/login/", **spanish_browser)) == "en"


def test_english_is_the_default(client):
    response = client.get("/portal/login/")
    assert _html_lang(response) == "en"
    assert "Log in to the COVID-19 Vaccine Portal" in response.content.decode()


# Everything else stays English -------------------------------------------------------------------


SPANISH_EVERYWHERE = {"HTTP_ACCEPT_LANGUAGE": "es"}


def test_provider_pages_stay_english_with_the_spanish_cookie_or_browser(client, alice):
    _switch(client, "es", "/portal/")
    # Django's own strings: the provider sign-in form's errors.
    response = client.post("/accounts/login/", {}, **SPANISH_EVERYWHERE)
    page = response.content.decode()
    assert _html_lang(response) == "en"
    assert "This field is required." in page and "Este campo es obligatorio." not in page
    assert "Content-Language" not in response

    client.force_login(alice)
    response = client.get("/", **SPANISH_EVERYWHERE)
    assert response.status_code == 200
    assert _html_lang(response) == "en"
    assert SWITCH not in response.content.decode()


def test_the_admin_stays_english_with_the_spanish_cookie_or_browser(client, root):
    client.force_login(root)
    _switch(client, "es", "/portal/")
    page = client.get("/admin/", **SPANISH_EVERYWHERE).content.decode()
    # Django's admin catalogue has Spanish for both.
    assert "Log out" in page and "Terminar sesión" not in page
    assert "View site" in page and "Ver el sitio" not in page


def test_a_spanish_portal_page_does_not_turn_the_next_provider_page_spanish(client, alice):
    # The same thread serves both: the language is set again for every request.
    client.get("/portal/login/", **SPANISH_EVERYWHERE)
    response = client.post("/accounts/login/", {})
    assert "This field is required." in response.content.decode()


# The catalogue ---------------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file (a tiny parser: comments, flags, msgctxt, msgid, msgstr)."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": "", "msgstr": ""}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, value = line.split(" ", 1)
            entry[field] = ast.literal_eval(value)
    return entries


PO_ENTRIES = _po_entries(CATALOGUE / "django.po")
MESSAGES = [entry for entry in PO_ENTRIES if entry["msgid"]]


def test_the_catalogue_is_spanish_and_nothing_is_fuzzy():
    header = next(entry for entry in PO_ENTRIES if not entry["msgid"])
    assert "Language: es\n" in header["msgstr"]
    assert [entry for entry in PO_ENTRIES if "fuzzy" in entry["flags"]] == []
    assert len(MESSAGES) > 150  # the portal's pages, forms and answers


def test_every_message_is_translated_with_its_placeholders():
    untranslated = [entry["msgid"] for entry in MESSAGES if not entry["msgstr"].strip()]
    assert untranslated == []
    # Placeholders and markup (links, <strong>) exactly as in English.
    kept = re.compile(r"<[^>]+>|%\(\w+\)s")
    changed = [
        entry["msgid"]
        for entry in MESSAGES
        if sorted(kept.findall(entry["msgid"])) != sorted(kept.findall(entry["msgstr"]))
    ]
    assert changed == []


def test_the_committed_mo_is_compiled_from_the_po():
    data = (CATALOGUE / "django.mo").read_bytes()
    order = "<" if data[:4] == struct.pack("<I", 0x950412DE) else ">"
    (count,) = struct.unpack(f"{order}I", data[8:12])
    assert count == len(MESSAGES) + 1  # and the header: nothing more, nothing less
    with (CATALOGUE / "django.mo").open("rb") as mo_file:
        mo = gettext.GNUTranslations(mo_file)
    stale = []
    for entry in MESSAGES:
        if entry["msgctxt"] is None:
            compiled = mo.gettext(entry["msgid"])
        else:
            compiled = mo.pgettext(entry["msgctxt"], entry["msgid"])
        if compiled != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == [], "run `make messages` and commit django.mo"
