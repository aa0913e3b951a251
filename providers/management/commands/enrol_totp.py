from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import User, normalize_login_email


class Command(BaseCommand):
    help = (
        "Enrols an authenticator app for a staff account (STAFF_TWO_FACTOR): prints the "
        "otpauth:// link to add to the app (or show as a QR code). For the first superuser; "
        "after that, superusers enrol staff in the admin's TOTP devices."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="authenticator app")

    def handle(self, *args, email: str, name: str, **options) -> None:
        user = User.objects.filter(username=normalize_login_email(email), is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff account signs in as {email}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(f"Add this to the authenticator app of {user.username}:")
        self.stdout.write(device.config_url)
