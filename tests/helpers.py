"""Plain data builders with overridable defaults."""

from __future__ import annotations

import datetime as dt

from providers.models import Location, LocationManager, Organization, User
from recipients.models import Recipient

PASSWORD = "correct horse battery staple"


def make_organization(name: str = "Demo Health System") -> Organization:
    organization, _ = Organization.objects.get_or_create(name=name)
    return organization


def make_location(pin: str = "NCA650001", name: str = "Demo Clinic", **fields) -> Location:
    fields.setdefault("organization", make_organization())
    return Location.objects.create(pin=pin, name=name, **fields)


def make_user(email: str, password: str = PASSWORD, **flags) -> User:
    return User.objects.create_user(email, password, **flags)


def make_manager(email: str, *locations: Location, **flags) -> User:
    user = make_user(email, **flags)
    for location in locations:
        LocationManager.objects.create(user=user, location=location)
    return user


def make_recipient(location: Location, **fields) -> Recipient:
    fields.setdefault("first_name", "John")
    fields.setdefault("last_name", "Smith")
    fields.setdefault("date_of_birth", dt.date(1990, 1, 2))
    fields.setdefault("email", "john.smith@example.com")
    return Recipient.objects.create(location=location, **fields)
