"""GET /health/: whether this web process can reach its database and Redis.

docker-compose's health check and the proxy call it. 200 when everything answers, 503 when
something does not; the body names each part and its state, nothing more:
`{"database": "ok", "redis": "unavailable"}` ("redis" only when REDIS_URL is set). What went
wrong (an error's text holds host names, ports, user names) goes to the log, never the body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.log import log_response
from redis.backoff import NoBackoff
from redis.retry import Retry

HEALTH_PATH = "/health/"
OK, UNAVAILABLE = "ok", "unavailable"
# A probe that waits longer than this for Redis is itself timed out by docker (5 s).
REDIS_TIMEOUT_SECONDS = 1

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    # One trivial statement over the request's connection. A kept connection (CONN_MAX_AGE)
    # whose server went away fails here or in Django's check before it (CONN_HEALTH_CHECKS),
    # and a new one cannot be opened: unavailable, never a stale "ok".
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("Health check: the database is unavailable: %s", error)
        return False
    return True


def _redis_answers(url: str) -> bool:
    # A connection of its own, closed at once: the probe says whether Redis answers now, not
    # what a pool remembers. No retries (redis-py retries 10 times with backoff by default).
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        with client:
            client.ping()
    except Exception as error:
        logger.warning("Health check: Redis is unavailable: %s", error)
        return False
    return True


def health(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    parts = {"database": _database_answers()}
    if settings.REDIS_URL:
        parts["redis"] = _redis_answers(settings.REDIS_URL)
    response = JsonResponse(
        {part: OK if answers else UNAVAILABLE for part, answers in parts.items()},
        status=200 if all(parts.values()) else 503,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if response.status_code != 200:
        # Logged here, at info (the warnings above say what failed), so that Django does not
        # log it again as an error: that would mail ADMINS at every probe of an outage.
        summary = response.content.decode()
        log_response(
            "Health check: %s",
            summary,
            response=response,
            request=request,
            logger=logger,
            level="info",
        )
    return response


class HealthCheckMiddleware:
    """Answers /health/ itself, first of all middleware, and passes everything else on.

    The probe is not a browser, and the middleware after this one would turn it away:
    - docker-compose calls http://127.0.0.1:8000/health/ inside the web container, so its Host
      is 127.0.0.1, not one of ALLOWED_HOSTS: CommonMiddleware would answer 400. Nothing here
      reads the Host (request.get_host() is what checks it), and the answer does not depend
      on it, so any Host is fine for this one path while ALLOWED_HOSTS stays as strict as it
      is for every page. (A probe sending an allowed Host would break the day the operator
      renames the site.)
    - it speaks plain HTTP: SecurityMiddleware would redirect it to https (SECURE_SSL_REDIRECT).
    - no session is read or created, no cookie set, no rate limit counted, nothing cached.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return health(request)
        return self.get_response(request)
