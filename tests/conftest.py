"""The shared cast of every test.

- alice: Healthcare Location Manager of Demo Clinic (NCA650001)
- bob: Healthcare Location Manager of Other Clinic (NCA650002)
- charlie: help-desk staff (staff, in the "Help-desk staff" group, not a superuser), manages no
  location
- root: a superuser, for the work only superusers do (making accounts)
Build anything else with the plain helpers in tests/helpers.py.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client, override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import sync_playwright

# The jobs send tasks by name; registering them here lets Celery run them eagerly in tests.
import bulkupload.tasks  # noqa: F401
import outbox.tasks  # noqa: F401
from cvms.celery import app as celery_app
from portal.healthcards import new_private_key_pem
from tests.helpers import (
    PASSWORD,
    make_location,
    make_manager,
    make_staff,
    make_user,
    record_sent_tasks,
    signed_in,
)

# Property tests check behaviour, not speed: on a loaded 2-core machine (CI running the suite
# beside other work) generating examples can be slow, which must not fail a test.
hypothesis_settings.register_profile(
    "portal", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("portal")


def pytest_collection_modifyitems(items):
    """The only tests `make test` (SQLite, no Redis) skips: those marked
    `@pytest.mark.postgresql("why")` or `@pytest.mark.redis("why")`, which run in CI's
    PostgreSQL + Redis job."""
    available = {
        "postgresql": connection.vendor == "postgresql",
        "redis": bool(django_settings.REDIS_URL),
    }
    for item in items:
        for name, present in available.items():
            marker = item.get_closest_marker(name)
            if marker is not None and not present:
                why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
                item.add_marker(pytest.mark.skip(reason=f"{name} only: {why}".rstrip(": ")))


@pytest.fixture(scope="session")
def _shc_key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("shc") / "signing-key.pem"
    path.write_bytes(new_private_key_pem())
    return path


@pytest.fixture(scope="session", autouse=True)
def _fast_tests(django_test_environment, _shc_key_file):
    # Test-only speed and isolation switches live here, not in cvms/settings.py. Set once for
    # the run: changing a setting signals its receivers, on the way in and out of every test.
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        SITE_URL="https://portal.example",
        # The SMART Health Card key of this run, not the checkout's development key under var/.
        SHC_PRIVATE_KEY_FILE=str(_shc_key_file),
        SHC_MAKE_DEVELOPMENT_KEY=False,
        SHC_PREVIOUS_PUBLIC_KEYS_FILE="",
        # Welcome emails go at once, as the tests of sending expect; the tests of undoing an
        # upload (test_undo_upload*.py) open the window themselves.
        UNDO_WINDOW_MINUTES=0,
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # Rate-limit counters live in the cache (Redis in CI, shared by runs): each test counts
    # afresh under its own prefix, and nothing else in the cache is touched.
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"


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
    return make_staff("charlie@helpdesk.example")


@pytest.fixture
def root(db):
    return make_user("root@helpdesk.example", is_staff=True, is_superuser=True)


@pytest.fixture
def alice_client(client, alice):
    return signed_in(client, alice)


@pytest.fixture
def bob_client(bob):
    # A browser of his own, so a test can have Alice and Bob signed in side by side.
    return signed_in(Client(), bob)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def eager_tasks(settings):
    """Tasks run in the test's own thread the moment they are sent (after commit)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def worker_queue(settings):
    """A queue of this test's own, so a worker it starts takes only its tasks. A worker in this
    process (celery.contrib.testing's start_worker) looks at the embedded broker's folder every
    50 ms rather than every second (kombu's default), so each task it runs is not a second's
    wait; Redis hands messages over as they come."""
    if not settings.REDIS_URL:
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**options, "polling_interval": 0.05}
    name = f"test-{uuid.uuid4().hex}"
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = "celery"
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)  # nothing of this test's stays queued


@pytest.fixture
def sent_tasks(monkeypatch):
    """The tasks sent to the broker, as (name, args), instead of sending them."""
    return record_sent_tasks(monkeypatch)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def _chromium():
    if not shutil.which(CHROMIUM):
        pytest.skip("browser tests need Debian's chromium (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium, live_server):
    """A fresh browser tab; `page.base_url` is the live server's address."""
    context = _chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    # Generous: on a loaded 2-core CI machine a page step has taken over 10 s; how fast pages
    # are is measured in `make bench`, never here.
    page.set_default_timeout(30_000)
    refused = []  # what the Content-Security-Policy blocked: a page that needs it is broken
    context.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    yield page
    context.close()
    assert refused == []


@pytest.fixture
def screenshot(request):
    """Saves a full-page screenshot under test-artifacts/ for a person to look at."""
    folder = Path(__file__).resolve().parent.parent / "test-artifacts"
    folder.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
