"""GET /health/ answers 200 when the database (and Redis, when the portal uses it) answer, 503
naming the part that does not; it answers docker-compose's in-container probe (plain HTTP,
Host 127.0.0.1) with DEBUG off, and tells nothing but each part's state."""

import socket

import pytest
from django.db import OperationalError, connection


def _closed_port() -> int:
    """A loopback port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
            settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
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
    settings.REDIS_URL = f"redis://:s3cret-pass@127.0.0.1:{_closed_port()}/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unavailable"}


@pytest.mark.django_db
def test_it_answers_200_when_redis_answers(client, settings):
    if not settings.REDIS_URL:
        pytest.skip("needs the Redis of REDIS_URL (the PostgreSQL + Redis run)")
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
