"""The configured broker carries tasks to a real Celery worker.

On a bare machine that is kombu's filesystem transport; with REDIS_URL set (as in CI) it is
Redis. Each run uses its own queue, so a developer's running worker never takes the message.
"""

import threading
import uuid

from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache

from cvms.celery import app


def test_the_celery_app_reads_its_broker_from_settings():
    assert app.main == "cvms"
    expected = settings.REDIS_URL or "filesystem://"
    assert app.conf.broker_url == expected
    assert app.conf.task_acks_late is True


def test_a_real_worker_runs_a_task_sent_through_the_broker():
    queue = f"test-{uuid.uuid4().hex}"
    ran = threading.Event()
    received: list[str] = []

    @app.task(name=f"tests.{queue}", shared=False)
    def remember(value: str) -> None:
        received.append(value)
        ran.set()

    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        remember.apply_async(args=["hello"], queue=queue)
        assert ran.wait(timeout=20), "the worker never ran the task"
    assert received == ["hello"]


def test_the_cache_round_trips(settings):
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, {"ok": 1}, timeout=30)
    assert cache.get(key) == {"ok": 1}
    cache.delete(key)
    if settings.REDIS_URL:
        assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
