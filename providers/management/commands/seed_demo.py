from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from providers.models import Location, LocationManager, Organization, User

ORGANIZATION = "Demo Health System"
LOCATIONS = [("NCA650001", "Demo Clinic"), ("NCA650002", "Other Clinic")]
MANAGERS = [("manager@demo.example", "NCA650001"), ("other@demo.example", "NCA650002")]
HELP_DESK = "helpdesk@demo.example"


class Command(BaseCommand):
    help = "Creates the demo organization, locations and users (development data only; idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = settings.DEMO_PASSWORD
        created: list[str] = []

        organization, new = Organization.objects.get_or_create(name=ORGANIZATION)
        if new:
            created.append(f"organization {organization.name}")
        locations = {}
        for pin, name in LOCATIONS:
            location, new = Location.objects.get_or_create(
                pin=pin, defaults={"name": name, "organization": organization}
            )
            locations[pin] = location
            if new:
                created.append(f"location {name} {pin}")

        for email, pin in MANAGERS:
            user = self._user(email, password, created)
            _, new = LocationManager.objects.get_or_create(user=user, location=locations[pin])
            if new:
                created.append(f"{email} manages {pin}")
        self._user(HELP_DESK, password, created, is_staff=True, is_superuser=True)

        for line in created:
            self.stdout.write(f"created {line}")
        if not created:
            self.stdout.write("demo data already present; nothing created")
        self.stdout.write(
            "log in as manager@demo.example, other@demo.example (provider portal) or "
            f"helpdesk@demo.example (/admin/) with password: {password}"
        )

    def _user(self, email: str, password: str, created: list[str], **flags) -> User:
        user = User.objects.filter(username=email).first()
        if user is None:
            user = User.objects.create_user(email, password, **flags)
            created.append(f"user {email}")
        elif not user.check_password(password):
            # DEMO_PASSWORD changed since the last run: follow it, create nothing.
            user.set_password(password)
            user.save(update_fields=["password"])
        return user
