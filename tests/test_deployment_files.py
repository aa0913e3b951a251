"""The deployment as shipped: docker-compose.yml and deploy/systemd run the topology the
operator's guide describes. Only the proxy is reachable; the schema is migrated once, by a
one-shot job the app's processes wait for; mail has a relay; every process has a health check
or a restart policy; workers stop gracefully with a set number of pool processes.
(No Docker or systemd here: these tests read the files those would run.)"""

import re
import shlex
from pathlib import Path

import pytest

from tests.composefile import load_compose

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return load_compose()["services"]


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else command


def _seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def _unit(name: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    section = None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            section.setdefault(key, []).append(value)
    return sections


def test_only_the_proxy_publishes_a_port(services):
    published = {
        name: ports
        for name, service in services.items()
        for ports in [service.get("ports", [])]
        if any(not str(port).startswith("127.0.0.1:") for port in ports)
    }
    assert list(published) == ["proxy"]
    assert set(published["proxy"]) == {"80:80", "443:443"}


def test_the_proxy_runs_the_shipped_configuration_with_a_mounted_certificate(services):
    volumes = services["proxy"]["volumes"]
    assert "./deploy/nginx/cvms.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert any(v.startswith("${TLS_CERT_DIR:?") and ":/etc/nginx/tls:ro" in v for v in volumes)
    # The 413 page, where deploy/nginx/cvms.conf looks for it.
    assert "./static/errors:/opt/cvms/static/errors:ro" in volumes


def test_a_one_shot_job_migrates_before_web_worker_and_beat_start(services):
    migrate = services["migrate"]
    assert _command(migrate)[:3] == ["python", "manage.py", "migrate"]
    assert migrate["restart"] == "no"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_no_other_process_migrates(services):
    for name, service in services.items():
        if name != "migrate":
            assert "migrate" not in " ".join(_command(service)), name


def test_the_stack_does_not_start_without_a_mail_relay(services):
    for name in ("migrate", *APP_SERVICES):
        assert services[name]["environment"]["EMAIL_URL"].startswith("${EMAIL_URL:?"), name


def test_the_stack_does_not_start_without_the_health_card_key(services):
    # Every process that loads the settings gets the key's folder, read-only, and the file
    # in it; an unset SHC_KEY_DIR stops `docker compose up` with its name.
    for name in ("migrate", *APP_SERVICES):
        service = services[name]
        assert service["environment"]["SHC_PRIVATE_KEY_FILE"] == "/etc/cvms/shc/signing-key.pem"
        (mount,) = [v for v in service["volumes"] if v.endswith(":/etc/cvms/shc:ro")]
        assert mount.startswith("${SHC_KEY_DIR:?"), name


def test_the_vm_settings_name_the_health_card_key():
    example = (UNITS / "cvms.env.example").read_text().splitlines()
    assert "SHC_PRIVATE_KEY_FILE=/etc/cvms/shc/signing-key.pem" in example


def test_the_image_bakes_in_no_health_card_key():
    # collectstatic's throwaway key is made and deleted in one layer.
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line[:1] != "#"]
    instructions = "\n".join(lines).replace("\\\n", " ").splitlines()
    (run,) = [line for line in instructions if line.startswith("RUN") and "collectstatic" in line]
    assert "SHC_PRIVATE_KEY_FILE=/tmp/build-only-shc-key.pem" in run
    assert run.rstrip().endswith("&& rm /tmp/build-only-shc-key.pem")


def test_web_is_checked_over_http_on_its_health_endpoint(services):
    check = services["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    assert "urllib.request.urlopen('http://127.0.0.1:8000/health/'" in check[3]


def test_the_worker_is_checked_through_the_broker(services):
    check = services["worker"]["healthcheck"]["test"]
    assert "celery -A cvms inspect ping -d celery@$$HOSTNAME" in " ".join(check)


def test_beat_is_checked_by_how_recently_it_wrote_its_schedule(services):
    beat = services["beat"]
    schedule = next(a for a in _command(beat) if a.startswith("--schedule="))
    check = " ".join(beat["healthcheck"]["test"])
    assert f"glob.glob('{schedule.removeprefix('--schedule=')}*')" in check
    # beat writes it every 3 minutes (celery's sync_every), plus up to a minute's tick.
    assert 240 <= int(re.search(r"\) > (\d+)\)$", check).group(1)) <= 300


def test_every_long_running_service_restarts(services):
    for name, service in services.items():
        if name != "migrate":
            assert service["restart"] in {"unless-stopped", "always"}, name


def test_the_worker_stops_gracefully_with_a_set_concurrency(services):
    worker = services["worker"]
    assert _seconds(worker["stop_grace_period"]) >= 15
    assert "--concurrency=${WORKER_CONCURRENCY:-2}" in _command(worker)


def test_gunicorn_runs_with_the_redacting_configuration(services):
    command = _command(services["web"])
    assert command[:3] == ["gunicorn", "-c", "python:cvms.gunicorn"]
    assert "--access-logformat" not in command  # the format is cvms/gunicorn.py's


def test_the_image_does_not_migrate_when_it_starts():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "migrate" not in cmd
    assert '"python:cvms.gunicorn"' in cmd


def test_the_vm_units_run_migrate_once_before_web_worker_and_beat():
    migrate = _unit("cvms-migrate.service")["Service"]
    assert migrate["Type"] == ["oneshot"]
    assert migrate["RemainAfterExit"] == ["yes"]
    assert migrate["ExecStart"][0].endswith("manage.py migrate --noinput")
    for name in APP_SERVICES:
        unit = _unit(f"cvms-{name}.service")
        assert "cvms-migrate.service" in unit["Unit"]["Requires"][0].split(), name
        assert "cvms-migrate.service" in unit["Unit"]["After"][0].split(), name


def test_the_vm_units_restart_as_a_dedicated_user_with_their_settings_file():
    for name in APP_SERVICES:
        service = _unit(f"cvms-{name}.service")["Service"]
        assert service["Restart"] == ["always"], name
        assert service["User"] == ["cvms"], name
        assert service["EnvironmentFile"] == ["/etc/cvms/cvms.env"], name


def test_the_vm_web_is_on_the_loopback_with_the_redacting_configuration():
    start = _unit("cvms-web.service")["Service"]["ExecStart"][0].split()
    assert start[1:] == ["-c", "python:cvms.gunicorn", "--bind", "127.0.0.1:8000", "cvms.wsgi"]


def test_the_vm_worker_stops_as_compose_stops_it():
    service = _unit("cvms-worker.service")["Service"]
    assert service["KillMode"] == ["mixed"]
    assert int(service["TimeoutStopSec"][0]) >= 15
    assert "--concurrency=${WORKER_CONCURRENCY}" in service["ExecStart"][0].split()


def test_every_service_s_log_is_capped(services):
    for name, service in services.items():
        options = service["logging"]["options"]
        assert (options["max-size"], options["max-file"]) == ("10m", "5"), name


def test_the_app_trusts_forwarded_headers_from_the_stack_s_own_network(services):
    subnet = load_compose()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    for name in APP_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXIES"] == subnet, name
    assert services["web"]["environment"]["SECURE_PROXY_SSL_HEADER"] == "true"
