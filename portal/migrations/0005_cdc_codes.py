"""CDC's codes for the COVID-19 vaccines (CVX, MVX, manufacturer, NDC and the usual amount),
filled in for the products migration 0002 seeded, Novavax added, and the 2023-2024 formulations
added as products of their own. Staff edit all of it in the admin.

Only codes checked against CDC's tables: the CVX list (IIS code sets, COVID-19 vaccine related
codes) and CDC's Fall 2023 COVID-19 crosswalk for 308, 309, 310 and 313. An NDC is left empty
where it could not be confirmed (staff add it from the carton). Moderna's 2023-2024 codes were
not confirmed and are left out. A product that exists keeps what staff typed; only empty
fields are filled.

Frozen here rather than imported: a migration says what was true when it ran.
"""

from decimal import Decimal

from django.db import migrations

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


def codes_of(row) -> dict:
    """The CDC fields of one PRODUCTS row, by field name."""
    cvx, mvx, manufacturer, ndc_unit, ndc_sale, amount = row[3:]
    values = (cvx, mvx, manufacturer, ndc_unit, ndc_sale, Decimal(amount))
    return dict(zip(CODES, values, strict=True))


def fill(apps, schema_editor):
    Product = apps.get_model("portal", "Product")
    for row in PRODUCTS:
        name, doses, interval = row[:3]
        codes = codes_of(row)
        product, new = Product.objects.get_or_create(
            name=name,
            defaults={"dose_count": doses, "second_dose_after_days": interval, **codes},
        )
        if not new:
            for field, value in codes.items():
                if getattr(product, field) in (None, ""):
                    setattr(product, field, value)
            product.save()


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_full_dose_record")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
