"""Production switches come from the environment and fail loudly when missing."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from jwcrypto import jwk

from portal.healthcards import new_private_key_pem

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


def _environment(**env: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' async-unsafe switch is a test-process setting, not production's.
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "SHC_PRIVATE_KEY_FILE",
            "SHC_PREVIOUS_PUBLIC_KEYS_FILE",
        }
    }
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


def _settings(code: str = "", **env: str) -> subprocess.CompletedProcess:
    """A process that reads the settings (as every command, web and worker process does first)
    and runs `code` with them as `s`: what the settings module itself decides, refuses or
    derives, without the cost of starting every app (a fifth of `manage.py`'s)."""
    read = f"from django.conf import settings as s; s.INSTALLED_APPS; {code}"
    return subprocess.run(
        [sys.executable, "-c", read],
        cwd=ROOT,
        env=_environment(DJANGO_SETTINGS_MODULE="cvms.settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_silent_with_debug_off_and_a_secret_key():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _settings(**env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    env = {**PRODUCTION, "ALLOWED_HOSTS": ""}
    result = _settings(**env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_it_refuses_to_start_without_email_url_when_debug_is_off():
    # Not files in the worker's container, each welcome email's set-password link in one.
    env = {**PRODUCTION, "EMAIL_URL": ""}
    result = _settings(**env)
    assert result.returncode != 0
    assert "EMAIL_URL must be set when DEBUG is off" in result.stderr


def test_without_email_url_and_redis_one_error_names_both():
    env = {**PRODUCTION, "EMAIL_URL": "", "REDIS_URL": ""}
    result = _settings(**env)
    assert result.returncode != 0
    assert "EMAIL_URL must be set when DEBUG is off" in result.stderr
    assert "REDIS_URL must be set when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_a_health_card_key_when_debug_is_off():
    # Not a key made on the spot: cards signed by one web process would not verify against
    # another's, nor after a restart.
    env = {**PRODUCTION, "SHC_PRIVATE_KEY_FILE": ""}
    result = _settings(**env)
    assert result.returncode != 0
    assert "SHC_PRIVATE_KEY_FILE must be set when DEBUG is off" in result.stderr


def test_without_email_url_redis_and_the_card_key_one_error_names_all_three():
    env = {**PRODUCTION, "EMAIL_URL": "", "REDIS_URL": "", "SHC_PRIVATE_KEY_FILE": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    for name in ("EMAIL_URL", "REDIS_URL", "SHC_PRIVATE_KEY_FILE"):
        assert f"{name} must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize("name", ["SHC_PRIVATE_KEY_FILE", "SHC_PREVIOUS_PUBLIC_KEYS_FILE"])
def test_it_refuses_to_start_with_a_card_key_file_that_is_not_there(tmp_path, name):
    result = _settings(**{**PRODUCTION, name: str(tmp_path / "missing.pem")})
    assert result.returncode != 0
    assert f"{name} names no file: {tmp_path / 'missing.pem'}" in result.stderr


def test_check_refuses_a_card_key_that_is_not_es256(tmp_path):
    p384 = jwk.JWK.generate(kty="EC", crv="P-384").export_to_pem(private_key=True, password=None)
    (tmp_path / "p384.pem").write_bytes(p384)
    result = _manage("check", **{**PRODUCTION, "SHC_PRIVATE_KEY_FILE": str(tmp_path / "p384.pem")})
    assert result.returncode != 0
    assert "portal.E001" in result.stderr and "not EC P-256" in result.stderr


def test_check_refuses_a_public_key_as_the_card_signing_key(tmp_path):
    key = jwk.JWK.from_pem(Path(PRODUCTION["SHC_PRIVATE_KEY_FILE"]).read_bytes())
    (tmp_path / "public.pem").write_bytes(key.export_to_pem(private_key=False))
    result = _manage(
        "check", **{**PRODUCTION, "SHC_PRIVATE_KEY_FILE": str(tmp_path / "public.pem")}
    )
    assert result.returncode != 0
    assert "SHC_PRIVATE_KEY_FILE must hold one private key" in result.stderr


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
def test_the_readme_s_openssl_commands_make_keys_the_portal_uses(tmp_path):
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
    code = (
        "from portal.healthcards import published_key_set as k;"
        "print(len(k()['keys']), k()['keys'][0]['kid'])"
    )
    env = {
        **PRODUCTION,
        "SHC_PRIVATE_KEY_FILE": str(tmp_path / "signing-key.pem"),
        "SHC_PREVIOUS_PUBLIC_KEYS_FILE": str(tmp_path / "previous-public-keys.pem"),
    }
    assert _manage("check", **env).returncode == 0
    result = _manage("shell", "--verbosity=0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    count, kid = result.stdout.split()
    assert count == "1"  # the same key twice, and the signing key itself: published once
    assert kid == jwk.JWK.from_pem(public).thumbprint()


def test_with_debug_on_a_development_card_key_is_made_once_and_kept():
    code = "from portal.healthcards import signing_key as k; print(k().thumbprint())"
    first = _manage("shell", "--verbosity=0", "-c", code, DEBUG="true")
    second = _manage("shell", "--verbosity=0", "-c", code, DEBUG="true")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert (ROOT / "var" / "shc-development-key.pem").is_file()


def test_with_debug_off_emails_are_files_only_when_email_url_names_a_folder(tmp_path):
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH)"
    env = {**PRODUCTION, "EMAIL_URL": f"filemail://{tmp_path}"}
    result = _settings(code, **env)
    assert result.returncode == 0, result.stderr
    backend, path = result.stdout.strip().splitlines()
    assert backend == "cvms.mail.FileBackend"
    assert path == str(tmp_path)


def test_it_refuses_to_start_with_a_relay_ca_file_that_is_not_there(tmp_path):
    result = _settings(EMAIL_SSL_CAFILE=str(tmp_path / "state-ca.pem"))
    assert result.returncode != 0
    assert "EMAIL_SSL_CAFILE names no file" in result.stderr


def test_it_refuses_to_start_without_redis_when_debug_is_off():
    # Not a broker in one machine's files and a rate limit counted per process.
    env = {**PRODUCTION, "REDIS_URL": ""}
    result = _settings(**env)
    assert result.returncode != 0
    assert "REDIS_URL must be set when DEBUG is off" in result.stderr


def test_with_debug_off_one_machine_runs_without_redis_when_it_says_so():
    code = "from django.conf import settings as s; print(s.CELERY_BROKER_URL)"
    env = {**PRODUCTION, "REDIS_URL": "", "SINGLE_MACHINE": "true"}
    result = _settings(code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "filesystem://"


def test_seed_demo_refuses_to_run_with_debug_off():
    # Accounts whose password is in the README must not appear on a production database.
    result = _manage("seed_demo", **PRODUCTION)
    assert result.returncode != 0
    assert "DEBUG is off: seed_demo would create accounts" in result.stderr
    assert "--allow-production" in result.stderr


def test_database_and_email_come_from_urls(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.DATABASES['default']['NAME']);"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    result = _settings(
        code,
        DATABASE_URL="postgres://cvms:secret@db.example:5432/cvms",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example:587",
    )
    assert result.returncode == 0, result.stderr
    engine, name, email = result.stdout.strip().splitlines()
    assert engine == "django.db.backends.postgresql"
    assert name == "cvms"
    assert email == "cvms.mail.SMTPBackend smtp.example 587 True"


def test_admins_are_a_list_of_addresses_with_optional_names():
    code = "from django.conf import settings as s; print(s.ADMINS)"
    admins = "ops@state.example, Ops Team <team@state.example>"
    result = _settings(code, ADMINS=admins)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [("", "ops@state.example"), ("Ops Team", "team@state.example")]
    )


def test_it_refuses_to_start_with_admins_that_are_not_addresses():
    result = _settings(ADMINS="ops team")
    assert result.returncode != 0
    assert "ADMINS must be email addresses" in result.stderr


def test_the_mail_server_has_ten_seconds_per_answer_not_for_ever():
    # Django's SMTP backend waits for ever by default, and django-environ's EMAIL_URL sets no
    # timeout: a hung relay would hold a sender, and the emails it claimed, indefinitely.
    code = "from django.core.mail import get_connection; print(get_connection().timeout)"
    result = _settings(code, EMAIL_URL="smtp://smtp.example:25")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10"


def test_with_redis_the_task_of_a_killed_worker_runs_again_within_five_minutes():
    # Redis hands an unacknowledged message on only after its visibility timeout: it was an
    # hour. The outbox's and the jobs' own sweeps do not depend on it; other tasks do.
    code = (
        "from django.conf import settings as s;"
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    )
    result = _settings(code, REDIS_URL="redis://redis.example:6379/0")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) <= 5 * 60


def test_by_default_emails_are_files_under_var_mail_and_the_broker_needs_no_server():
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH); print(s.CELERY_BROKER_URL)"
    )
    env = {"DATABASE_URL": "", "EMAIL_URL": "", "REDIS_URL": ""}
    result = _settings(code, **env)
    assert result.returncode == 0, result.stderr
    backend, path, broker = result.stdout.strip().splitlines()
    assert backend == "cvms.mail.FileBackend"
    assert path == str(ROOT / "var" / "mail")
    assert broker == "filesystem://"


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names():
    # CI runs the suite twice, on SQLite and on PostgreSQL: this is what tells the runs apart.
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_behind_a_proxy_it_refuses_to_start_without_trusted_proxies():
    # Every request would seem to come from the proxy: one client's wrong passwords would lock
    # everyone out.
    result = _settings(**PRODUCTION, SECURE_PROXY_SSL_HEADER="true", TRUSTED_PROXIES="")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must be set when SECURE_PROXY_SSL_HEADER is on" in result.stderr
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "true", "TRUSTED_PROXIES": "172.28.0.10"}
    assert _manage("check", **env).returncode == 0


def test_it_refuses_to_start_with_a_trusted_proxy_that_is_not_an_address():
    result = _settings(TRUSTED_PROXIES="10.0.0.0/8,nginx")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx' is not an IP address or network" in result.stderr
