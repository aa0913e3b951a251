"""The VXU^V04 message each dose is reported to NCIR with: queued when the dose is saved with
its full record, an Add, then an Update for a correction and a Delete when it is deleted;
parsed and validated as HL7 v2.5.1 by hl7apy, and read field by field.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from portal import doses
from portal.models import Dose, NcirMessage, Product
from tests.helpers import make_dose, make_portal_recipient, make_registration

GIVEN_ON = dt.date(2021, 3, 1)
# (product, CVX, MVX, NDC unit of use or "") as portal migration 0002 seeds them
SEEDED = [
    ("Pfizer-BioNTech", "208", "PFR", "59267-1000-01"),
    ("Moderna", "207", "MOD", ""),
    ("Janssen", "212", "JSN", ""),
    ("Novavax", "211", "NVX", ""),
    ("Comirnaty 2023-2024 (12 years and older)", "309", "PFR", "00069-2362-01"),
    ("Pfizer-BioNTech 2023-2024 (5 through 11 years)", "310", "PFR", "59267-4331-01"),
    ("Pfizer-BioNTech 2023-2024 (6 months through 4 years)", "308", "PFR", "59267-4315-01"),
    ("Novavax 2023-2024", "313", "NVX", ""),
]


def _record(recipient, product="Pfizer-BioNTech", number=1, **fields) -> Dose:
    """A dose recorded as the admin and the provider's form record it (portal.doses)."""
    fields = {
        "given_on": GIVEN_ON,
        "lot_number": "EL0140",
        "expiration_date": dt.date(2021, 6, 30),
        "site": "LD",
        "route": "IM",
        "amount_ml": Decimal("0.30"),
        "vaccinator_name": "Nina Nurse",
        "vis_date": dt.date(2020, 12, 11),
        "location": recipient.location,
        **fields,
    }
    dose = Dose(
        recipient=recipient, product=Product.objects.get(name=product), dose_number=number, **fields
    )
    dose.clean()
    doses.save_dose(dose, by=None)
    return dose


def _parsed(message: NcirMessage):
    """The stored message, parsed and validated against v2.5.1's VXU_V04 by hl7apy."""
    vxu = parse_message(message.message, validation_level=VALIDATION_LEVEL.STRICT)
    assert vxu.validate()
    return vxu


@pytest.fixture
def pat(demo_clinic):
    return make_portal_recipient(
        demo_clinic,
        first_name="Pat",
        last_name="Doe",
        date_of_birth=dt.date(1961, 7, 4),
        email="pat@example.com",
    )


@pytest.mark.parametrize(("product", "cvx", "mvx", "ndc"), SEEDED)
def test_each_seeded_product_makes_a_valid_vxu(pat, product, cvx, mvx, ndc):
    dose = _record(pat, product)
    vxu = _parsed(NcirMessage.objects.get(dose=dose))
    rxa = vxu.vxu_v04_order.rxa
    assert rxa.rxa_5.ce_1.to_er7() == cvx
    assert rxa.rxa_5.ce_3.to_er7() == "CVX"
    assert rxa.rxa_5.ce_4.to_er7() == ndc
    assert rxa.rxa_17.to_er7().startswith(f"{mvx}^")
    assert vxu.msh.msh_9.to_er7() == "VXU^V04^VXU_V04"
    assert vxu.msh.msh_12.to_er7() == "2.5.1"


def test_the_message_carries_the_full_record_field_by_field(pat):
    make_registration(pat, sex="female")
    dose = _record(pat)
    message = NcirMessage.objects.get(dose=dose)
    vxu = _parsed(message)
    assert vxu.msh.msh_4.to_er7() == "NCA650001"
    assert vxu.msh.msh_10.to_er7() == message.control_id
    assert vxu.msh.msh_21.to_er7() == "Z22^CDCPHINVS"
    assert vxu.pid.pid_3.to_er7() == f"{pat.pk}^^^CVMS^MR"
    assert vxu.pid.pid_5.to_er7() == "Doe^Pat^^^^^L"
    assert vxu.pid.pid_7.to_er7() == "19610704"
    assert vxu.pid.pid_8.to_er7() == "F"
    order = vxu.vxu_v04_order
    assert order.orc.orc_3.to_er7() == f"DOSE{dose.pk}^CVMS"
    rxa = order.rxa
    assert rxa.rxa_3.to_er7() == "20210301"
    assert rxa.rxa_5.to_er7() == "208^Pfizer-BioNTech^CVX^59267-1000-01^Pfizer-BioNTech^NDC"
    assert rxa.rxa_6.to_er7() == "0.30"
    assert rxa.rxa_7.to_er7() == "mL^milliliter^UCUM"
    assert rxa.rxa_10.to_er7() == "^Nurse^Nina"
    assert rxa.rxa_15.to_er7() == "EL0140"
    assert rxa.rxa_16.to_er7() == "20210630"
    assert rxa.rxa_17.to_er7() == "PFR^Pfizer, Inc^MVX"
    assert (rxa.rxa_20.to_er7(), rxa.rxa_21.to_er7()) == ("CP", "A")
    assert order.rxr.rxr_1.to_er7() == "IM^Intramuscular^HL70162"
    assert order.rxr.rxr_2.to_er7() == "LD^Left deltoid^HL70163"
    observations = {
        obx.obx_3.ce_1.to_er7(): obx.obx_5.to_er7()
        for obx in (group.obx for group in order.vxu_v04_observation)
    }
    assert observations == {
        "64994-7": "V01^Not VFC eligible^HL70064",
        "30963-3": "VXC50^Public^CDCPHINVS",
        "30956-7": "208^Pfizer-BioNTech^CVX",
        "29768-9": "20201211",
        "29769-7": "20210301",
    }


def test_delimiters_in_a_name_are_escaped(demo_clinic):
    odd = make_portal_recipient(
        demo_clinic, first_name="Jo&hn~", last_name="O^Brien|Smith\\", email="odd@example.com"
    )
    vxu = _parsed(NcirMessage.objects.get(dose=_record(odd)))
    assert vxu.pid.pid_5.to_er7() == r"O\S\Brien\F\Smith\E\^Jo\T\hn\R\^^^^^L"
    # Still one PID with its fields where they belong: the name broke nothing.
    assert vxu.pid.pid_7.to_er7() == "19900102"
    assert len(vxu.pid.pid_5.xpn_1.to_er7().split("^")) == 1


def test_a_correction_is_an_update_and_a_deletion_a_delete(pat, root):
    dose = _record(pat)
    dose.lot_number = "EL0141"
    doses.save_dose(dose, by=root)
    doses.delete_dose(Dose.objects.get(pk=dose.pk), by=root)
    sent = list(NcirMessage.objects.order_by("created_at", "id"))
    assert [m.action for m in sent] == ["A", "U", "D"]
    assert [_parsed(m).vxu_v04_order.rxa.rxa_21.to_er7() for m in sent] == ["A", "U", "D"]
    assert _parsed(sent[1]).vxu_v04_order.rxa.rxa_15.to_er7() == "EL0141"
    # The dose is gone; its messages stay, the delete among them, for the next batch.
    assert not Dose.objects.exists()
    assert [m.dose_id for m in sent] == [None, None, None]
    assert sent[2].status == NcirMessage.Status.PENDING
    assert {m.location.pin for m in sent} == {"NCA650001"}


def test_a_dose_never_reported_is_deleted_without_a_message(pat, root):
    dose = make_dose(pat)  # before the full record: incomplete
    doses.delete_dose(dose, by=root)
    assert not NcirMessage.objects.exists()


def test_an_incomplete_dose_is_not_reported_until_completed(pat):
    dose = make_dose(pat, given_on=GIVEN_ON)
    doses.save_dose(dose, by=None)
    assert not NcirMessage.objects.exists()
    for name, value in {
        "lot_number": "EL0140",
        "expiration_date": dt.date(2021, 6, 30),
        "site": "RD",
        "route": "IM",
        "amount_ml": Decimal("0.3"),
    }.items():
        setattr(dose, name, value)
    doses.save_dose(dose, by=None)
    assert list(NcirMessage.objects.values_list("action", flat=True)) == ["A"]


def test_each_message_has_its_own_control_id(pat):
    _record(pat)
    _record(pat, number=2, given_on=GIVEN_ON + dt.timedelta(days=21))
    ids = [_parsed(m).msh.msh_10.to_er7() for m in NcirMessage.objects.all()]
    assert len(set(ids)) == 2
