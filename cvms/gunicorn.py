"""gunicorn's settings for the portal, the same wherever it runs:

    gunicorn -c python:cvms.gunicorn --bind ADDRESS cvms.wsgi

(docker-compose.yml and deploy/systemd/cvms-web.service). Options given on the command line win.

The access log must not hold what opens an account. The welcome email's set-up link works for
RECIPIENT_SETUP_LINK_DAYS (30 days), and the two "Forgot password" links carry a token too: a
log line with one is a key to someone's account for whoever reads the logs, or the place they
are shipped to. "Search this list" puts names in query strings. So every line gunicorn writes
goes through `redact`, whatever access_log_format an operator chooses; the proxy in front
(deploy/nginx/cvms.conf) does the same with its own map.
"""

import logging
import os
import re
from urllib.parse import unquote

from gunicorn.glogging import Logger

# Every URL with a token (providers/urls.py, portal/urls.py): /<prefix>/<uidb64>/<token>/.
# Django's confirm views then redirect to /<prefix>/<uidb64>/set-password/ (the portal's
# reset: new-password/), having moved the token into the session; those lose nothing by being
# redacted the same way. Separators may be doubled and letters of either case: the pattern
# must not be easier to dodge than the URL is to reach.
TOKEN_PATH = re.compile(
    r"(/(?:accounts/+password/+reset|portal/+setup|portal/+password/+reset)/+)"
    r"[^/?#\s]+/+[^/?#\s]+",
    re.IGNORECASE,
)
HIDDEN_LINK = r"\1[uid]/[token]"
QUERY = re.compile(r"\?[^\s\"]*")
CONTROL = re.compile(r"[\x00-\x1f\x7f\"\\]")
# Headers that are credentials in themselves: never written, whatever the format asks for.
SECRET_ATOMS = {
    "{cookie}i",
    "{authorization}i",
    "{proxy-authorization}i",
    "{x-csrftoken}i",
    "{set-cookie}o",
    "{http_cookie}e",
    "{http_authorization}e",
    "{http_x_csrftoken}e",
}
QUERY_ATOMS = {"q", "{query_string}e"}


def redact(text: str) -> str:
    """`text` (a path, a request line, a Referer) without a query string or a token, with
    control characters and quotes escaped so that a request cannot forge a log line. Percent
    escapes are decoded first, as Django decodes them before routing."""
    text = TOKEN_PATH.sub(HIDDEN_LINK, QUERY.sub("", unquote(text)))
    return CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _redact_record(record: logging.LogRecord) -> bool:
    # gunicorn's own errors name the request ("Error handling request /portal/setup/…").
    record.msg, record.args = redact(record.getMessage()), None
    return True


class RedactingLogger(Logger):
    """gunicorn's logger, writing no token, query string or credential header."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_redact_record)

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in SECRET_ATOMS or key in QUERY_ATOMS:
                atoms[key] = "-"
            elif isinstance(value, str):
                atoms[key] = redact(value)
        # The request line as the client sent it may be percent-encoded or absolute: write it
        # from the path Django routes on instead.
        path = redact(environ.get("PATH_INFO", ""))
        atoms["r"] = f"{atoms['m']} {path} {atoms['H']}"
        return atoms


logger_class = RedactingLogger
accesslog = "-"
# Client (the proxy), time with its UTC offset, request line (path only), status, bytes, ms.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
# Each worker (each thread) holds one database connection: see docs/operations.md, "Database
# connections", before raising these.
workers = int(os.environ.get("WEB_WORKERS", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
# A request still running when the service stops gets this long; the compose file's and the
# systemd unit's stop timeouts allow for it.
graceful_timeout = 20
# Workers' heartbeat files in memory: on a container's overlay filesystem they can stall.
# (gunicorn makes them with mkstemp, so a shared folder is safe.)
SHARED_MEMORY = "/dev/shm"  # noqa: S108
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY
