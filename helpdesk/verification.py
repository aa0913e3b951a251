"""Who is trusted with a location's recipients, in one place.

A person is trusted for a location when they already manage it, are help-desk staff, or were
verified for it (a Verification: who checked, when and how). Nothing else counts: a Provider
PIN is printed on packing lists and the generic code VAC2021 is public, so registering with
either proves nothing. Every grant of access to a location's recipients (onboarding people as
its managers) asks `requester_is_trusted` first; pages that would show a location's people to
the person asking ask `viewer_is_trusted`.

Where the location already has managers, an onboarding request from someone untrusted is an
"access request" those managers approve or decline on their Home page (`access_requests_for`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from providers.access import has_staff_powers, locations_managed_by
from providers.models import Location, LocationManager, User

from .models import GENERIC_REGISTRATION_CODE, Case, CaseEvent, Requester, Verification

# What staff may record; "unknown" was written once, by the migration that kept older ones.
STAFF_METHODS = [
    (value, label)
    for value, label in Verification.Method.choices
    if value != Verification.Method.UNKNOWN
]


@dataclass(frozen=True)
class Difference:
    """One thing the requester typed that is not what the location's record says."""

    what: str
    typed: str
    on_record: str


def verification_for(user: User | None, location: Location | None) -> Verification | None:
    """The user's verification for the location, with who verified them; None if there is
    none."""
    if user is None or location is None:
        return None
    return (
        Verification.objects.filter(user=user, location=location)
        .select_related("verified_by", "location")
        .first()
    )


def manages(user: User | None, location: Location | None) -> bool:
    if user is None or location is None:
        return False
    return LocationManager.objects.filter(user=user, location=location).exists()


def requester_is_trusted(user: User | None, location: Location | None) -> bool:
    """Whether an account read from the database may be given access to the location: it
    manages it, is staff, or was verified for it. Staff here is the account's flag (it has no
    session to ask for its second factor); the person pressing a button is asked
    `viewer_is_trusted` instead."""
    if user is None or location is None or not user.is_active:
        return False
    return user.is_staff or manages(user, location) or verification_for(user, location) is not None


def viewer_is_trusted(user: User, location: Location | None) -> bool:
    """Whether the person making this request may see the location's people: a manager of it,
    verified for it, or staff with their staff powers (a session that passed the second factor
    when STAFF_TWO_FACTOR is on)."""
    if location is None or not user.is_authenticated or not user.is_active:
        return False
    if has_staff_powers(user):
        return True
    return manages(user, location) or verification_for(user, location) is not None


def waiting_for_verification(case: Case) -> bool:
    """An onboarding request whose requester is not trusted for its location yet, still open
    and not onboarded: nobody is given access until someone trusted confirms who they are."""
    return (
        case.kind == Case.Kind.HCP_ONBOARDING
        and case.location_id is not None
        and not case.is_closed
        and not case.events.filter(kind=CaseEvent.Kind.ONBOARDED).exists()
        and not requester_is_trusted(case.requester, case.location)
    )


def location_has_managers(location: Location | None) -> bool:
    return location is not None and LocationManager.objects.filter(location=location).exists()


def access_requests_for(user: User) -> QuerySet[Case]:
    """The open, undecided onboarding requests of the locations the user manages whose
    requester is not trusted for that location: those the user may approve or decline."""
    trusted = LocationManager.objects.filter(
        user=OuterRef("requester"), location=OuterRef("location")
    )
    verified = Verification.objects.filter(
        user=OuterRef("requester"), location=OuterRef("location")
    )
    onboarded = CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.ONBOARDED)
    return (
        Case.objects.filter(
            kind=Case.Kind.HCP_ONBOARDING,
            location__in=locations_managed_by(user),
            access_decision="",
            status__in=[Case.Status.NEW, Case.Status.IN_PROGRESS, Case.Status.AWAITING_INFO],
            requester__is_active=True,
            requester__is_staff=False,
        )
        .exclude(Exists(trusted))
        .exclude(Exists(verified))
        .exclude(Exists(onboarded))
        .select_related("requester", "location__organization")
        .order_by("created_at", "pk")
    )


def registration_code(user: User | None) -> str:
    """The code the requester registered on the help desk with ("" for an account that did
    not register there, such as a manager's)."""
    profile = Requester.objects.filter(user=user).first() if user is not None else None
    return profile.registration_code if profile is not None else ""


def is_generic_code(code: str) -> bool:
    return code == GENERIC_REGISTRATION_CODE


def differences(case: Case) -> list[Difference]:
    """What the requester typed that differs from the location's record: the organization,
    the location's name and the VFC PIN (ignoring case and extra spaces)."""
    location = case.location
    if location is None:
        return []
    pairs = [
        ("Organization", case.organization_name, location.organization.name),
        ("Location", case.location_name, location.name),
        ("VFC PIN", case.vfc_pin, location.pin),
    ]
    return [
        Difference(what, typed, on_record)
        for what, typed, on_record in pairs
        if _plain(typed) != _plain(on_record)
    ]


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()
