"""GET /health/ answers 200 when the database (and Redis, when the portal uses it) answer, 503
naming the part that does not; it answers docker-compose's in-container probe (plain HTTP,
Host 127.0.0.1) with DEBUG off, and tells nothing but each part's state."""

import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from devsupport import free_port
from tests.helpers import TcpRelay, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _failing_query(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly (db.internal:5432)")


@pytest.fixture
def production(settings):
    """DEBUG off behind a strict ALLOWED_HOSTS, redirecting plain HTTP to https."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.example.gov"]
    settings.SECURE_SSL_REDIRECT = True


@pytest.fixture
def unreachable_database(django_db_blocker, tmp_path):
    """The connection's server is gone: PostgreSQL on a port where nothing listens, SQLite in
    a folder that does not exist. Not inside a test's transaction, which this would break."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        if connection.vendor == "postgresql":
            settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
        else:
            settings_dict["NAME"] = str(tmp_path / "gone" / "cvms.sqlite3")
        try:
            yield
        finally:
            connection.close()
            settings_dict.clear()
            settings_dict.update(saved)


@pytest.mark.django_db
def test_it_answers_200_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_it_answers_503_when_the_database_cannot_be_reached(client, settings, unreachable_database):
    settings.REDIS_URL = ""
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}  # no error text, host or port


@pytest.mark.django_db
def test_it_answers_503_when_the_database_fails_its_query(client, settings):
    settings.REDIS_URL = ""
    with connection.execute_wrapper(_failing_query):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b'{"database": "unavailable"}'


@pytest.mark.django_db
def test_it_answers_503_when_redis_cannot_be_reached(client, settings):
    settings.REDIS_URL = f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unavailable"}


def test_an_outage_is_a_warning_in_the_log_not_an_error_mailed_at_every_probe(
    client, settings, unreachable_database, caplog, mailoutbox
):
    settings.REDIS_URL = ""
    settings.ADMINS = [("Operations", "ops@example.gov")]
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            assert client.get("/health/").status_code == 503
    assert mailoutbox == []
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "the database is unavailable" in warnings[0].getMessage()
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []


@pytest.mark.django_db
@pytest.mark.redis("needs the Redis of REDIS_URL to answer")
def test_it_answers_200_when_redis_answers(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_it_answers_the_in_container_probe_whose_host_is_not_allowed(client, production):
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400  # every other page
    response = client.get("/health/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert client.get("/health/", HTTP_HOST="localhost").status_code == 200


@pytest.mark.django_db
def test_it_does_not_redirect_the_plain_http_probe_to_https(client, production):
    assert client.get("/", HTTP_HOST="portal.example.gov").status_code == 301  # every other page
    response = client.get("/health/", HTTP_HOST="portal.example.gov")
    assert response.status_code == 200


@pytest.mark.django_db
def test_it_is_never_cached_and_sets_no_cookie(client):
    response = client.get("/health/")
    assert response["Cache-Control"] == "no-store"
    assert response.cookies == {}


@pytest.mark.django_db
def test_it_makes_one_query(client, settings, django_assert_num_queries):
    settings.REDIS_URL = ""
    with django_assert_num_queries(1):
        client.get("/health/")


@pytest.mark.django_db
def test_it_rejects_post(client):
    assert client.post("/health/").status_code == 405


def _probe(port: int) -> tuple[int, dict]:
    """What docker-compose's health check sees: plain HTTP to 127.0.0.1, Host 127.0.0.1."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _gunicorn(database_url: str) -> tuple[subprocess.Popen, int]:
    """gunicorn as production runs it: DEBUG off, one allowed host, https redirect on,
    database connections kept between requests."""
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x7$Kq2!vPz9@Lm4#Rt6^Wy8&Nb1*Hc3(Jd5)Fg0_Ae-Uo+Is=Ep",
        "ALLOWED_HOSTS": "portal.example.gov",
        "SITE_URL": "https://portal.example.gov",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "CRITICAL",
        # Required with DEBUG off (cvms/settings.py); this test sends no email, and uses Redis
        # only if the run has one.
        "EMAIL_URL": "dummymail://",
        "SINGLE_MACHINE": "true",
        # The run's SMART Health Card key (tests/conftest.py), as production names one.
        "SHC_PRIVATE_KEY_FILE": settings.SHC_PRIVATE_KEY_FILE,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cvms.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return server, port


def _answers(port: int) -> bool:
    try:
        _probe(port)
    except OSError:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.postgresql("a database server to cut off")
def test_with_gunicorn_it_answers_503_while_the_database_is_unreachable_and_200_again_after():
    database = connection.settings_dict
    relay = TcpRelay((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    auth = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    server, port = _gunicorn(f"postgres://{auth}@127.0.0.1:{relay.port}/{database['NAME']}")
    try:
        assert wait_until(lambda: _answers(port), 30), "gunicorn did not start"
        for _ in range(3):
            status, parts = _probe(port)
            assert (status, parts["database"]) == (200, "ok")
        assert relay.connections == 1  # one connection, kept between requests (CONN_MAX_AGE)

        relay.cut()
        status, parts = _probe(port)
        assert (status, parts["database"]) == (503, "unavailable")

        relay.restore()
        status, parts = _probe(port)
        assert (status, parts["database"]) == (200, "ok")
    finally:
        server.terminate()
        server.wait(timeout=30)
        relay.close()
