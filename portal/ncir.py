"""Reporting doses to NCIR, North Carolina's immunization registry, as HL7 v2.5.1 VXU^V04
messages (CDC's IIS implementation guide, release 1.5, profile Z22), in batch files a registry
onboarding analyst loads, and reading back the registry's ACK file.

- A dose saved with its full record queues one message: Add the first time, Update after; a
  dose deleted after it was reported queues a Delete (RXA-21). The message is built and stored
  when queued (NcirMessage.message), so a deleted dose keeps the message that deletes it.
- Messages are built with hl7apy against the v2.5.1 structures and validated before they are
  stored: values are set as HL7 data types, so a `|^~\\&` in a name is escaped by the library,
  never joined by hand.
- A batch file is one location's messages: FHS, BHS, the messages, BTS (how many messages),
  FTS (one batch). Exporting marks Pending messages Exported; importing ACKs matches MSA-2 to
  the message's control id (MSH-10): AA is Accepted, AE and AR Rejected with the error text.
- Nothing here logs or prints a recipient's name or birth date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.core import Element, Field, Message, Segment
from hl7apy.exceptions import HL7apyException
from hl7apy.factories import datatype_factory
from hl7apy.parser import parse_message
from sequences import get_next_value

from providers.models import Location

from .choices import Sex
from .models import Dose, NcirMessage

VERSION = "2.5.1"
STRICT = VALIDATION_LEVEL.STRICT
SENDING_APPLICATION = "CVMS"
RECEIVING_APPLICATION = "NCIR"
RECEIVING_FACILITY = "NCDHHS"
PROFILE = ("Z22", "CDCPHINVS")  # CDC's VXU profile (send an immunization update)
CONTROL_SEQUENCE = "ncir-control-id"
BATCH_SEQUENCE = "ncir-batch-id"
SEGMENT_END = "\r"

# OBX answers the portal does not ask a provider for. Decision (2021): COVID-19 vaccine was
# bought by the federal government for everyone, so the funding source is public (VXC50) and
# the dose is not a Vaccines for Children dose (V01); NCIR's onboarding may ask for another.
VFC_ELIGIBILITY = ("V01", "Not VFC eligible", "HL70064")
FUNDING_SOURCE = ("VXC50", "Public", "CDCPHINVS")
ROUTES = {"IM": "Intramuscular", "SC": "Subcutaneous", "ID": "Intradermal"}
SEXES = {Sex.FEMALE: "F", Sex.MALE: "M"}


class NotReportable(Exception):
    """The dose lacks what the registry needs (it is incomplete)."""


class ResendRefused(Exception):
    """Only a message the registry rejected is sent again."""


# Building one message ------------------------------------------------------------------------


def _text(element: Element, name: str, value: str, datatype: str = "ST") -> None:
    """Set one leaf as an HL7 value (hl7apy escapes the delimiters in it when writing)."""
    if value not in (None, ""):
        setattr(element, name, datatype_factory(datatype, str(value), VERSION))


def _coded(element: Element, code: str, text: str, system: str, prefix: str = "ce") -> None:
    _text(element, f"{prefix}_1", code)
    _text(element, f"{prefix}_2", text)
    _text(element, f"{prefix}_3", system, "ID")


def _coded_value(obx: Element, code: str, text: str, system: str) -> None:
    """OBX-5 as a coded value: its type varies, so hl7apy takes it as ER7, written here
    by hl7apy from a CE field of its own (escaped as any other value)."""
    coded = Field("RXA_5", version=VERSION, validation_level=STRICT)
    _coded(coded, code, text, system)
    obx.obx_5 = coded.to_er7()


def _day(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def _now() -> str:
    return timezone.localtime().strftime("%Y%m%d%H%M%S%z")


def next_control_id() -> str:
    """CVMS0000000001, ...: unique per message, drawn in the caller's transaction."""
    return f"CVMS{get_next_value(CONTROL_SEQUENCE):010d}"


def _header(message: Message, location: Location, control_id: str) -> None:
    msh = message.msh
    _text(msh.msh_3, "hd_1", SENDING_APPLICATION, "IS")
    _text(msh.msh_4, "hd_1", location.pin, "IS")
    _text(msh.msh_5, "hd_1", RECEIVING_APPLICATION, "IS")
    _text(msh.msh_6, "hd_1", RECEIVING_FACILITY, "IS")
    msh.msh_7 = _now()
    msh.msh_9 = "VXU^V04^VXU_V04"
    _text(msh, "msh_10", control_id)
    msh.msh_11 = "P"
    msh.msh_12 = VERSION
    msh.msh_15 = "ER"  # accept acknowledgment: on error only
    msh.msh_16 = "AL"  # application acknowledgment: always (the ACK file has one per message)
    msh.msh_21 = "^".join(PROFILE)


def _patient(message: Message, dose: Dose) -> None:
    recipient = dose.recipient
    pid = message.add_segment("PID")
    pid.pid_1 = "1"
    # The portal's recipient number is the medical record number (MR) the registry keys on.
    _text(pid.pid_3, "cx_1", recipient.pk)
    _text(pid.pid_3.cx_4, "hd_1", SENDING_APPLICATION, "IS")
    _text(pid.pid_3, "cx_5", "MR", "ID")
    _text(pid.pid_5.xpn_1, "fn_1", recipient.last_name)
    _text(pid.pid_5, "xpn_2", recipient.first_name)
    _text(pid.pid_5, "xpn_7", "L", "ID")  # legal name
    pid.pid_7 = _day(recipient.date_of_birth)
    registration = getattr(recipient, "registration", None)
    sex = SEXES.get(registration.sex, "U") if registration is not None else "U"
    _text(pid, "pid_8", sex, "IS")


def _vaccinator(rxa: Element, name: str) -> None:
    """RXA-10: the vaccinator as typed, family name last ("Jane Q. Nurse")."""
    given, _, family = name.strip().rpartition(" ")
    _text(rxa.rxa_10.xcn_2, "fn_1", family)
    _text(rxa.rxa_10, "xcn_3", given)


def _administration(order: Element, dose: Dose, action: str) -> None:
    product = dose.product
    location = dose.location or dose.recipient.location
    rxa = order.add_segment("RXA")
    rxa.rxa_1 = "0"
    rxa.rxa_2 = "1"
    rxa.rxa_3 = _day(dose.given_on)
    rxa.rxa_4 = _day(dose.given_on)
    _coded(rxa.rxa_5, product.cvx_code, product.name, "CVX")
    if product.ndc_unit:
        _text(rxa.rxa_5, "ce_4", product.ndc_unit)
        _text(rxa.rxa_5, "ce_5", product.name)
        _text(rxa.rxa_5, "ce_6", "NDC", "ID")
    rxa.rxa_6 = str(dose.amount_ml)
    _coded(rxa.rxa_7, "mL", "milliliter", "UCUM")
    _coded(rxa.rxa_9, "00", "New immunization record", "NIP001")
    if dose.vaccinator_name.strip():
        _vaccinator(rxa, dose.vaccinator_name)
    _text(rxa.rxa_11.la2_4, "hd_1", location.pin, "IS")
    _text(rxa, "rxa_15", dose.lot_number)
    rxa.rxa_16 = _day(dose.expiration_date)
    _coded(rxa.rxa_17, product.mvx_code, product.manufacturer, "MVX")
    _text(rxa, "rxa_20", dose.completion, "ID")
    _text(rxa, "rxa_21", action, "ID")
    rxr = order.add_segment("RXR")
    _coded(rxr.rxr_1, dose.route, ROUTES[dose.route], "HL70162")
    _coded(rxr.rxr_2, dose.site, dose.get_site_display(), "HL70163", prefix="cwe")


def _observation(order: Element, number: int, kind: str, code: tuple, sub_id: str) -> Element:
    obx = order.add_group("VXU_V04_OBSERVATION").add_segment("OBX")
    obx.obx_1 = str(number)
    obx.obx_2 = kind
    _coded(obx.obx_3, *code, system="LN")
    obx.obx_4 = sub_id
    obx.obx_11 = "F"
    return obx


def _observations(order: Element, dose: Dose) -> None:
    """VFC eligibility and funding source, then the VIS (vaccine type, edition, given on)."""
    given_on = _day(dose.given_on)
    obx = _observation(order, 1, "CE", ("64994-7", "Vaccine funding program eligibility"), "1")
    _coded_value(obx, *VFC_ELIGIBILITY)
    obx.obx_14 = given_on
    _coded(obx.obx_17, "VXC40", "Eligibility captured at the immunization level", "CDCPHINVS")
    obx = _observation(order, 2, "CE", ("30963-3", "Vaccine funding source"), "2")
    _coded_value(obx, *FUNDING_SOURCE)
    obx.obx_14 = given_on
    if dose.vis_date is None:
        return
    obx = _observation(order, 3, "CE", ("30956-7", "Vaccine type"), "3")
    _coded_value(obx, dose.product.cvx_code, dose.product.name, "CVX")
    obx.obx_14 = given_on
    obx = _observation(
        order, 4, "TS", ("29768-9", "Date vaccine information statement published"), "3"
    )
    obx.obx_5 = _day(dose.vis_date)
    obx.obx_14 = given_on
    obx = _observation(
        order, 5, "TS", ("29769-7", "Date vaccine information statement presented"), "3"
    )
    obx.obx_5 = given_on
    obx.obx_14 = given_on


def build_vxu(dose: Dose, action: str, control_id: str) -> Message:
    """The VXU^V04 message for this dose (its full record) and action (A, U or D),
    validated against HL7 v2.5.1's VXU_V04 structure."""
    if dose.is_incomplete or not dose.product.cvx_code:
        raise NotReportable(f"Dose {dose.pk} lacks what the registry needs.")
    message = Message("VXU_V04", version=VERSION, validation_level=STRICT)
    _header(message, dose.location or dose.recipient.location, control_id)
    _patient(message, dose)
    order = message.add_group("VXU_V04_ORDER")
    orc = order.add_segment("ORC")
    orc.orc_1 = "RE"
    # The filler order number: the dose's own id, how the registry finds it to update it.
    _text(orc.orc_3, "ei_1", f"DOSE{dose.pk}")
    _text(orc.orc_3, "ei_2", SENDING_APPLICATION, "IS")
    _administration(order, dose, action)
    _observations(order, dose)
    message.validate()
    return message


# Queueing -----------------------------------------------------------------------------------


def _queue(dose: Dose, action: str) -> NcirMessage:
    control_id = next_control_id()
    return NcirMessage.objects.create(
        dose=dose,
        recipient_id=dose.recipient_id,
        location=dose.location or dose.recipient.location,
        action=action,
        control_id=control_id,
        message=build_vxu(dose, action, control_id).to_er7(),
    )


def status_of(dose: Dose) -> str:
    """What NCIR knows of the dose, as staff and managers read it: its latest message's
    status ("Pending (Add)", "Rejected (Update)"), or why there is none. Uses the dose's
    prefetched ncir_messages when there are."""
    latest = max(dose.ncir_messages.all(), key=lambda m: (m.created_at, m.pk), default=None)
    if latest is None:
        return "Not reported: incomplete" if dose.is_incomplete else "Not reported"
    return f"{latest.get_status_display()} ({latest.get_action_display()})"


def was_reported(dose: Dose) -> bool:
    return NcirMessage.objects.filter(dose=dose).exists()


@transaction.atomic
def report_saved(dose: Dose) -> NcirMessage | None:
    """Queue the message for a dose just saved: an Add the first time its full record is
    saved, an Update after. None when the dose is incomplete (nothing the registry takes)."""
    if dose.is_incomplete or not dose.product.cvx_code:
        return None
    action = NcirMessage.Action.UPDATE if was_reported(dose) else NcirMessage.Action.ADD
    return _queue(dose, action)


@transaction.atomic
def report_deleted(dose: Dose) -> NcirMessage | None:
    """Queue the Delete for a dose about to be deleted, if the registry was ever told of it.
    Call before deleting: the message is built from the dose."""
    if not was_reported(dose):
        return None
    return _queue(dose, NcirMessage.Action.DELETE)


@transaction.atomic
def resend(message: NcirMessage) -> None:
    """Send a rejected message again: Pending, with a new control id. A dose that still
    exists is reported as it is now (staff may have fixed what the registry refused)."""
    message = NcirMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != NcirMessage.Status.REJECTED:
        raise ResendRefused(f"{message.control_id} is {message.get_status_display()}.")
    control_id = next_control_id()
    dose = message.dose
    if dose is not None and message.action != NcirMessage.Action.DELETE:
        vxu = build_vxu(dose, message.action, control_id)
    else:
        # The Delete as it was built (the dose is gone), under its new control id.
        vxu = parse_message(message.message, validation_level=STRICT)
        vxu.msh.msh_10 = control_id
        vxu.msh.msh_7 = _now()
    message.control_id = control_id
    message.message = vxu.to_er7()
    message.status = NcirMessage.Status.PENDING
    message.error = ""
    message.batch = ""
    message.exported_at = message.acked_at = None
    message.save()


# Batch files --------------------------------------------------------------------------------


def _batch_header(name: str, location: Location, control_id: str) -> str:
    """FHS or BHS. Fields 3 on are set by hl7apy; fields 1 and 2 are the delimiters
    themselves, which hl7apy writes for MSH only: put in the same way here."""
    segment = Segment(name, version=VERSION, validation_level=STRICT)
    prefix = name.lower()
    for number, value in (
        (3, SENDING_APPLICATION),
        (4, location.pin),
        (5, RECEIVING_APPLICATION),
        (6, RECEIVING_FACILITY),
    ):
        _text(getattr(segment, f"{prefix}_{number}"), "hd_1", value, "IS")
    setattr(segment, f"{prefix}_7", _now())
    _text(segment, f"{prefix}_11", control_id)
    written = segment.to_er7()  # "FHS|||CVMS|...": fields 1 and 2 empty
    return written.replace(f"{name}|||", f"{name}|^~\\&|", 1)


def _batch_trailer(name: str, count: int) -> str:
    segment = Segment(name, version=VERSION, validation_level=STRICT)
    setattr(segment, f"{name.lower()}_1", str(count))
    return segment.to_er7()


def next_batch_id() -> str:
    return f"B{get_next_value(BATCH_SEQUENCE):010d}"


def batch_file(location: Location, messages: Iterable[NcirMessage], control_id: str) -> str:
    """One file holding one batch of the location's messages, in the order given; the file
    and the batch share the control id (FHS-11, BHS-11)."""
    texts = [message.message for message in messages]
    segments = [
        _batch_header("FHS", location, control_id),
        _batch_header("BHS", location, control_id),
        *texts,
        _batch_trailer("BTS", len(texts)),
        _batch_trailer("FTS", 1),
    ]
    return SEGMENT_END.join(segments) + SEGMENT_END


def messages_to_export(location: Location, day: dt.date | None = None) -> QuerySet[NcirMessage]:
    """A day's messages of a location (those queued that day, whatever became of them), or
    with no day every one still Pending."""
    messages = NcirMessage.objects.filter(location=location)
    if day is None:
        return messages.filter(status=NcirMessage.Status.PENDING)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return messages.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))


@transaction.atomic
def export_batch(location: Location, messages: QuerySet[NcirMessage]) -> tuple[str, int]:
    """The batch file of these messages; the Pending ones become Exported. Returns the file
    and how many messages it holds."""
    chosen = list(messages.select_for_update().order_by("created_at", "id"))
    batch = next_batch_id()
    text = batch_file(location, chosen, batch)
    pending = [m.pk for m in chosen if m.status == NcirMessage.Status.PENDING]
    NcirMessage.objects.filter(pk__in=pending).update(
        status=NcirMessage.Status.EXPORTED, batch=batch, exported_at=timezone.now()
    )
    return text, len(chosen)


# ACK files ----------------------------------------------------------------------------------


@dataclass
class AckResult:
    accepted: int = 0
    rejected: int = 0
    unknown: list[str] = field(default_factory=list)  # MSA-2 values matching no message


def _messages_in(text: str) -> list[str]:
    """The messages of a file (a batch or messages one after another): each from its MSH to
    the next, batch segments left out. Segments end with CR, LF or both."""
    lines = [line for line in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if line]
    messages: list[list[str]] = []
    for line in lines:
        if line.startswith("MSH"):
            messages.append([line])
        elif messages and line[:3] not in ("FHS", "BHS", "BTS", "FTS"):
            messages[-1].append(line)
    return [SEGMENT_END.join(segments) for segments in messages]


def _errs(ack: Message) -> list[Segment]:
    return [child for child in ack.children if child.name == "ERR"]


def _ack_error(ack: Message) -> str:
    said = [err.err_8.to_er7() or err.err_3.to_er7() for err in _errs(ack)]
    return "; ".join(text for text in said if text) or ack.msa.msa_3.to_er7()


@transaction.atomic
def import_acks(text: str) -> AckResult:
    """Set each acknowledged message's status from the registry's ACK file: AA (or CA)
    Accepted; AE, AR (or CE, CR) Rejected with the registry's error text."""
    result = AckResult()
    now = timezone.now()
    for raw in _messages_in(text):
        try:
            ack = parse_message(raw, validation_level=VALIDATION_LEVEL.TOLERANT)
            code = ack.msa.msa_1.to_er7()
            control_id = ack.msa.msa_2.to_er7()
        except HL7apyException:
            continue  # not an ACK: nothing to match it with
        message = NcirMessage.objects.filter(control_id=control_id).first()
        if message is None:
            result.unknown.append(control_id)
            continue
        message.acked_at = now
        if code in ("AA", "CA"):
            message.status, message.error = NcirMessage.Status.ACCEPTED, ""
            result.accepted += 1
        else:
            message.status = NcirMessage.Status.REJECTED
            message.error = _ack_error(ack) or f"Rejected ({code})."
            result.rejected += 1
        message.save(update_fields=["status", "error", "acked_at"])
    return result
