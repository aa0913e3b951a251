"""North Carolina's vaccine groups as of early 2021, their Find My Group rules and the three
vaccines (../shared/reference/nc-vaccine-groups.md). Staff edit all of it in the admin.

Frozen here rather than imported: a migration says what was true when it ran.
"""

import datetime as dt

from django.db import migrations

GROUPS = [
    (
        1,
        "Health care workers and long-term care",
        "Health care workers with in-person patient "
        "contact, and long-term care staff and residents.",
        True,
        dt.date(2021, 1, 4),
    ),
    (
        2,
        "Older adults",
        "Anyone 65 or older, regardless of health status or living situation.",
        True,
        dt.date(2021, 1, 14),
    ),
    (
        3,
        "Frontline essential workers",
        "Working in person in one of the eight frontline essential sectors.",
        True,
        dt.date(2021, 2, 24),
    ),
    (
        4,
        "Adults at high risk of exposure or severe illness",
        "Adults 16-64 with high-risk "
        "medical conditions, living in congregate settings, or other essential workers.",
        True,
        dt.date(2021, 3, 17),
    ),
    (5, "Everyone", "Everyone else who wants a vaccine.", True, dt.date(2021, 4, 7)),
]
FRONTLINE = [
    "critical_manufacturing",
    "education",
    "essential_goods",
    "food_agriculture",
    "government",
    "health_public_health",
    "public_safety",
    "transportation",
]
OTHER_ESSENTIAL = [
    "chemical",
    "commercial_facilities",
    "communications",
    "defense",
    "energy",
    "financial",
    "public_works",
]
RULES = [
    (1, "health_care", None, ""),
    (1, "long_term_care", None, ""),
    (2, "age_at_least", 65, ""),
    *((3, "sector_in_person", None, sector) for sector in FRONTLINE),
    (4, "high_risk", None, ""),
    (4, "congregate", None, ""),
    *((4, "sector_in_person", None, sector) for sector in OTHER_ESSENTIAL),
    (5, "everyone", None, ""),
]
PRODUCTS = [("Pfizer-BioNTech", 2, 21), ("Moderna", 2, 28), ("Janssen", 1, None)]


def seed(apps, schema_editor):
    VaccineGroup = apps.get_model("portal", "VaccineGroup")
    GroupRule = apps.get_model("portal", "GroupRule")
    Product = apps.get_model("portal", "Product")
    for number, name, description, being_vaccinated, since in GROUPS:
        group, new = VaccineGroup.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "description": description,
                "being_vaccinated": being_vaccinated,
                "since": since,
            },
        )
        if new:
            for rule_group, criterion, min_age, sector in RULES:
                if rule_group == number:
                    GroupRule.objects.create(
                        group=group, criterion=criterion, min_age=min_age, sector=sector
                    )
    for name, doses, interval in PRODUCTS:
        Product.objects.get_or_create(
            name=name, defaults={"dose_count": doses, "second_dose_after_days": interval}
        )


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
