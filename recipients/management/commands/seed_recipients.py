"""Creates many realistic recipients quickly, for demos and benchmarks (development data only)."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from providers.models import Location
from recipients.models import Recipient

FIRST_NAMES = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa "
    "Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew "
    "Donna Joshua Michelle Kenneth Dorothy Kevin Carol Brian Amanda George Melissa Timothy "
    "Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob "
    "Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela "
    "Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine "
    "José María Zoë Chloé Renée André François Noël Inés Björn Søren Łukasz Nguyễn Jürgen "
    "Siobhán Aoife Seán Tomás Ángel Ana Lucía Sofía Mateo Valentina Camila Diego Joaquín"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "O'Brien O'Neil McDonald Smith-Jones St.John Álvarez Ibáñez Núñez Müller Schröder Øster "
    "D'Angelo Van-Dyke Le Tran Pham Hoang Okafor Adeyemi Mensah Haddad Khalil Nakamura Tanaka"
).split()
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com"]
BATCH = 5000


class Command(BaseCommand):
    help = "Creates COUNT realistic recipients at a location, in bulk (development data only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("--location", default="NCA650001", help="Provider PIN")
        parser.add_argument("--seed", type=int, default=2021, help="random seed")

    def handle(self, *args, count: int, location: str, seed: int, **options) -> None:
        place = Location.objects.filter(pin=location).first()
        if place is None:
            raise CommandError(f"No location with Provider PIN {location}; run seed_demo first.")
        created = seed_recipients(place, count, random.Random(seed))  # noqa: S311
        self.stdout.write(f"created {created} recipients at {place.pin}")


def _person(rng: random.Random, location: Location, n: int) -> Recipient:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(27_000))
    handle = f"{first}.{last}{n}".encode("ascii", "ignore").decode().replace("'", "").lower()
    recipient = Recipient(
        location=location,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        email=f"{handle}@{rng.choice(DOMAINS)}",
    )
    recipient.fill_keys()
    return recipient


def seed_recipients(location: Location, count: int, rng: random.Random) -> int:
    """Adds `count` new people (fewer only if random names keep colliding); returns how many."""
    created = 0
    attempts = 0
    while created < count and attempts < count * 2 + BATCH:
        size = min(BATCH, count - created)
        batch = [_person(rng, location, attempts + i) for i in range(size)]
        attempts += size
        with transaction.atomic():
            before = Recipient.objects.filter(location=location).count()
            # Random people sometimes repeat a name and birthday; the constraint drops them.
            Recipient.objects.bulk_create(batch, ignore_conflicts=True)
            created += Recipient.objects.filter(location=location).count() - before
    return created
