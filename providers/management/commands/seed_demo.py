from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from providers.models import Location, LocationManager, Organization, User
from providers.signals import demo_seeded

ORGANIZATION = "Demo Health System"
LOCATIONS = [("NCA650001", "Demo Clinic"), ("NCA650002", "Other Clinic")]
MANAGERS = [("manager@demo.example", "NCA650001"), ("other@demo.example", "NCA650002")]
HELP_DESK = "helpdesk@demo.example"
# Made by helpdesk's migration 0002 (named, not imported: providers import nothing above them).
HELP_DESK_GROUP = "Help-desk staff"


class Command(BaseCommand):
    help = (
        "Creates the demo organization, locations and users, and what the apps above add "
        "(development data only; idempotent)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Create the demo accounts even with DEBUG off.",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        # Their password is in the README: with DEBUG off (production, or what looks like it)
        # they would be a door anyone can open, so only on purpose.
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "DEBUG is off: seed_demo would create accounts whose password is published "
                "(DEMO_PASSWORD). Nothing created. If this is a demonstration site, run it "
                "with --allow-production."
            )
        self._seed()

    @transaction.atomic
    def _seed(self) -> None:
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
        self._help_desk_staff(password, created)
        # The apps above add theirs (the recipient portal's groups, products and demo recipient).
        notes: list[str] = []
        demo_seeded.send(sender=Command, password=password, created=created, notes=notes)

        for line in created:
            self.stdout.write(f"created {line}")
        if not created:
            self.stdout.write("demo data already present; nothing created")
        self.stdout.write(
            "log in as manager@demo.example, other@demo.example (provider portal) or "
            f"helpdesk@demo.example (/admin/) with password: {password}"
        )
        for line in notes:
            self.stdout.write(line)

    def _help_desk_staff(self, password: str, created: list[str]) -> None:
        """The demo help-desk account works as real staff do: through the group, not as a
        superuser (an account from an earlier run that was one is demoted)."""
        user = self._user(HELP_DESK, password, created, is_staff=True)
        if not user.is_staff or user.is_superuser:
            user.is_staff, user.is_superuser = True, False
            user.save(update_fields=["is_staff", "is_superuser"])
            created.append(f"{HELP_DESK} is help-desk staff, not a superuser")
        group = Group.objects.get(name=HELP_DESK_GROUP)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            created.append(f"{HELP_DESK} in group {HELP_DESK_GROUP}")

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
