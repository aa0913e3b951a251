"""SMART Health Cards (spec.smarthealth.cards): a recipient's COVID-19 vaccinations as a
credential that any verifier checks against the keys the portal publishes at
<SITE_URL>/.well-known/jwks.json, shown as a QR code and offered as a .smart-health-card file.

Plain Python, no request: the record page, the download and the tests all call these.

- The card: a compact JWS, header {"zip": "DEF", "alg": "ES256", "kid": <RFC 7638 thumbprint>},
  whose payload is the minified JSON claims (`iss` = SITE_URL, `nbf`, `vc`) compressed with raw
  DEFLATE. The FHIR bundle is as small as the spec asks of cards shown as QR codes: no ids,
  meta, text or displays; `resource:N` references.
- What goes on it: doses given in full (completion CP) whose record is complete (lot, expiry,
  site, route, amount: `Dose.is_incomplete`) and whose product has a CVX code, of a recipient
  not removed. A dose still being completed stays off until staff fill it in.
- The keys: an ES256 (P-256) private key in a PEM file outside the database
  (SHC_PRIVATE_KEY_FILE), and after a rotation the earlier keys' public halves
  (SHC_PREVIOUS_PUBLIC_KEYS_FILE), published so that cards signed before still verify.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from jwcrypto import jwk, jws
from segno import consts

from recipients.models import Recipient

from .models import Dose

CARD_TYPES = [
    "https://smarthealth.cards#health-card",
    "https://smarthealth.cards#immunization",
]
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
FHIR_VERSION = "4.0.1"
CONTENT_TYPE = "application/smart-health-card"
# The largest QR code the spec allows (version 22, 105 x 105 modules: it still scans printed
# at 40 mm) holds a JWS of 1195 characters at error correction L, with its `shc:/` segment and
# two digits per character. Chunking a longer card over several codes is deprecated.
QR_MAX_VERSION = 22
QR_MAX_JWS_LENGTH = 1195
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)
_SIGNATURE = "ES256"


@dataclass(frozen=True)
class CardRecord:
    """What a recipient's card holds now: `doses` on it, and how many doses were given but
    wait for their record to be completed (not on the card yet)."""

    doses: list[Dose]
    pending: int


# Keys -------------------------------------------------------------------------------------------


def _keys_in(pem: bytes, setting: str) -> list[jwk.JWK]:
    blocks = [match.group(0) for match in _PEM_BLOCK.finditer(pem)]
    if not blocks:
        raise ImproperlyConfigured(f"{setting} holds no PEM key.")
    keys = []
    for block in blocks:
        try:
            key = jwk.JWK.from_pem(block)
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(
                f"{setting} holds a PEM block that is no key: {error}"
            ) from None
        public = key.export_public(as_dict=True)
        if (public.get("kty"), public.get("crv")) != ("EC", "P-256"):
            raise ImproperlyConfigured(
                f"{setting} holds a key that is not EC P-256: SMART Health Cards are ES256."
            )
        keys.append(key)
    return keys


def new_private_key_pem() -> bytes:
    """A new ES256 signing key, PEM (PKCS #8), unencrypted."""
    return jwk.JWK.generate(kty="EC", crv="P-256").export_to_pem(private_key=True, password=None)


def _make_development_key(path: Path) -> None:
    """Written whole, once: a second process starting at the same moment keeps the first's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as draft:
        draft.write(new_private_key_pem())
    try:
        os.link(draft.name, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft.name)


def signing_key() -> jwk.JWK:
    """The private key cards are signed with (SHC_PRIVATE_KEY_FILE: one PEM private key)."""
    path = Path(settings.SHC_PRIVATE_KEY_FILE)
    if settings.SHC_MAKE_DEVELOPMENT_KEY and not path.exists():
        _make_development_key(path)
    keys = _keys_in(path.read_bytes(), "SHC_PRIVATE_KEY_FILE")
    if len(keys) != 1 or not keys[0].has_private:
        raise ImproperlyConfigured("SHC_PRIVATE_KEY_FILE must hold one private key, alone.")
    return keys[0]


def previous_keys() -> list[jwk.JWK]:
    """Keys cards were signed with before the last rotations (their public halves)."""
    if not settings.SHC_PREVIOUS_PUBLIC_KEYS_FILE:
        return []
    pem = Path(settings.SHC_PREVIOUS_PUBLIC_KEYS_FILE).read_bytes()
    return _keys_in(pem, "SHC_PREVIOUS_PUBLIC_KEYS_FILE")


def kid(key: jwk.JWK) -> str:
    """The key's id: its RFC 7638 thumbprint (SHA-256, base64url), as the spec requires."""
    return key.thumbprint()


def public_jwk(key: jwk.JWK) -> dict:
    """The public half as the spec publishes it: kty, crv, x, y, and kid, use, alg. Never d."""
    public = key.export_public(as_dict=True)
    return {
        "kty": public["kty"],
        "kid": kid(key),
        "use": "sig",
        "alg": _SIGNATURE,
        "crv": public["crv"],
        "x": public["x"],
        "y": public["y"],
    }


def published_key_set() -> dict:
    """The JWK set at /.well-known/jwks.json: the signing key first, then earlier ones."""
    published: dict[str, dict] = {}
    for key in [signing_key(), *previous_keys()]:
        published.setdefault(kid(key), public_jwk(key))
    return {"keys": list(published.values())}


# The card ---------------------------------------------------------------------------------------


def card_record(recipient: Recipient) -> CardRecord:
    """The doses a card may carry now (see the module's docstring), in the order given."""
    if recipient.removed_at is not None:
        return CardRecord(doses=[], pending=0)
    given = [
        dose
        for dose in recipient.doses.select_related("product", "location").order_by(
            "given_on", "dose_number"
        )
        if dose.completion == Dose.Completion.COMPLETE
    ]
    ready = [dose for dose in given if not dose.is_incomplete and dose.product.cvx_code]
    return CardRecord(doses=ready, pending=len(given) - len(ready))


def _immunization(dose: Dose) -> dict:
    immunization: dict = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": CVX_SYSTEM, "code": dose.product.cvx_code}]},
        "patient": {"reference": "resource:0"},
        "occurrenceDateTime": dose.given_on.isoformat(),
    }
    if dose.location is not None:
        immunization["performer"] = [{"actor": {"display": dose.location.name}}]
    immunization["lotNumber"] = dose.lot_number
    return immunization


def card_claims(recipient: Recipient, doses: list[Dose], issued_at: dt.datetime) -> dict:
    """The JWT claims of a card: issuer, issuance time and the FHIR bundle (Patient first)."""
    patient = {
        "resourceType": "Patient",
        "name": [{"family": recipient.last_name, "given": [recipient.first_name]}],
        "birthDate": recipient.date_of_birth.isoformat(),
    }
    entries = [{"fullUrl": "resource:0", "resource": patient}]
    entries += [
        {"fullUrl": f"resource:{number}", "resource": _immunization(dose)}
        for number, dose in enumerate(doses, start=1)
    ]
    return {
        "iss": settings.SITE_URL,
        "nbf": int(issued_at.timestamp()),
        "vc": {
            "type": CARD_TYPES,
            "credentialSubject": {
                "fhirVersion": FHIR_VERSION,
                "fhirBundle": {"resourceType": "Bundle", "type": "collection", "entry": entries},
            },
        },
    }


def sign(claims: dict, key: jwk.JWK) -> str:
    """The compact JWS of `claims`: minified, raw DEFLATE (no zlib header), ES256."""
    minified = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    token = jws.JWS(deflate.compress(minified) + deflate.flush())
    header = {"zip": "DEF", "alg": _SIGNATURE, "kid": kid(key)}
    token.add_signature(key, alg=_SIGNATURE, protected=json.dumps(header, separators=(",", ":")))
    return token.serialize(compact=True)


def issue(recipient: Recipient, doses: list[Dose], *, now: dt.datetime | None = None) -> str:
    """A card of these doses (from card_record), as a compact JWS signed now."""
    return sign(card_claims(recipient, doses, now or timezone.now()), signing_key())


def health_card(recipient: Recipient, *, now: dt.datetime | None = None) -> str | None:
    """The recipient's card as a compact JWS, signed now; None while no dose may be on it."""
    record = card_record(recipient)
    return issue(recipient, record.doses, now=now) if record.doses else None


def card_file(card: str) -> bytes:
    """A .smart-health-card file's content (served as application/smart-health-card)."""
    return json.dumps({"verifiableCredential": [card]}).encode()


# The QR code ------------------------------------------------------------------------------------


def qr_digits(card: str) -> str:
    """The numeric segment: two digits per JWS character, ord(c) - 45 (`-` is the lowest)."""
    return "".join(f"{ord(character) - 45:02d}" for character in card)


def fits_one_qr(card: str) -> bool:
    return len(card) <= QR_MAX_JWS_LENGTH


def qr_code(card: str) -> segno.QRCode:
    """One QR code: a byte segment `shc:/`, then the numeric segment; error correction L.

    segno's automatic choice would encode `shc:/…` in one byte segment, 20% larger: the spec
    asks for the two segments explicitly. Raises ValueError for a card past one code.
    """
    if not fits_one_qr(card):
        raise ValueError(f"A card of {len(card)} characters does not fit one QR code.")
    return segno.make_qr(
        [("shc:/", consts.MODE_BYTE), (qr_digits(card), consts.MODE_NUMERIC)],
        error="L",
        boost_error=False,
    )
