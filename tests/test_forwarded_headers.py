"""X-Forwarded-For and X-Forwarded-Proto count only from the proxies in TRUSTED_PROXIES: a client
that reaches the portal directly cannot choose the address that sign-in throttling (django-axes)
and the rate limits (django-ratelimit) count, nor pass plain HTTP off as https."""

import pytest
from axes.models import AccessAttempt, AccessLog

from cvms.proxy import client_ip

PROXY = "10.0.0.2"
CLIENT = "203.0.113.50"


@pytest.fixture(autouse=True)
def _proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]


def _wrong_password(client, alice, **headers):
    wrong = {"username": alice.email, "password": "wrong"}
    return client.post("/accounts/login/", wrong, **headers)


def _register(client, n: int, **headers):
    data = {
        "first_name": "Dana",
        "last_name": "Reyes",
        "email": f"dana{n}@clinic.example",
        "code": "VAC2021",
    }
    return client.post("/help-desk/register/", data, **headers)


def test_a_forged_x_forwarded_for_does_not_change_the_address_axes_records(client, alice):
    _wrong_password(client, alice, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert AccessAttempt.objects.get().ip_address == CLIENT


def test_from_the_proxy_axes_records_the_address_it_forwarded(client, alice, password):
    forwarded = f"198.51.100.99, {CLIENT}"  # what the client sent, then what the proxy saw
    _wrong_password(client, alice, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert AccessAttempt.objects.get().ip_address == CLIENT
    sign_in = {"username": alice.email, "password": password}
    client.post("/accounts/login/", sign_in, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert AccessLog.objects.get().ip_address == CLIENT


def test_a_forged_x_forwarded_for_does_not_escape_the_rate_limit(client, db, settings):
    settings.HELPDESK_REGISTER_RATE = "2/m"
    for n, forged in enumerate(["198.51.100.1", "198.51.100.2"]):
        response = _register(client, n, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 302
    response = _register(client, 2, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert response.status_code == 429


def test_behind_the_proxy_each_client_has_a_rate_limit_of_its_own(client, db, settings):
    settings.HELPDESK_REGISTER_RATE = "2/m"
    for n in range(2):
        response = _register(client, n, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
        assert response.status_code == 302
    assert _register(client, 2, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT).status_code == 429
    other = _register(client, 3, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 302


def test_it_reads_past_every_trusted_proxy_from_the_right(rf):
    forwarded = f"192.0.2.1, {CLIENT}, 10.1.4.4"  # forged, the client, a second proxy of ours
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == CLIENT


def test_without_a_forwarded_address_the_proxy_is_the_client(rf):
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY)) == PROXY
    garbled = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown")
    assert client_ip(garbled) == PROXY


def test_an_ipv4_client_seen_over_ipv6_is_one_address(rf):
    assert client_ip(rf.get("/", REMOTE_ADDR=f"::ffff:{CLIENT}")) == CLIENT
    mapped_proxy = rf.get("/", REMOTE_ADDR=f"::ffff:{PROXY}", HTTP_X_FORWARDED_FOR=CLIENT)
    assert client_ip(mapped_proxy) == CLIENT


def test_with_no_trusted_proxy_no_forwarded_address_counts(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    assert client_ip(request) == PROXY


@pytest.fixture
def https_behind_the_proxy(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["portal.example.gov"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_a_forged_x_forwarded_proto_does_not_pass_plain_http_off_as_https(
    client, https_behind_the_proxy
):
    headers = {"HTTP_HOST": "portal.example.gov", "HTTP_X_FORWARDED_PROTO": "https"}
    response = client.get("/accounts/login/", REMOTE_ADDR=CLIENT, **headers)
    assert response.status_code == 301
    assert response["Location"] == "https://portal.example.gov/accounts/login/"


@pytest.mark.django_db
def test_from_the_proxy_x_forwarded_proto_says_https(client, https_behind_the_proxy):
    headers = {"HTTP_HOST": "portal.example.gov", "HTTP_X_FORWARDED_PROTO": "https"}
    response = client.get("/accounts/login/", REMOTE_ADDR=PROXY, **headers)
    assert response.status_code == 200
