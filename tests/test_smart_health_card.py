"""The SMART Health Card on the recipient portal's vaccine record (spec.smarthealth.cards):
what the card says, that it verifies with the keys published at /.well-known/jwks.json (and
nothing changed does), its QR code, the key's id, rotation, and who gets which card.

Verification here is a verifier's: the JWS is taken apart by hand and checked with jwcrypto
against the key set fetched from the portal, never with the portal's own code."""

import base64
import datetime as dt
import hashlib
import json
import random
import string
import zlib
from pathlib import Path

import pytest
import time_machine
import zxingcpp
from django.utils import timezone
from jwcrypto import jwk, jws

from portal import healthcards
from portal.models import Dose
from tests.helpers import make_full_dose, make_location, make_portal_recipient, signed_in

pytestmark = pytest.mark.django_db

CARD_URL = "/portal/record/card.smart-health-card"
JWKS_URL = "/.well-known/jwks.json"


@pytest.fixture
def pat(demo_clinic):
    return make_portal_recipient(
        demo_clinic,
        first_name="Pat",
        last_name="Lee",
        email="pat@example.com",
        date_of_birth=dt.date(1961, 7, 4),
    )


@pytest.fixture
def pat_client(client, pat):
    return signed_in(client, pat.account)


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _downloaded(client) -> str:
    response = client.get(CARD_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/smart-health-card"
    (card,) = json.loads(response.content)["verifiableCredential"]
    return card


def _verified_claims(client, card: str) -> dict:
    """What a verifier does: the key named by `kid` from the issuer's published set, the
    signature checked, the payload inflated (raw DEFLATE)."""
    header = json.loads(_b64(card.split(".")[0]))
    key_set = jwk.JWKSet.from_json(client.get(JWKS_URL).content)
    key = key_set.get_key(header["kid"])
    assert key is not None, "no published key has the card's kid"
    token = jws.JWS()
    token.deserialize(card)
    token.verify(key, alg="ES256")
    return json.loads(zlib.decompress(token.payload, wbits=-15))


def _decode_qr(qr) -> str:
    """The QR code read back by an independent decoder (ZXing), from its pixels."""
    rows = [bytes(0 if dark else 255 for dark in row) for row in qr.matrix_iter(scale=4)]
    image = memoryview(b"".join(rows)).cast("B", (len(rows), len(rows[0])))
    (result,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return result.text


def _jws_from_qr_text(text: str) -> str:
    assert text.startswith("shc:/")
    digits = text.removeprefix("shc:/")
    assert digits.isdigit() and len(digits) % 2 == 0
    return "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))


def _bundle(claims: dict) -> dict:
    return claims["vc"]["credentialSubject"]["fhirBundle"]


def _immunizations(claims: dict) -> list[dict]:
    return [
        entry["resource"]
        for entry in _bundle(claims)["entry"]
        if entry["resource"]["resourceType"] == "Immunization"
    ]


def _keys_anywhere(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys_anywhere(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys_anywhere(item)}
    return set()


# The card verifies, through its QR code, and a changed one does not ----------------------------


def test_the_card_round_trips_through_its_qr_code_and_verifies_with_the_published_keys(
    pat_client, pat, demo_clinic
):
    make_full_dose(pat, given_on=dt.date(2021, 3, 1), location=demo_clinic, lot_number="EW0182")
    card = _downloaded(pat_client)

    scanned = _jws_from_qr_text(_decode_qr(healthcards.qr_code(card)))
    assert scanned == card
    claims = _verified_claims(pat_client, scanned)

    assert claims["iss"] == "https://portal.example"
    (immunization,) = _immunizations(claims)
    assert immunization["vaccineCode"]["coding"][0]["code"] == "208"
    assert immunization["lotNumber"] == "EW0182"


def test_a_card_with_one_character_changed_is_rejected(pat_client, pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic)
    card = _downloaded(pat_client)
    _verified_claims(pat_client, card)  # as issued, it verifies
    header, payload, signature = card.split(".")
    middle = len(payload) // 2
    changed = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1 :]

    with pytest.raises(jws.InvalidJWSSignature):
        _verified_claims(pat_client, f"{header}.{changed}.{signature}")


# What the card says -----------------------------------------------------------------------------


def test_the_header_names_the_key_and_the_payload_is_minified_raw_deflate(pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic)
    card = healthcards.health_card(pat)
    header, payload, _signature = card.split(".")

    assert json.loads(_b64(header)) == {
        "zip": "DEF",
        "alg": "ES256",
        "kid": healthcards.signing_key().thumbprint(),
    }
    with pytest.raises(zlib.error):
        zlib.decompress(_b64(payload))  # no zlib header: raw DEFLATE
    minified = zlib.decompress(_b64(payload), wbits=-15)
    claims = json.loads(minified)
    assert minified == json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()


def test_the_bundle_holds_the_patient_as_registered_and_the_dose_given(pat, demo_clinic):
    make_full_dose(pat, given_on=dt.date(2021, 3, 1), location=demo_clinic, lot_number="EW0182")
    make_full_dose(
        pat, number=2, given_on=dt.date(2021, 3, 22), location=demo_clinic, lot_number="EN6201"
    )
    issued = dt.datetime(2021, 4, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(issued, tick=False):
        claims = json.loads(zlib.decompress(_b64(healthcards.health_card(pat).split(".")[1]), -15))

    assert claims["iss"] == "https://portal.example"
    assert claims["nbf"] == int(issued.timestamp())
    assert claims["vc"]["type"] == [
        "https://smarthealth.cards#health-card",
        "https://smarthealth.cards#immunization",
    ]
    assert claims["vc"]["credentialSubject"]["fhirVersion"] == "4.0.1"
    bundle = _bundle(claims)
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    assert [entry["fullUrl"] for entry in bundle["entry"]] == [
        "resource:0",
        "resource:1",
        "resource:2",
    ]
    assert bundle["entry"][0]["resource"] == {
        "resourceType": "Patient",
        "name": [{"family": "Lee", "given": ["Pat"]}],
        "birthDate": "1961-07-04",
    }
    assert _immunizations(claims) == [
        {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": "2021-03-01",
            "performer": [{"actor": {"display": "Demo Clinic"}}],
            "lotNumber": "EW0182",
        },
        {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": "2021-03-22",
            "performer": [{"actor": {"display": "Demo Clinic"}}],
            "lotNumber": "EN6201",
        },
    ]
    # As small as a QR code's card must be: no ids, meta, narrative or displays.
    assert _keys_anywhere(bundle) & {"id", "meta", "text", "display"} == {"display"}
    assert all(
        "display" not in coding
        for immunization in _immunizations(claims)
        for coding in immunization["vaccineCode"]["coding"]
    )


def test_doses_not_given_in_full_or_still_being_completed_are_left_off(pat, demo_clinic):
    make_full_dose(pat, number=1, location=demo_clinic, lot_number="GIVEN1")
    make_full_dose(pat, number=2, location=demo_clinic, lot_number="NOLOTNO", site="")
    make_full_dose(
        pat,
        number=3,
        location=demo_clinic,
        lot_number="REFUSED",
        completion=Dose.Completion.REFUSED,
    )
    make_full_dose(pat, number=4, lot_number="PARTIAL", completion=Dose.Completion.PARTIAL)

    record = healthcards.card_record(pat)
    claims = json.loads(zlib.decompress(_b64(healthcards.health_card(pat).split(".")[1]), -15))

    assert [immunization["lotNumber"] for immunization in _immunizations(claims)] == ["GIVEN1"]
    assert record.pending == 1  # dose 2, given but its site not recorded yet


def test_a_dose_of_a_product_without_its_cvx_code_waits_off_the_card(pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic, cvx_code="")
    assert healthcards.health_card(pat) is None
    assert healthcards.card_record(pat).pending == 1


def test_a_removed_recipient_gets_no_card(pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic)
    pat.removed_at = timezone.now()
    pat.save(update_fields=["removed_at"])

    assert healthcards.health_card(pat) is None


def test_the_largest_plausible_record_fits_one_qr_code(demo_clinic):
    # Long names, six doses (primary series and boosters) at six places with long names,
    # lot numbers of ten random characters: still one QR code of version 22 or less.
    chance = random.Random(26)
    person = make_portal_recipient(
        demo_clinic,
        first_name="Maria Guadalupe Alejandra",
        last_name="Hernandez-Rodriguez de la Cruz",
        email="maria@example.com",
    )
    for number in range(1, 7):
        place = make_location(
            f"NCA66{number:04d}",
            f"{chance.choice(['Wake', 'Durham', 'Mecklenburg'])} County "
            f"Public Health Department Mass Vaccination Site {number}",
        )
        lot = "".join(chance.choices(string.ascii_uppercase + string.digits, k=10))
        make_full_dose(
            person, number=number, location=place, lot_number=lot,
            given_on=dt.date(2021, 1, 4) + dt.timedelta(days=120 * number),
        )  # fmt: skip

    card = healthcards.health_card(person)

    assert len(healthcards.card_record(person).doses) == 6
    assert len(card) <= healthcards.QR_MAX_JWS_LENGTH
    qr = healthcards.qr_code(card)
    assert qr.version <= 22 and qr.error == "L"
    assert _jws_from_qr_text(_decode_qr(qr)) == card


# The QR code ------------------------------------------------------------------------------------


def test_the_qr_code_is_shc_then_two_digits_per_character(pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic)
    card = healthcards.health_card(pat)
    qr = healthcards.qr_code(card)

    text = _decode_qr(qr)

    assert text == "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in card)
    assert qr.mode is None  # segno says None when the code has more than one segment
    assert qr.error == "L"


def test_a_qr_code_is_refused_for_a_card_past_one_code():
    with pytest.raises(ValueError, match="does not fit one QR code"):
        healthcards.qr_code("e" * (healthcards.QR_MAX_JWS_LENGTH + 1))


# The keys ---------------------------------------------------------------------------------------


def test_kid_is_the_rfc_7638_thumbprint_of_the_published_key(client, pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic)
    (published,) = client.get(JWKS_URL).json()["keys"]
    # RFC 7638 section 3: the required members only, in lexicographic order, no whitespace.
    members = {name: published[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=")

    assert published["kid"] == thumbprint.decode()
    card_header = json.loads(_b64(healthcards.health_card(pat).split(".")[0]))
    assert card_header["kid"] == published["kid"]


def test_the_published_keys_are_public_es256_keys_any_origin_may_fetch(client):
    response = client.get(JWKS_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    (key,) = response.json()["keys"]
    assert {name: key[name] for name in ("kty", "crv", "use", "alg")} == {
        "kty": "EC",
        "crv": "P-256",
        "use": "sig",
        "alg": "ES256",
    }
    assert set(key) == {"kty", "kid", "use", "alg", "crv", "x", "y"}  # never "d"


def test_cards_signed_before_a_rotation_still_verify(settings, tmp_path, pat_client, pat):
    make_full_dose(pat)
    old_card = _downloaded(pat_client)
    old_key = jwk.JWK.from_pem(Path(settings.SHC_PRIVATE_KEY_FILE).read_bytes())
    # The rotation as the README has it: a new signing key; the old one's public half kept.
    (tmp_path / "new.pem").write_bytes(healthcards.new_private_key_pem())
    (tmp_path / "previous.pem").write_bytes(old_key.export_to_pem(private_key=False))
    settings.SHC_PRIVATE_KEY_FILE = str(tmp_path / "new.pem")
    settings.SHC_PREVIOUS_PUBLIC_KEYS_FILE = str(tmp_path / "previous.pem")

    new_card = _downloaded(pat_client)

    kids = [key["kid"] for key in pat_client.get(JWKS_URL).json()["keys"]]
    assert kids == [healthcards.signing_key().thumbprint(), old_key.thumbprint()]
    assert json.loads(_b64(new_card.split(".")[0]))["kid"] == kids[0]
    assert _verified_claims(pat_client, old_card)["iss"] == "https://portal.example"
    assert _verified_claims(pat_client, new_card)["iss"] == "https://portal.example"


def test_without_the_previous_key_published_an_old_card_no_longer_verifies(
    settings, tmp_path, pat_client, pat
):
    # What removing a compromised key from the set does (the spec's answer to a leak).
    make_full_dose(pat)
    old_card = _downloaded(pat_client)
    (tmp_path / "new.pem").write_bytes(healthcards.new_private_key_pem())
    settings.SHC_PRIVATE_KEY_FILE = str(tmp_path / "new.pem")

    with pytest.raises(AssertionError, match="no published key has the card's kid"):
        _verified_claims(pat_client, old_card)


# The record page and the download ---------------------------------------------------------------


def test_the_record_page_shows_the_qr_code_and_the_download_link(pat_client, pat, demo_clinic):
    make_full_dose(pat, location=demo_clinic)

    page = pat_client.get("/portal/record/").content.decode()

    assert '<img src="data:image/svg+xml' in page
    assert 'alt="QR code of the SMART Health Card of Pat Lee' in page
    assert f'href="{CARD_URL}"' in page
    assert "Download SMART Health Card (.smart-health-card)" in page


def test_home_links_to_the_record_page_once_a_dose_is_recorded(pat_client, pat):
    assert "/portal/record/" not in pat_client.get("/portal/").content.decode()
    make_full_dose(pat)
    assert 'href="/portal/record/"' in pat_client.get("/portal/").content.decode()


def test_a_dose_still_being_completed_is_explained_and_gives_no_card(pat_client, pat):
    make_full_dose(pat, lot_number="")  # given, recorded before the full record existed

    page = pat_client.get("/portal/record/").content.decode()

    assert "Your dose record is being completed by your provider." in page
    assert "data:image/svg+xml" not in page and CARD_URL not in page
    assert pat_client.get(CARD_URL).status_code == 404


def test_without_doses_the_page_says_when_the_card_comes(pat_client):
    page = pat_client.get("/portal/record/").content.decode()
    assert "Your SMART Health Card will be here once a COVID-19 vaccine dose is recorded" in page
    assert pat_client.get(CARD_URL).status_code == 404


def test_the_download_is_the_signed_in_recipient_s_own_card(client, pat, demo_clinic):
    make_full_dose(pat)
    kim = make_portal_recipient(
        demo_clinic, first_name="Kim", last_name="Lee", email="kim@example.com"
    )
    make_full_dose(kim, lot_number="KIMSLOT")
    client.force_login(kim.account)

    claims = _verified_claims(client, _downloaded(client))

    assert _bundle(claims)["entry"][0]["resource"]["name"] == [{"family": "Lee", "given": ["Kim"]}]
    assert [i["lotNumber"] for i in _immunizations(claims)] == ["KIMSLOT"]


def test_the_download_is_never_stored_by_a_cache(pat_client, pat):
    make_full_dose(pat)
    response = pat_client.get(CARD_URL)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.smart-health-card"')


@pytest.mark.parametrize("url", ["/portal/record/", CARD_URL])
def test_it_sends_anyone_signed_out_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/?next=")


@pytest.mark.parametrize("url", ["/portal/record/", CARD_URL])
def test_it_sends_a_provider_to_the_portal_s_sign_in(client, alice, url):
    client.force_login(alice)
    assert client.get(url)["Location"].startswith("/portal/login/")


def test_a_removed_recipient_is_signed_out_of_their_card(pat_client, pat):
    make_full_dose(pat)
    pat.removed_at = timezone.now()
    pat.save(update_fields=["removed_at"])

    response = pat_client.get(CARD_URL)

    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


def test_it_rejects_post(pat_client, pat):
    make_full_dose(pat)
    assert pat_client.post(CARD_URL).status_code == 405
