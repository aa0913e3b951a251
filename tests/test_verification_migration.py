"""Requesters staff verified before verification was per location keep their state (helpdesk's
migration 0006): verified, method "unknown", for the locations their account was about. A
Provider PIN alone never became a verification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("helpdesk", "0005_verification_assignment_questions")]
AFTER = [("helpdesk", "0006_verifications_kept")]
AT = dt.datetime(2021, 3, 1, 12, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_state():
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _world(apps):
    Organization = apps.get_model("providers", "Organization")
    Location = apps.get_model("providers", "Location")
    User = apps.get_model("providers", "User")
    Requester = apps.get_model("helpdesk", "Requester")
    Case = apps.get_model("helpdesk", "Case")
    org = Organization.objects.create(name="Demo Health System")
    one = Location.objects.create(organization=org, name="Demo Clinic", pin="NCA650001")
    two = Location.objects.create(organization=org, name="Other Clinic", pin="NCA650002")
    staff = User.objects.create(username="staff@x.example", email="staff@x.example", is_staff=True)

    def requester(name, *, location=None, verified=False):
        user = User.objects.create(username=f"{name}@x.example", email=f"{name}@x.example")
        Requester.objects.create(
            user=user,
            location=location,
            registration_code=location.pin if location else "VAC2021",
            verified_at=AT if verified else None,
            verified_by=staff if verified else None,
        )
        return user

    generic = requester("generic", verified=True)
    Case.objects.create(number="CS0001001", kind="hcp_onboarding", requester=generic, location=two)
    pinned = requester("pinned", location=one, verified=True)
    requester("pin-only", location=one)
    requester("never", verified=False)
    return {"one": one, "two": two, "staff": staff, "generic": generic, "pinned": pinned}


def test_staff_verified_requesters_are_verified_for_their_locations_method_unknown(old_state):
    world = _world(old_state)
    apps = _migrate(AFTER)
    Verification = apps.get_model("helpdesk", "Verification")
    found = {
        (v.user.username, v.location.pin, v.method, v.verified_by_id, v.verified_at)
        for v in Verification.objects.select_related("user", "location")
    }
    staff = world["staff"].pk
    assert found == {
        ("generic@x.example", "NCA650002", "unknown", staff, AT),
        ("pinned@x.example", "NCA650001", "unknown", staff, AT),
    }


def test_a_provider_pin_alone_is_not_a_verification(old_state):
    _world(old_state)
    apps = _migrate(AFTER)
    Verification = apps.get_model("helpdesk", "Verification")
    assert not Verification.objects.filter(user__username="pin-only@x.example").exists()
    assert not Verification.objects.filter(user__username="never@x.example").exists()
