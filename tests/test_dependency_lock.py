"""Builds are reproducible: the environment is exactly the lock, and the lock follows pyproject.

requirements/development.txt is exported from uv.lock by bin/lock; `make` installs it with
pip's --require-hashes into a fresh virtual environment, so what runs here is what the lock says.
"""

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9_.\-]+)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+))?"
)
# Not dependencies: the virtual environment's own installers, from the Python that made it
# (pip freeze leaves them out too), and this project, should someone have pip-installed it.
NOT_LOCKED = {"pip", "setuptools", "wheel", "cvms-provider-portal"}


def locked(path: Path) -> dict[str, str]:
    """The pins of a requirements file that apply to this interpreter."""
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match and (not match["marker"] or Marker(match["marker"].strip()).evaluate()):
            pins[canonicalize_name(match["name"])] = match["version"]
    return pins


def installed() -> dict[str, str]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if canonicalize_name(dist.metadata["Name"]) not in NOT_LOCKED
    }


def test_the_environment_holds_exactly_the_locked_versions():
    assert installed() == locked(ROOT / "requirements" / "development.txt")


def test_production_installs_a_subset_of_the_development_lock_at_the_same_versions():
    production = locked(ROOT / "requirements" / "production.txt")
    development = locked(ROOT / "requirements" / "development.txt")
    assert {name: development.get(name) for name in production} == production
    assert {"django", "celery", "kombu", "redis", "django-otp"} <= production.keys()
    assert "pytest" not in production


def test_every_pin_carries_hashes():
    for name in ("production.txt", "development.txt"):
        text = (ROOT / "requirements" / name).read_text()
        for block in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1]):
            assert "--hash=sha256:" in block, f"{name}: no hash for {block.splitlines()[0]}"


def test_the_lock_is_in_step_with_pyproject():
    check = subprocess.run(
        [str(ROOT / "bin" / "lock"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "UV": str(Path(sys.executable).parent / "uv")},
    )
    assert check.returncode == 0, check.stdout + check.stderr
