"""What the state's mail relay sees: a STARTTLS relay whose certificate comes from a private CA
(verified with EMAIL_SSL_CAFILE), and Message-IDs in the portal's own domain.

The relay is a real SMTP server (aiosmtpd) on the loopback that requires STARTTLS, with a
certificate signed by a CA made for the test with openssl.
"""

import email
import shutil
import ssl
import subprocess
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from bulkupload.jobs import run_job, store_upload
from devsupport import free_port
from outbox import sending
from outbox.models import OutboundEmail

HOST = "127.0.0.1"
OPENSSL = shutil.which("openssl")
FILE = b"FirstName,LastName,Date of birth,Email\r\nZoe,Lee,1/2/1990,zoe@example.com\r\n"


def _openssl(*args: str, cwd: Path) -> None:
    if OPENSSL is None:
        pytest.skip("needs openssl (apt-get install openssl)")
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def private_ca(tmp_path_factory) -> Path:
    """A CA of the state's own, and the relay's certificate it signed (for 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("private-ca")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=State Private CA", cwd=folder)  # fmt: skip
    _openssl("req", "-new", *ec, "-keyout", "relay.key", "-out", "relay.csr",
             "-subj", "/CN=relay.state.example", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:relay.state.example\n")
    _openssl("x509", "-req", "-in", "relay.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "relay.pem", "-days", "2", "-extfile", "san.ext",
             cwd=folder)  # fmt: skip
    return folder


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def relay(private_ca, settings):
    """A relay that takes mail only over STARTTLS, with the private CA's certificate; the
    portal's settings point at it (EMAIL_URL=smtp+tls://127.0.0.1:PORT)."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(private_ca / "relay.pem", private_ca / "relay.key")
    inbox = _Inbox()
    controller = Controller(
        inbox, hostname=HOST, port=free_port(HOST), tls_context=tls, require_starttls=True
    )
    settings.EMAIL_BACKEND = "cvms.mail.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = HOST, controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_SSL_CAFILE = True, None
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def welcome_email(demo_clinic, alice) -> OutboundEmail:
    """A welcome email queued by an import, as every recipient's is."""
    upload = store_upload(
        FILE, file_name="f.csv", location=demo_clinic, user=alice, source="command_line"
    )
    assert run_job(upload.pk).created == 1
    return OutboundEmail.objects.get(kind=OutboundEmail.Kind.WELCOME)


def test_without_the_ca_file_the_relays_certificate_is_refused_and_the_email_waits(
    relay, welcome_email
):
    sending.send_due_emails()
    welcome_email.refresh_from_db()
    assert welcome_email.status == OutboundEmail.Status.QUEUED  # retried later, not lost
    assert "CERTIFICATE_VERIFY_FAILED" in welcome_email.last_error
    assert relay.messages == []


def test_with_the_ca_file_the_welcome_email_reaches_the_relay(
    relay, welcome_email, private_ca, settings
):
    settings.EMAIL_SSL_CAFILE = str(private_ca / "ca.pem")
    sending.send_due_emails()
    welcome_email.refresh_from_db()
    assert welcome_email.status == OutboundEmail.Status.ACCEPTED, welcome_email.last_error
    [message] = relay.messages
    assert message["To"] == "zoe@example.com"


def test_the_ca_file_does_not_make_just_any_certificate_trusted(
    relay, welcome_email, tmp_path, settings
):
    # Another CA's bundle: the relay's certificate still fails, as it should.
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2",
             "-subj", "/CN=Some Other CA", cwd=tmp_path)  # fmt: skip
    settings.EMAIL_SSL_CAFILE = str(tmp_path / "other.pem")
    sending.send_due_emails()
    welcome_email.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in welcome_email.last_error


def test_a_welcome_emails_message_id_is_in_the_site_urls_domain(
    relay, welcome_email, private_ca, settings
):
    settings.EMAIL_SSL_CAFILE = str(private_ca / "ca.pem")
    settings.SITE_URL = "https://vaccines.state.example"
    sending.send_due_emails()
    [message] = relay.messages
    assert message["Message-ID"].endswith("@vaccines.state.example>")


def test_email_message_id_domain_names_another_domain(relay, welcome_email, private_ca, settings):
    settings.EMAIL_SSL_CAFILE = str(private_ca / "ca.pem")
    settings.EMAIL_MESSAGE_ID_DOMAIN = "mail.state.example"
    sending.send_due_emails()
    [message] = relay.messages
    assert message["Message-ID"].endswith("@mail.state.example>")


def test_djangos_own_emails_carry_the_portals_domain_too(client, alice, settings, tmp_path):
    # The provider portal's "Forgot password" is Django's, sent without the outbox; here
    # through the file backend, as `make run` writes emails.
    settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH = "cvms.mail.FileBackend", str(tmp_path)
    client.post("/accounts/password/reset/", {"email": alice.email})
    [written] = tmp_path.iterdir()
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert "reset" in message["Subject"].lower()
    assert message["Message-ID"].endswith("@portal.example>")  # the tests' SITE_URL
