"""Four hostile workbooks uploaded at once to gunicorn, and how fast the site answers meanwhile.

    DATABASE_URL=postgres://... .venv/bin/python bench/hostile_web.py

The attack of the issue "Hardening": four gunicorn workers (DEBUG off, as in production), a
signed-in manager uploading four hostile workbooks (bench/hostile.py's cases) to Low Volume
at the same moment, while another client asks for the sign-in page every 50 ms. Before the
engine bounded its reading the four uploads held all four workers and the site did not answer
for about 30 s; the target is that it answers in under a second throughout. Prints each
upload's answer and time, and the sign-in page's slowest and median answer while they ran.
Runs in a throwaway database (never the configured one itself).
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

from devsupport import ROOT, free_port  # noqa: E402
from devsupport.hostile import ONE_PERSON, many_cells, many_shared_strings, sparse, template  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    database_url,
    health_card_key_file,
    throwaway_database,
)

PASSWORD = "bench-pass-2021"  # noqa: S105 - a throwaway database's throwaway account
WORKERS = 4
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One client with its own cookies (kept whatever their Secure flag: this is plain HTTP
    to 127.0.0.1, where a browser would refuse them)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", headers=None) -> tuple:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection.request(method, path, body, {"Cookie": cookie, **(headers or {})})
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, content

    def token(self, path: str) -> str:
        _, page = self.request("GET", path)
        return _TOKEN.search(page).group(1).decode()

    def sign_in(self, email: str) -> None:
        token = self.token("/accounts/login/")
        form = f"csrfmiddlewaretoken={token}&username={email}&password={PASSWORD}".encode()
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302, f"sign-in answered {status}"

    def upload(self, name: str, data: bytes) -> tuple[int, float]:
        token = self.token("/bulk-registration/")
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f"{token}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                "\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        started = time.perf_counter()
        status, _ = self.request(
            "POST",
            "/bulk-registration/upload/",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return status, time.perf_counter() - started


def _gunicorn(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": "dummymail://",  # the attack's password resets go nowhere
        "SINGLE_MACHINE": "true",  # Redis only when REDIS_URL says so
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "SHC_PRIVATE_KEY_FILE": health_card_key_file(),
    }
    # As the image does at build time: with DEBUG off, pages name the collected static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cvms.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(WORKERS), "--timeout", "120"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            Browser(port).request("GET", "/accounts/login/")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def attack(port: int, email: str) -> None:
    cases = {
        "sparse A1:XFD1048576 (1)": sparse(template(ONE_PERSON)),
        "sparse A1:XFD1048576 (2)": sparse(template(ONE_PERSON)),
        "2.9 million shared strings": many_shared_strings(template(ONE_PERSON), 2_900_000),
        "250,001 cells in a row": many_cells(template(ONE_PERSON), 250_001),
    }
    uploads: dict[str, tuple[int, float]] = {}
    # Signed in beforehand (hashing four passwords at once is not the attack), and every
    # worker has answered once.
    browsers = {label: Browser(port) for label in cases}
    for browser in browsers.values():
        browser.sign_in(email)
    probe = Browser(port)
    for _ in range(WORKERS * 2):
        probe.request("GET", "/accounts/login/")

    def upload(label: str, data: bytes) -> None:
        uploads[label] = browsers[label].upload("hostile.xlsx", data)

    threads = [threading.Thread(target=upload, args=item) for item in cases.items()]
    for thread in threads:
        thread.start()
    answers = []
    while any(thread.is_alive() for thread in threads):
        started = time.perf_counter()
        probe.request("GET", "/accounts/login/")
        answers.append(time.perf_counter() - started)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    for label, (status, seconds) in uploads.items():
        print(f"  {label:30} answered {status} in {seconds:6.2f} s")
    print(
        f"sign-in page while they ran ({len(answers)} requests): slowest {max(answers):.3f} s, "
        f"median {statistics.median(answers):.3f} s (target: under 1 s throughout)"
    )


def main() -> None:
    with throwaway_database("bench_hostile_web"):
        manager = bench_manager("NCA720000")
        manager.set_password(PASSWORD)
        manager.save()
        port = free_port()
        server = _gunicorn(port)
        try:
            _wait_until_up(port)
            print(f"gunicorn, {WORKERS} workers, four hostile uploads at once:")
            attack(port, manager.email)
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
