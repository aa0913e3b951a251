"""The shipped proxy configuration (deploy/nginx), run by the real nginx on spare loopback
ports with a throwaway certificate: only its ports, paths and upstream address are changed.
It is valid; it tells the app the request came over HTTPS, from whom, for which host; it caps
bodies a little above the upload limit with the portal's 413 page; and neither its access log
nor gunicorn's (as docker-compose.yml runs it) keeps a welcome link's token or a search.
Skipped without nginx (CI installs it: .ci/run)."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from devsupport import free_port
from devsupport.throwaway import database_url
from portal.emails import password_setup_url
from providers.accounts import password_setup_url as provider_password_setup_url
from tests.composefile import load_compose
from tests.helpers import make_portal_recipient, wait_until

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "openssl"
SHIPPED = ROOT / "deploy" / "nginx"
ERROR_PAGE = ROOT / "static" / "errors" / "413.html"
MB = 1024 * 1024

pytestmark = pytest.mark.skipif(
    not os.access(NGINX, os.X_OK) or not shutil.which(OPENSSL),
    reason="needs nginx and openssl (apt-get install -y nginx openssl)",
)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        return False
    return True


def _logged(path: Path, lines: int) -> str:
    """The log's text once it has `lines` lines (nginx and gunicorn write as they go)."""
    assert wait_until(lambda: path.exists() and len(path.read_text().splitlines()) >= lines, 5)
    return path.read_text()


def _replaced(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx no longer has {old!r}: update this test's set-up"
    return text.replace(old, new)


class Proxy:
    """nginx with deploy/nginx/cvms.conf, in a folder of its own."""

    def __init__(self, folder: Path, upstream_port: int) -> None:
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()
        self.access_log = folder / "access.log"
        self.error_log = folder / "error.log"
        self.certificate = folder / "tls" / "fullchain.pem"
        (folder / "tls").mkdir(parents=True)
        subprocess.run(
            [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", folder / "tls" / "privkey.pem",
             "-out", self.certificate],
            check=True, capture_output=True,
        )  # fmt: skip
        # The 413 page from static/ (added with the error pages); a stand-in until it exists.
        static = ERROR_PAGE.parent.parent
        if not ERROR_PAGE.exists():
            static = folder / "static"
            (static / "errors").mkdir(parents=True)
            (static / "errors" / "413.html").write_text("<h1>The file is too large</h1>\n")
        self.error_page = (static / "errors" / "413.html").read_bytes()
        site = (SHIPPED / "cvms.conf").read_text()
        for old, new in [
            ("listen 80 default_server;", f"listen 127.0.0.1:{self.http_port} default_server;"),
            ("listen 443 ssl default_server;", f"listen 127.0.0.1:{self.https_port} ssl;"),
            ("/etc/nginx/tls/", f"{folder}/tls/"),
            ("/var/log/nginx/access.log", str(self.access_log)),
            ("root /opt/cvms/static;", f"root {static};"),
        ]:
            site = _replaced(site, old, new)
        (folder / "cvms.conf").write_text(site)
        upstream = (SHIPPED / "cvms-upstream.conf").read_text()
        upstream = _replaced(upstream, "127.0.0.1:8000", f"127.0.0.1:{upstream_port}")
        (folder / "cvms-upstream.conf").write_text(upstream)
        temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in ("proxy", "fastcgi"))
        (folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {folder}/nginx.pid;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n client_body_temp_path {folder}/body; {temp}\n"
            f" uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;\n"
            f" include {folder}/cvms.conf;\n include {folder}/cvms-upstream.conf;\n}}\n"
        )
        self.command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
        self.command += ["-e", str(self.error_log)]
        self.process: subprocess.Popen | None = None

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, "-t"], capture_output=True, text=True)

    def __enter__(self) -> Proxy:
        self.process = subprocess.Popen([*self.command, "-g", "daemon off;"])
        wait_until(lambda: self.process.poll() is not None or _listening(self.https_port), 10)
        assert _listening(self.https_port), self.error_log.read_text()
        return self

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(10)

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str):
        """(status, headers, body) of a request over TLS, the certificate checked."""
        tls = ssl.create_default_context(cafile=self.certificate)
        connection = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=tls)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


class _Echo(BaseHTTPRequestHandler):
    seen: list

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.command, self.path, dict(self.headers)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def _stand_in():
    """An upstream that answers 200 and records what reached it, for the module's tests."""
    handler = type("Echo", (_Echo,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler.seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_stand_in(_stand_in):
    """The stand-in's port, and what reached it during this test."""
    _stand_in[1].clear()
    return _stand_in


@pytest.fixture(scope="module")
def _proxy(tmp_path_factory, _stand_in):
    # One nginx for the module: each one's certificate, start and graceful stop cost a test
    # most of a second, and the tests only send requests through it.
    with Proxy(tmp_path_factory.mktemp("nginx"), _stand_in[0]) as running:
        yield running


@pytest.fixture
def proxy(_proxy, app_stand_in):
    """nginx in front of the stand-in, its access log emptied for this test (nginx appends)."""
    _proxy.access_log.write_text("")
    return _proxy


def test_the_shipped_configuration_is_valid(tmp_path):
    checked = Proxy(tmp_path, 8000).check()
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_the_app_is_told_https_the_client_and_the_host_with_its_port(proxy, app_stand_in):
    status, headers, _ = proxy.request("GET", "/", **{"X-Forwarded-For": "203.0.113.9"})
    assert status == 200
    method, path, seen = app_stand_in[1][0]
    assert seen["X-Forwarded-Proto"] == "https"
    # The proxy appends the address it saw: the last entry is the one the app may trust.
    assert seen["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    assert seen["Host"] == f"127.0.0.1:{proxy.https_port}"
    assert headers["Server"] == "nginx"  # no version


def test_plain_http_only_redirects_to_https(proxy, app_stand_in):
    connection = http.client.HTTPConnection("127.0.0.1", proxy.http_port)
    connection.request("GET", "/recipients/?page=2")
    response = connection.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == "https://127.0.0.1/recipients/?page=2"
    assert app_stand_in[1] == []


def test_a_file_at_the_upload_limit_reaches_the_app(proxy, app_stand_in):
    status, _, _ = proxy.request("POST", "/bulk-registration/upload/", b"x" * (5 * MB + 64_000))
    assert status == 200
    assert len(app_stand_in[1]) == 1


def test_a_body_over_the_cap_gets_the_portal_413_page(proxy, app_stand_in):
    status, headers, body = proxy.request("POST", "/bulk-registration/upload/", b"x" * (7 * MB))
    assert status == 413
    assert body == proxy.error_page
    assert headers["Content-Type"].startswith("text/html")
    assert app_stand_in[1] == []


def test_the_access_log_keeps_no_token_and_no_query(proxy, app_stand_in):
    token = "cjz9k1-5d8e7f0a1b2c3d4e5f60718293a4b5c6"  # noqa: S105
    for path in (
        f"/portal/setup/MTIz/{token}/",
        f"/portal/%73etup/MTIz/{token}/",
        f"//portal/password/reset/MTIz/{token}/",
        f"/accounts/password/reset/MTIz/{token}/",
        "/recipients/?q=Smith",
    ):
        proxy.request("GET", path)
    assert len(app_stand_in[1]) == 5
    log = _logged(proxy.access_log, 5)
    assert token not in log
    assert "Smith" not in log
    assert log.count("/portal/setup/[uid]/[token]/ HTTP/1.1") == 2
    assert '"GET /recipients/ HTTP/1.1" 200' in log


# The whole way in: nginx → gunicorn, run as docker-compose.yml runs it → the portal.


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the compose file's web command (its address aside) on this test's
    database; stdout (the access log) and stderr kept in files."""
    command = load_compose()["services"]["web"]["command"]
    assert command[0] == "gunicorn"
    port = free_port()
    arguments = [f"127.0.0.1:{port}" if a == "0.0.0.0:8000" else a for a in command[1:]]
    assert f"127.0.0.1:{port}" in arguments
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true",
        "WEB_WORKERS": "1",
    }
    logs = tmp_path / "gunicorn.out", tmp_path / "gunicorn.err"
    with logs[0].open("wb") as out, logs[1].open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *arguments],
            cwd=ROOT, env=env, stdout=out, stderr=err,
        )  # fmt: skip
    try:
        assert wait_until(lambda: _listening(port), 20), logs[1].read_text()
        yield port, logs
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.django_db(transaction=True)
def test_opening_a_welcome_link_leaves_its_token_in_no_log(tmp_path, gunicorn, alice, demo_clinic):
    account = make_portal_recipient(demo_clinic, email="pat@example.com").account
    welcome = password_setup_url(account).removeprefix(settings.SITE_URL)
    reset = provider_password_setup_url(alice).removeprefix(settings.SITE_URL)
    tokens = [welcome.split("/")[-2], reset.split("/")[-2]]
    port, (gunicorn_out, gunicorn_err) = gunicorn
    with Proxy(tmp_path / "nginx", port) as proxy:
        status, headers, _ = proxy.request("GET", welcome)
        assert status == 302
        cookie = headers["Set-Cookie"].split(";")[0]
        status, _, page = proxy.request("GET", headers["Location"], Cookie=cookie)
        assert b"Create your password" in page
        assert proxy.request("GET", reset)[0] == 302
        assert proxy.request("GET", "/recipients/?q=Smith")[0] == 302
        _logged(proxy.access_log, 4)
    _logged(gunicorn_out, 4)
    logs = {path.name: path.read_text() for path in (proxy.access_log, proxy.error_log)}
    logs |= {path.name: path.read_text() for path in (gunicorn_out, gunicorn_err)}
    for name, text in logs.items():
        assert not any(token in text for token in tokens), name
        assert "Smith" not in text, name
    for name in ("access.log", "gunicorn.out"):
        assert logs[name].count("/portal/setup/[uid]/[token]") == 2, name
        assert "/accounts/password/reset/[uid]/[token]" in logs[name], name
        assert "GET /recipients/ HTTP/1." in logs[name], name
