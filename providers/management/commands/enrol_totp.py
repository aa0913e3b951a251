from base64 import b32encode
from io import StringIO

import segno
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import User, normalize_login_email


def _qr_code(text: str) -> str:
    """`text` as a QR code drawn with block characters, for a terminal (light on dark, as
    most terminals are; the key printed below it is there for any that is not)."""
    drawing = StringIO()
    segno.make(text, error="m").terminal(out=drawing, compact=True)
    return drawing.getvalue()


class Command(BaseCommand):
    help = (
        "Enrols an authenticator app for a staff account (STAFF_TWO_FACTOR): prints a QR code "
        "to scan with the app, its key and its otpauth:// link. The secret is shown this once. "
        "For the first superuser; after that, superusers enrol staff in the admin's TOTP devices."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="authenticator app")

    def handle(self, *args, email: str, name: str, **options) -> None:
        user = User.objects.filter(username=normalize_login_email(email), is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff account signs in as {email}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        # Only the app should keep the secret: the terminal's scroll-back is a copy, so the
        # operator is told to clear it once the app has it.
        self.stdout.write(f"Scan this with the authenticator app of {user.username}:")
        self.stdout.write(_qr_code(device.config_url), ending="")
        key = b32encode(device.bin_key).decode().rstrip("=")
        self.stdout.write(f"Or type this key into the app: {key}")
        self.stdout.write(
            "This secret is shown once: scan it now, then clear the terminal. "
            "Running this again adds another app."
        )
        self.stdout.write("The same, as a link for the app:")
        self.stdout.write(device.config_url)
