"""The shared cast of every test.

- alice: Healthcare Location Manager of Demo Clinic (NCA650001)
- bob: Healthcare Location Manager of Other Clinic (NCA650002)
- charlie: help-desk staff, manages no location
Build anything else with the plain helpers in tests/helpers.py.
"""

import pytest

from tests.helpers import PASSWORD, make_location, make_manager, make_user


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    # Test-only speed and isolation switches live here, not in cvms/settings.py.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def demo_clinic(db):
    return make_location("NCA650001", "Demo Clinic")


@pytest.fixture
def other_clinic(db):
    return make_location("NCA650002", "Other Clinic")


@pytest.fixture
def alice(demo_clinic):
    return make_manager("alice@demo.example", demo_clinic)


@pytest.fixture
def bob(other_clinic):
    return make_manager("bob@other.example", other_clinic)


@pytest.fixture
def charlie(db):
    return make_user("charlie@helpdesk.example", is_staff=True, is_superuser=True)


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture
def password():
    return PASSWORD
