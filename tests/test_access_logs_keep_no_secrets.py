"""gunicorn's access log (cvms/gunicorn.py, as docker-compose.yml and the systemd unit run it)
keeps no token of a set-up or reset link, no query string and no credential header: a welcome
link in a log opens the recipient's account for 30 days, and searches put names in `?q=`."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from gunicorn.config import Config

from cvms import gunicorn as gunicorn_settings

UID = "MTIzNDU"
TOKEN = "cjz9k1-5d8e7f0a1b2c3d4e5f60718293a4b5c6"  # noqa: S105 (the shape of Django's tokens)


def _token_url_names(resolver: URLResolver, namespace: str = "") -> list[str]:
    """Every URL name whose pattern takes a token, anywhere in the URLconf."""
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _token_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and "<token>" in str(pattern.pattern):
            names.append(namespace + pattern.name)
    return names


@pytest.fixture
def access_log(tmp_path):
    """Logs one request as gunicorn does with the portal's settings; returns the lines."""
    path = tmp_path / "access.log"

    def log(uri: str, *, log_format: str | None = None, method="GET", **headers: str) -> str:
        config = Config()
        config.set("logger_class", gunicorn_settings.logger_class)
        config.set("accesslog", str(path))
        config.set("access_log_format", log_format or gunicorn_settings.access_log_format)
        logger = config.logger_class(config)
        path_info, _, query = uri.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "RAW_URI": uri,
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
        }
        request = SimpleNamespace(headers=[(k.upper(), v) for k, v in headers.items()])
        response = SimpleNamespace(status="302 Found", headers=[], sent=0)
        logger.access(response, request, environ, dt.timedelta(milliseconds=12))
        for handler in logger.access_log.handlers:
            handler.close()
        return path.read_text()

    return log


def test_every_url_with_a_token_is_logged_without_it(access_log):
    names = _token_url_names(get_resolver())
    assert {"portal:password_setup", "portal:password_reset_confirm"} <= set(names)
    assert "providers:password_reset_confirm" in names
    for name in names:
        url = reverse(name, kwargs={"uidb64": UID, "token": TOKEN})
        line = access_log(url)
        assert TOKEN not in line, name
        assert UID not in line, name
        assert url.removesuffix(f"{UID}/{TOKEN}/") + "[uid]/[token]" in line, name


def test_the_welcome_link_is_logged_without_its_token_in_any_form(access_log):
    for disguised in (
        f"/portal/setup/{UID}/{TOKEN}/?utm_source=email",
        f"/portal/%73etup/{UID}/{TOKEN}/",
        f"/Portal/Setup/{UID}/{TOKEN}/",
        f"//portal//setup/{UID}//{TOKEN}/",
    ):
        assert TOKEN not in access_log(disguised, log_format='"%(r)s" %(U)s %(q)s'), disguised


def test_a_search_is_logged_without_its_query(access_log):
    line = access_log("/recipients/?q=Smith", log_format='"%(r)s" %(U)s %(q)s %({raw_uri}e)s')
    assert "Smith" not in line
    assert '"GET /recipients/ HTTP/1.1" /recipients/' in line


def test_a_referer_is_logged_without_the_token_it_came_from(access_log):
    referer = f"https://portal.example/portal/setup/{UID}/{TOKEN}/"
    line = access_log("/static/portal.css", log_format="%(f)s %({referer}i)s", referer=referer)
    assert TOKEN not in line
    assert "https://portal.example/portal/setup/[uid]/[token]" in line


def test_credential_headers_are_never_logged(access_log):
    line = access_log(
        "/",
        log_format="%({cookie}i)s %({authorization}i)s %({http_cookie}e)s",
        cookie="sessionid=secret-session",
        authorization="Basic c2VjcmV0",
    )
    assert "secret-session" not in line
    assert "c2VjcmV0" not in line


def test_a_request_cannot_write_a_line_of_its_own(access_log):
    line = access_log('/x%0A127.0.0.1 "GET /forged HTTP/1.1" 200')
    assert len(line.splitlines()) == 1


def test_the_line_still_says_who_asked_for_what_and_how_it_went(access_log):
    line = access_log("/bulk-registration/", method="POST")
    assert line.startswith("127.0.0.1 [")
    assert line.rstrip().endswith('"POST /bulk-registration/ HTTP/1.1" 302 0 12ms')


def test_gunicorn_errors_that_name_a_request_name_no_token(tmp_path):
    config = Config()
    config.set("logger_class", gunicorn_settings.logger_class)
    config.set("errorlog", str(tmp_path / "error.log"))
    logger = config.logger_class(config)
    logger.error("Error handling request %s", f"/portal/setup/{UID}/{TOKEN}/?q=Smith")
    for handler in logger.error_log.handlers:
        handler.close()
    text = (tmp_path / "error.log").read_text()
    assert "Error handling request /portal/setup/[uid]/[token]" in text
    assert TOKEN not in text
    assert "Smith" not in text
