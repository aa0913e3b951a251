"""Production switches come from the environment and fail loudly when missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7$Kq2!vPz9@Lm4#Rt6^Wy8&Nb1*Hc3(Jd5)Fg0_Ae-Uo+Is=Ep",
    "ALLOWED_HOSTS": "portal.example.gov",
    "SITE_URL": "https://portal.example.gov",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.gov:587",
    "REDIS_URL": "redis://redis.example.gov:6379/0",  # never reached: settings only
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' async-unsafe switch is a test-process setting, not production's.
        if key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
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
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off():
    env = {**PRODUCTION, "ALLOWED_HOSTS": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_it_refuses_to_start_without_email_url_when_debug_is_off():
    # Not files in the worker's container, each welcome email's set-password link in one.
    env = {**PRODUCTION, "EMAIL_URL": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "EMAIL_URL must be set when DEBUG is off" in result.stderr


def test_without_email_url_and_redis_one_error_names_both():
    env = {**PRODUCTION, "EMAIL_URL": "", "REDIS_URL": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "EMAIL_URL must be set when DEBUG is off" in result.stderr
    assert "REDIS_URL must be set when DEBUG is off" in result.stderr


def test_with_debug_off_emails_are_files_only_when_email_url_names_a_folder(tmp_path):
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH)"
    env = {**PRODUCTION, "EMAIL_URL": f"filemail://{tmp_path}"}
    result = _manage("shell", "--verbosity=0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    backend, path = result.stdout.strip().splitlines()
    assert backend == "cvms.mail.FileBackend"
    assert path == str(tmp_path)


def test_it_refuses_to_start_with_a_relay_ca_file_that_is_not_there(tmp_path):
    result = _manage("check", EMAIL_SSL_CAFILE=str(tmp_path / "state-ca.pem"))
    assert result.returncode != 0
    assert "EMAIL_SSL_CAFILE names no file" in result.stderr


def test_it_refuses_to_start_without_redis_when_debug_is_off():
    # Not a broker in one machine's files and a rate limit counted per process.
    env = {**PRODUCTION, "REDIS_URL": ""}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "REDIS_URL must be set when DEBUG is off" in result.stderr


def test_with_debug_off_one_machine_runs_without_redis_when_it_says_so():
    code = "from django.conf import settings as s; print(s.CELERY_BROKER_URL)"
    env = {**PRODUCTION, "REDIS_URL": "", "SINGLE_MACHINE": "true"}
    result = _manage("shell", "--verbosity=0", "-c", code, **env)
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
    result = _manage(
        "shell",
        "--verbosity=0",
        "-c",
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
    result = _manage("shell", "--verbosity=0", "-c", code, ADMINS=admins)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [("", "ops@state.example"), ("Ops Team", "team@state.example")]
    )


def test_it_refuses_to_start_with_admins_that_are_not_addresses():
    result = _manage("check", ADMINS="ops team")
    assert result.returncode != 0
    assert "ADMINS must be email addresses" in result.stderr


def test_the_mail_server_has_ten_seconds_per_answer_not_for_ever():
    # Django's SMTP backend waits for ever by default, and django-environ's EMAIL_URL sets no
    # timeout: a hung relay would hold a sender, and the emails it claimed, indefinitely.
    code = "from django.core.mail import get_connection; print(get_connection().timeout)"
    result = _manage("shell", "--verbosity=0", "-c", code, EMAIL_URL="smtp://smtp.example:25")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10"


def test_with_redis_the_task_of_a_killed_worker_runs_again_within_five_minutes():
    # Redis hands an unacknowledged message on only after its visibility timeout: it was an
    # hour. The outbox's and the jobs' own sweeps do not depend on it; other tasks do.
    code = (
        "from django.conf import settings as s;"
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    )
    result = _manage("shell", "--verbosity=0", "-c", code, REDIS_URL="redis://redis.example:6379/0")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) <= 5 * 60


def test_by_default_emails_are_files_under_var_mail_and_the_broker_needs_no_server():
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND); print(s.EMAIL_FILE_PATH); print(s.CELERY_BROKER_URL)"
    )
    env = {"DATABASE_URL": "", "EMAIL_URL": "", "REDIS_URL": ""}
    result = _manage("shell", "--verbosity=0", "-c", code, **env)
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
    result = _manage("check", **PRODUCTION, SECURE_PROXY_SSL_HEADER="true", TRUSTED_PROXIES="")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must be set when SECURE_PROXY_SSL_HEADER is on" in result.stderr
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "true", "TRUSTED_PROXIES": "172.28.0.10"}
    assert _manage("check", **env).returncode == 0


def test_it_refuses_to_start_with_a_trusted_proxy_that_is_not_an_address():
    result = _manage("check", TRUSTED_PROXIES="10.0.0.0/8,nginx")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx' is not an IP address or network" in result.stderr
