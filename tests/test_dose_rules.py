"""The rules of a dose, as one table: what Dose.clean() says for each case (the admin's dose
form and the provider's show these messages beside the fields).

A given dose (complete or partial) needs its lot, an expiry on or after the day it was given,
site, route and amount (the product's usual amount when left empty); a refused one needs none.
Dose numbers go in order, never past the product's count, of the same product as dose 1, on
or after the earlier doses; nothing is given in the future.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal.models import Dose, Product
from tests.helpers import make_dose, make_recipient

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
UNDER_FIVE = "Pfizer-BioNTech 2023-2024 (6 months through 4 years)"  # three doses
FULL = {
    "completion": "CP",
    "lot_number": "EL0140",
    "expiration_date": TODAY + dt.timedelta(days=60),
    "site": "LD",
    "route": "IM",
    "amount_ml": Decimal("0.30"),
}


def _clean(recipient, product="Pfizer-BioNTech", number=1, given_on=YESTERDAY, **fields) -> dict:
    """What clean() says of this dose, field by field ({} when it is fine)."""
    dose = Dose(
        recipient=recipient,
        product=Product.objects.get(name=product),
        dose_number=number,
        given_on=given_on,
        **{**FULL, **fields},
    )
    try:
        dose.clean()
    except ValidationError as refused:
        return refused.message_dict
    return {}


# (case, earlier doses as (product, number, days ago), the dose's fields, what clean() says)
TABLE = [
    ("a full record is fine", [], {}, {}),
    (
        "the lot is required",
        [],
        {"lot_number": ""},
        {"lot_number": ["Enter the lot number from the vial."]},
    ),
    (
        "a lot of spaces is no lot",
        [],
        {"lot_number": "   "},
        {"lot_number": ["Enter the lot number from the vial."]},
    ),
    (
        "the expiry is required",
        [],
        {"expiration_date": None},
        {"expiration_date": ["Enter the expiration date from the vial."]},
    ),
    (
        "a lot that expired before the day given is refused",
        [],
        {"expiration_date": YESTERDAY - dt.timedelta(days=1)},
        {
            "expiration_date": [
                f"This lot expired on {YESTERDAY - dt.timedelta(days=1):%b %-d, %Y}: "
                "it cannot have been given after that."
            ]
        },
    ),
    ("a lot given on its expiry day is fine", [], {"expiration_date": YESTERDAY}, {}),
    ("the site is required", [], {"site": ""}, {"site": ["Choose where the dose was given."]}),
    ("the route is required", [], {"route": ""}, {"route": ["Choose how the dose was given."]}),
    ("an empty amount is the product's usual one", [], {"amount_ml": None}, {}),
    (
        "a refused dose needs no lot, expiry, site, route or amount",
        [],
        {
            "completion": "RE",
            "lot_number": "",
            "expiration_date": None,
            "site": "",
            "route": "",
            "amount_ml": None,
        },
        {},
    ),
    (
        "a partial dose needs its lot like a complete one",
        [],
        {"completion": "PA", "lot_number": ""},
        {"lot_number": ["Enter the lot number from the vial."]},
    ),
    (
        "nothing is given in the future",
        [],
        {"given_on": TODAY + dt.timedelta(days=1), "expiration_date": TODAY + dt.timedelta(days=9)},
        {"given_on": ["A dose cannot be given in the future."]},
    ),
    (
        "no dose past the product's count",
        [],
        {"product": "Janssen", "number": 2},
        {"dose_number": ["Janssen has 1 dose(s): there is no dose 2."]},
    ),
    (
        "dose 2 needs dose 1",
        [],
        {"number": 2},
        {"dose_number": ["Record the recipient's dose 1 first."]},
    ),
    (
        "dose 3 needs dose 2",
        [(UNDER_FIVE, 1, 30)],
        {"product": UNDER_FIVE, "number": 3},
        {"dose_number": ["Record the recipient's dose 2 first."]},
    ),
    (
        "dose 3 after doses 1 and 2 is fine",
        [(UNDER_FIVE, 1, 60), (UNDER_FIVE, 2, 30)],
        {"product": UNDER_FIVE, "number": 3},
        {},
    ),
    (
        "dose 2 is of dose 1's product",
        [("Pfizer-BioNTech", 1, 30)],
        {"product": "Moderna", "number": 2},
        {"product": ["The recipient's dose 1 was Pfizer-BioNTech: use it again."]},
    ),
    (
        "dose 2 is not before dose 1",
        [("Pfizer-BioNTech", 1, 0)],
        {"number": 2},
        {
            "given_on": [
                f"Dose 1 was given on {TODAY:%b %-d, %Y}: a later dose cannot be given before it."
            ]
        },
    ),
    ("dose 2 after dose 1 is fine", [("Pfizer-BioNTech", 1, 21)], {"number": 2}, {}),
]


@pytest.mark.parametrize(
    ("earlier", "fields", "says"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_the_dose_rules(demo_clinic, earlier, fields, says):
    recipient = make_recipient(demo_clinic)
    for product, number, days_ago in earlier:
        make_dose(recipient, product, number, given_on=TODAY - dt.timedelta(days=days_ago))
    assert _clean(recipient, **fields) == says


def test_an_empty_amount_is_filled_with_the_product_s_usual_amount(demo_clinic):
    dose = Dose(
        recipient=make_recipient(demo_clinic),
        product=Product.objects.get(name="Moderna"),
        dose_number=1,
        given_on=YESTERDAY,
        **{**FULL, "amount_ml": None},
    )
    dose.clean()
    assert dose.amount_ml == Decimal("0.50")


def test_an_empty_amount_without_a_usual_one_is_an_error(demo_clinic):
    Product.objects.filter(name="Moderna").update(dose_amount_ml=None)
    said = _clean(make_recipient(demo_clinic), "Moderna", amount_ml=None)
    assert said == {"amount_ml": ["Enter the amount given."]}
