"""The data a fresh database needs for the recipient portal; staff edit all of it in the admin.

- North Carolina's vaccine groups as of early 2021 and their Find My Group rules
  (../shared/reference/nc-vaccine-groups.md).
- The COVID-19 vaccines with CDC's codes (CVX, MVX, manufacturer, NDC and the usual amount).
  Only codes checked against CDC's tables: the CVX list (IIS code sets, COVID-19 vaccine
  related codes) and CDC's Fall 2023 COVID-19 crosswalk for 308, 309, 310 and 313. An NDC is
  left empty where it could not be confirmed (staff add it from the carton). Moderna's
  2023-2024 codes were not confirmed and are left out.
- What the "Help-desk staff" group (helpdesk 0002) holds of the recipient portal's work:
  reading the vaccine groups and products (to answer a recipient), recording doses (never
  deleting one: a superuser's work, which sends NCIR a Delete), reading registrations and a
  recipient's vaccine record on one page, and reading, resending or downloading what NCIR was
  sent and told. The Find My Group rules, the groups' and products' settings and the
  second-dose reminders are a system administrator's.

portal/demo.py's seed_demo restores the groups and products from these lists. The history
before the squash made them in portal 0002, 0003, 0005 and 0007 and helpdesk 0007; this is where
it ended up. Frozen here rather than imported: a migration says what was true when it ran.
"""

import datetime as dt
from decimal import Decimal
from importlib import import_module

from django.db import migrations

# helpdesk's group migration makes the permissions and finds them by name (a migration's module
# name starts with a digit: imported by name).
STAFF_GROUP = import_module("helpdesk.migrations.0002_squashed_staff_group")

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
# name, doses, days to dose 2, CVX, MVX, manufacturer, NDC unit of use, NDC unit of sale, mL
PRODUCTS = [
    ("Pfizer-BioNTech", 2, 21, "208", "PFR", "Pfizer, Inc", "59267-1000-01", "", "0.30"),
    ("Moderna", 2, 28, "207", "MOD", "Moderna US, Inc.", "", "", "0.50"),
    ("Janssen", 1, None, "212", "JSN", "Janssen", "", "", "0.50"),
    ("Novavax", 2, 21, "211", "NVX", "Novavax, Inc.", "", "", "0.50"),
    (
        "Comirnaty 2023-2024 (12 years and older)",
        1,
        None,
        "309",
        "PFR",
        "Pfizer, Inc",
        "00069-2362-01",
        "00069-2362-10",
        "0.30",
    ),
    (
        "Pfizer-BioNTech 2023-2024 (5 through 11 years)",
        1,
        None,
        "310",
        "PFR",
        "Pfizer, Inc",
        "59267-4331-01",
        "59267-4331-02",
        "0.30",
    ),
    (
        "Pfizer-BioNTech 2023-2024 (6 months through 4 years)",
        3,
        21,
        "308",
        "PFR",
        "Pfizer, Inc",
        "59267-4315-01",
        "59267-4315-02",
        "0.30",
    ),
    ("Novavax 2023-2024", 2, 21, "313", "NVX", "Novavax, Inc.", "", "80631-0105-02", "0.50"),
]
CODES = ("cvx_code", "mvx_code", "manufacturer", "ndc_unit", "ndc_sale", "dose_amount_ml")

GROUP = STAFF_GROUP.GROUP
PERMISSIONS = {
    "portal": [
        "view_vaccinegroup",
        "view_product",
        "view_dose",
        "add_dose",
        "change_dose",
        "view_registration",
        "view_vaccinerecord",
        "view_ncirmessage",
        "change_ncirmessage",
    ],
}


def codes_of(row) -> dict:
    """The CDC fields of one PRODUCTS row, by field name."""
    cvx, mvx, manufacturer, ndc_unit, ndc_sale, amount = row[3:]
    values = (cvx, mvx, manufacturer, ndc_unit, ndc_sale, Decimal(amount))
    return dict(zip(CODES, values, strict=True))


def seed(apps, schema_editor) -> None:
    VaccineGroup = apps.get_model("portal", "VaccineGroup")
    GroupRule = apps.get_model("portal", "GroupRule")
    Product = apps.get_model("portal", "Product")
    for number, name, description, being_vaccinated, since in GROUPS:
        group = VaccineGroup.objects.create(
            number=number,
            name=name,
            description=description,
            being_vaccinated=being_vaccinated,
            since=since,
        )
        for rule_group, criterion, min_age, sector in RULES:
            if rule_group == number:
                GroupRule.objects.create(
                    group=group, criterion=criterion, min_age=min_age, sector=sector
                )
    for row in PRODUCTS:
        name, doses, interval = row[:3]
        Product.objects.create(
            name=name, dose_count=doses, second_dose_after_days=interval, **codes_of(row)
        )


def unseed(apps, schema_editor) -> None:
    apps.get_model("portal", "Product").objects.filter(
        name__in=[row[0] for row in PRODUCTS]
    ).delete()
    apps.get_model("portal", "VaccineGroup").objects.filter(
        number__in=[row[0] for row in GROUPS]
    ).delete()


def grant(apps, schema_editor) -> None:
    STAFF_GROUP.make_permissions(apps)
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(*STAFF_GROUP.permissions_named(apps, PERMISSIONS))


def revoke(apps, schema_editor) -> None:
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*STAFF_GROUP.permissions_named(apps, PERMISSIONS))


class Migration(migrations.Migration):
    # A database that applied the history before the squash has all of this: its last
    # migration stands for this one.
    replaces = [("portal", "0007_ncir_staff_permissions")]

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0002_squashed_staff_group"),
        ("portal", "0001_squashed_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunPython(grant, revoke),
    ]
