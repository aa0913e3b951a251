"""Production switches come from the environment and fail loudly when missing.

What the settings module decides, refuses or derives is read in this process: the module run
afresh on the environment a test gives (read_settings), as every command, web and worker process
runs it first. Two tests start real processes: a production start-up whose deploy check is
silent, and one that a missing setting stops.
"""

import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection
from jwcrypto import jwk

from portal.healthcards import new_private_key_pem, published_key_set, signing_key

ROOT = Path(__file__).resolve().parent.parent
OPENSSL = shutil.which("openssl")
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7$Kq2!vPz9@Lm4#Rt6^Wy8&Nb1*Hc3(Jd5)Fg0_Ae-Uo+Is=Ep",
    "ALLOWED_HOSTS": "portal.example.gov",
    "SITE_URL": "https://portal.example.gov",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.gov:587",
    "REDIS_URL": "redis://redis.example.gov:6379/0",  # never reached: settings only
    "SHC_PRIVATE_KEY_FILE": "",  # a key of this module's own: _card_key below
}


@pytest.fixture(scope="module", autouse=True)
def _card_key(tmp_path_factory):
    """The SMART Health Card signing key production names (a PEM file outside the database)."""
    path = tmp_path_factory.mktemp("shc") / "signing-key.pem"
    path.write_bytes(new_private_key_pem())
    PRODUCTION["SHC_PRIVATE_KEY_FILE"] = str(path)


# The test run's own switches, none of them production's.
_TEST_RUN_ONLY = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    # The browser tests' async-unsafe switch.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SHC_PRIVATE_KEY_FILE",
    "SHC_PREVIOUS_PUBLIC_KEYS_FILE",
}


def _environment(**env: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in _TEST_RUN_ONLY}
    environment.update(env)
    return environment


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def read_settings(monkeypatch):
    """`read_settings(**env)`: the settings cvms/settings.py makes of this environment (the test
    run's own switches left out), as a dict; a refusal raises ImproperlyConfigured, which is
    what stops a process at start-up. The module is run afresh each time, in this process:
    what it decides depends on the environment alone, and a process of its own would cost a
    Python start and the imports of Django for each case."""

    def read(**env: str) -> dict:
        for key in _TEST_RUN_ONLY:
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return runpy.run_path(str(ROOT / "cvms" / "settings.py"))

    return read


def _refusal(read_settings, **env: str) -> str:
    """The message a start-up with this environment stops with."""
    with pytest.raises(ImproperlyConfigured) as refused:
        read_settings(**env)
    return str(refused.value)


def test_deploy_check_is_silent_with_debug_off_and_a_secret_key():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(read_settings):
    refusal = _refusal(read_settings, **{**PRODUCTION, "SECRET_KEY": ""})
    assert "SECRET_KEY must be set when DEBUG is off" in refusal


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off(read_settings):
    refusal = _refusal(read_settings, **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert "ALLOWED_HOSTS must be set" in refusal


def test_it_refuses_to_start_without_email_url_when_debug_is_off(read_settings):
    # Not files in the worker's container, each welcome email's set-password link in one.
    refusal = _refusal(read_settings, **{**PRODUCTION, "EMAIL_URL": ""})
    assert "EMAIL_URL must be set when DEBUG is off" in refusal


def test_without_email_url_and_redis_one_error_names_both(read_settings):
    refusal = _refusal(read_settings, **{**PRODUCTION, "EMAIL_URL": "", "REDIS_URL": ""})
    assert "EMAIL_URL must be set when DEBUG is off" in refusal
    assert "REDIS_URL must be set when DEBUG is off" in refusal


def test_it_refuses_to_start_without_a_health_card_key_when_debug_is_off(read_settings):
    # Not a key made on the spot: cards signed by one web process would not verify against
    # another's, nor after a restart.
    refusal = _refusal(read_settings, **{**PRODUCTION, "SHC_PRIVATE_KEY_FILE": ""})
    assert "SHC_PRIVATE_KEY_FILE must be set when DEBUG is off" in refusal


def test_without_email_url_redis_and_the_card_key_one_error_names_all_three():
    # A real process: the refusal stops it, with every name in what it prints.
    env = {**PRODUCTION, "EMAIL_URL": "", "REDIS_URL": "", "SHC_PRIVATE_KEY_FILE": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    for name in ("EMAIL_URL", "REDIS_URL", "SHC_PRIVATE_KEY_FILE"):
        assert f"{name} must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize("name", ["SHC_PRIVATE_KEY_FILE", "SHC_PREVIOUS_PUBLIC_KEYS_FILE"])
def test_it_refuses_to_start_with_a_card_key_file_that_is_not_there(read_settings, tmp_path, name):
    refusal = _refusal(read_settings, **{**PRODUCTION, name: str(tmp_path / "missing.pem")})
    assert f"{name} names no file: {tmp_path / 'missing.pem'}" in refusal


def _check_refuses(settings, key_file: Path) -> str:
    """What `manage.py check` says of this file as the card signing key (it must refuse)."""
    settings.SHC_PRIVATE_KEY_FILE = str(key_file)
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    return str(refused.value)


def test_check_refuses_a_card_key_that_is_not_es256(settings, tmp_path):
    p384 = jwk.JWK.generate(kty="EC", crv="P-384").export_to_pem(private_key=True, password=None)
    (tmp_path / "p384.pem").write_bytes(p384)
    refusal = _check_refuses(settings, tmp_path / "p384.pem")
    assert "portal.E001" in refusal and "not EC P-256" in refusal


def test_check_refuses_a_public_key_as_the_card_signing_key(settings, tmp_path):
    key = jwk.JWK.from_pem(Path(PRODUCTION["SHC_PRIVATE_KEY_FILE"]).read_bytes())
    (tmp_path / "public.pem").write_bytes(key.export_to_pem(private_key=False))
    refusal = _check_refuses(settings, tmp_path / "public.pem")
    assert "portal.E001" in refusal
    assert "SHC_PRIVATE_KEY_FILE must hold one private key" in refusal


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
def test_the_readme_s_openssl_commands_make_keys_the_portal_uses(settings, tmp_path):
    # README, "SMART Health Card keys": make a signing key; on rotation keep its public half.
    subprocess.run(
        [OPENSSL, "ecparam", "-name", "prime256v1", "-genkey", "-noout",
         "-out", str(tmp_path / "signing-key.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    public = subprocess.run(
        [OPENSSL, "ec", "-in", str(tmp_path / "signing-key.pem"), "-pubout"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    (tmp_path / "previous-public-keys.pem").write_bytes(public + public)
    settings.SHC_PRIVATE_KEY_FILE = str(tmp_path / "signing-key.pem")
    settings.SHC_PREVIOUS_PUBLIC_KEYS_FILE = str(tmp_path / "previous-public-keys.pem")
    call_command("check")  # raises SystemCheckError on a key it refuses
    keys = published_key_set()["keys"]
    assert len(keys) == 1  # the same key twice, and the signing key itself: published once
    assert keys[0]["kid"] == jwk.JWK.from_pem(public).thumbprint()


def test_with_debug_on_a_development_card_key_is_made_once_and_kept(
    read_settings, settings, tmp_path
):
    development = read_settings(DEBUG="true")
    assert development["SHC_MAKE_DEVELOPMENT_KEY"] is True
    assert development["SHC_PRIVATE_KEY_FILE"] == str(ROOT / "var" / "shc-development-key.pem")
    # Under this test's folder rather than the checkout's var/.
    settings.SHC_MAKE_DEVELOPMENT_KEY = True
    settings.SHC_PRIVATE_KEY_FILE = str(tmp_path / "var" / "shc-development-key.pem")
    first = signing_key().thumbprint()
    kept = jwk.JWK.from_pem((tmp_path / "var" / "shc-development-key.pem").read_bytes())
    assert kept.thumbprint() == first  # on disk: what the next process reads
    assert signing_key().thumbprint() == first


def test_with_debug_off_emails_are_files_only_when_email_url_names_a_folder(
    read_settings, tmp_path
):
    s = read_settings(**{**PRODUCTION, "EMAIL_URL": f"filemail://{tmp_path}"})
    assert s["EMAIL_BACKEND"] == "cvms.mail.FileBackend"
    assert s["EMAIL_FILE_PATH"] == str(tmp_path)


def test_it_refuses_to_start_with_a_relay_ca_file_that_is_not_there(read_settings, tmp_path):
    refusal = _refusal(read_settings, EMAIL_SSL_CAFILE=str(tmp_path / "state-ca.pem"))
    assert "EMAIL_SSL_CAFILE names no file" in refusal


def test_it_refuses_to_start_without_redis_when_debug_is_off(read_settings):
    # Not a broker in one machine's files and a rate limit counted per process.
    refusal = _refusal(read_settings, **{**PRODUCTION, "REDIS_URL": ""})
    assert "REDIS_URL must be set when DEBUG is off" in refusal


def test_with_debug_off_one_machine_runs_without_redis_when_it_says_so(read_settings):
    s = read_settings(**{**PRODUCTION, "REDIS_URL": "", "SINGLE_MACHINE": "true"})
    assert s["CELERY_BROKER_URL"] == "filesystem://"


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    # Accounts whose password is in the README must not appear on a production database.
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo")
    assert "DEBUG is off: seed_demo would create accounts" in str(refused.value)
    assert "--allow-production" in str(refused.value)


def test_database_and_email_come_from_urls(read_settings):
    s = read_settings(
        DATABASE_URL="postgres://cvms:secret@db.example:5432/cvms",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example:587",
    )
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert s["DATABASES"]["default"]["NAME"] == "cvms"
    email = (s["EMAIL_BACKEND"], s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_TLS"])
    assert email == ("cvms.mail.SMTPBackend", "smtp.example", 587, True)


def test_admins_are_a_list_of_addresses_with_optional_names(read_settings):
    s = read_settings(ADMINS="ops@state.example, Ops Team <team@state.example>")
    assert s["ADMINS"] == [("", "ops@state.example"), ("Ops Team", "team@state.example")]


def test_it_refuses_to_start_with_admins_that_are_not_addresses(read_settings):
    assert "ADMINS must be email addresses" in _refusal(read_settings, ADMINS="ops team")


def test_the_mail_server_has_ten_seconds_per_answer_not_for_ever(read_settings, settings):
    # Django's SMTP backend waits for ever by default, and django-environ's EMAIL_URL sets no
    # timeout: a hung relay would hold a sender, and the emails it claimed, indefinitely.
    s = read_settings(EMAIL_URL="smtp://smtp.example:25")
    for name in [name for name in s if name.startswith("EMAIL_")]:
        setattr(settings, name, s[name])
    assert get_connection().timeout == 10


def test_with_redis_the_task_of_a_killed_worker_runs_again_within_five_minutes(read_settings):
    # Redis hands an unacknowledged message on only after its visibility timeout: it was an
    # hour. The outbox's and the jobs' own sweeps do not depend on it; other tasks do.
    s = read_settings(REDIS_URL="redis://redis.example:6379/0")
    assert s["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] <= 5 * 60


def test_by_default_emails_are_files_under_var_mail_and_the_broker_needs_no_server(
    read_settings,
):
    s = read_settings(DATABASE_URL="", EMAIL_URL="", REDIS_URL="")
    assert s["EMAIL_BACKEND"] == "cvms.mail.FileBackend"
    assert s["EMAIL_FILE_PATH"] == str(ROOT / "var" / "mail")
    assert s["CELERY_BROKER_URL"] == "filesystem://"


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names():
    # CI runs the suite twice, on SQLite and on PostgreSQL: this is what tells the runs apart.
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_behind_a_proxy_it_refuses_to_start_without_trusted_proxies(read_settings):
    # Every request would seem to come from the proxy: one client's wrong passwords would lock
    # everyone out.
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "true"}
    refusal = _refusal(read_settings, **env, TRUSTED_PROXIES="")
    assert "TRUSTED_PROXIES must be set when SECURE_PROXY_SSL_HEADER is on" in refusal
    s = read_settings(**env, TRUSTED_PROXIES="172.28.0.10")
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert s["TRUSTED_PROXIES"] == ["172.28.0.10"]


def test_it_refuses_to_start_with_a_trusted_proxy_that_is_not_an_address(read_settings):
    refusal = _refusal(read_settings, TRUSTED_PROXIES="10.0.0.0/8,nginx")
    assert "TRUSTED_PROXIES: 'nginx' is not an IP address or network" in refusal


@pytest.mark.parametrize("seconds", ["0", "31"])
def test_a_send_slice_beyond_what_the_sweep_allows_refuses_start_up(read_settings, seconds):
    refusal = _refusal(read_settings, EMAIL_SEND_SLICE_SECONDS=seconds)
    assert "EMAIL_SEND_SLICE_SECONDS must be 1 to 30 seconds" in refusal


def test_the_send_slice_is_read_from_the_environment(read_settings):
    assert read_settings()["EMAIL_SEND_SLICE_SECONDS"] == 5
    assert read_settings(EMAIL_SEND_SLICE_SECONDS="2")["EMAIL_SEND_SLICE_SECONDS"] == 2
