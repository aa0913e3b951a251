"""The recipient portal's part of `seed_demo`: the vaccine groups, their rules and the
products with CDC's codes (as portal's migration 0002 seeds them: a database emptied
since gets them back), and
a demo recipient with a portal account to sign in as. Idempotent; says what it created.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.db import transaction

from providers.models import Location, User
from recipients.models import Recipient

from .models import GroupRule, Product, VaccineGroup

# The data the migrations seed: one list each, not a copy that could drift from them.
SEED = import_module("portal.migrations.0002_squashed_vaccines_and_staff")

DEMO_LOCATION_PIN = "NCA650001"  # Demo Clinic, made by seed_demo
DEMO_RECIPIENT = {
    "first_name": "Demo",
    "last_name": "Recipient",
    "email": "demo.recipient@demo.example",
}
DEMO_RECIPIENT_USERNAME = "demo.recipient@demo.example.covid19vaccine"
DEMO_RECIPIENT_BORN = dt.date(1985, 6, 15)


@transaction.atomic
def ensure_groups_and_products() -> list[str]:
    """Create whichever seeded group (with its rules) or product is missing; staff's edits to
    those that exist are kept. Returns what was created."""
    created = []
    for number, name, description, being_vaccinated, since in SEED.GROUPS:
        group, new = VaccineGroup.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "description": description,
                "being_vaccinated": being_vaccinated,
                "since": since,
            },
        )
        if new:
            GroupRule.objects.bulk_create(
                GroupRule(group=group, criterion=criterion, min_age=min_age, sector=sector)
                for rule_group, criterion, min_age, sector in SEED.RULES
                if rule_group == number
            )
            created.append(f"vaccine group {number} ({name}) with its rules")
    for row in SEED.PRODUCTS:
        name, doses, interval = row[:3]
        _, new = Product.objects.get_or_create(
            name=name,
            defaults={
                "dose_count": doses,
                "second_dose_after_days": interval,
                **SEED.codes_of(row),
            },
        )
        if new:
            created.append(f"vaccine product {name} (CVX {row[3]})")
    return created


def ensure_demo_recipient(password: str) -> list[str]:
    """Demo Recipient at Demo Clinic, whose portal account signs in with the demo password."""
    created = []
    account = User.objects.filter(username=DEMO_RECIPIENT_USERNAME).first()
    if account is None:
        account = User.objects.create_user(
            DEMO_RECIPIENT["email"], password, username=DEMO_RECIPIENT_USERNAME
        )
        created.append(f"recipient portal account {DEMO_RECIPIENT_USERNAME}")
    elif not account.check_password(password):
        # DEMO_PASSWORD changed since the last run: follow it, create nothing.
        account.set_password(password)
        account.save(update_fields=["password"])
    if not Recipient.objects.filter(account=account).exists():
        Recipient.objects.create(
            location=Location.objects.get(pin=DEMO_LOCATION_PIN),
            account=account,
            date_of_birth=DEMO_RECIPIENT_BORN,
            **DEMO_RECIPIENT,
        )
        created.append(f"recipient Demo Recipient at {DEMO_LOCATION_PIN}")
    return created
