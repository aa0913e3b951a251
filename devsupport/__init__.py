"""What the benches and the tests share to run the portal away from real data; the portal itself
never imports it. A bench calls `setup_django()` first, then imports `devsupport.throwaway`."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    """A port on `host` where nothing listens now: for a server a test or a bench starts, or
    for an address that must refuse connections."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def setup_django() -> None:
    """For a script run from anywhere (the benches): the project on the path, Django set up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings")
    django.setup()
