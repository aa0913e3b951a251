"""Step 3: clean each row, with the guide's messages.

A row with several problems reports all of them in one message, separated by "; ", in the
template's column order: `Line 4: Required fields are missing: [LastName]; Date of birth:
invalid Date of birth: 13/45/1990`.

Cells are judged as the person sees them (recipients.names.visible_text): a non-breaking space
is a space, a zero-width space or a soft hyphen is nothing, a full-width digit is a digit. Names
and dates of birth get all of it; an email address only loses the invisible characters, and
email-validator judges the rest exactly as typed, since a mail server compares addresses
character by character: a full-width letter or a space inside one is not folded into a
different, valid address. A message quotes the cell as uploaded (trimmed), as the error file
hands it back, so the provider finds it in their file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from recipients.names import (
    PORTAL_USERNAME_SUFFIX,
    name_key,
    search_key,
    visible_text,
    without_invisible,
)

from .columns import FIELDS, LABELS
from .headers import Header
from .reading import Row

NAME_MAX_LENGTH = 80
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
# A recipient's portal username is the email plus ".covid19vaccine" and maybe a number; it has to
# fit the 254 characters of a username, so longer emails (none real) are refused as invalid.
EMAIL_MAX_LENGTH = 254 - len(PORTAL_USERNAME_SUFFIX) - 6

# The guide: "special characters will not be accepted". Letters of any language (with their
# accents), digits, spaces, hyphens, apostrophes and periods are what real names use:
# José, Zoë, O'Brien, O’Neil, Smith-Jones, St. John, and the guide's own TestLoadE2Recip3.
# Scripts whose letters take vowel signs and viramas (Devanagari, Tamil, Thai...) have those as
# combining marks too: a mark is accepted wherever the regex's accents are (_name_characters).
_NAME = re.compile(r"(?:[^\W_]|[ '’.\-\u0300-\u036f])+")
_NAME_PUNCTUATION = frozenset(" '’.-")
_STARTS_WITH_LETTER = re.compile(r"[^\W\d_]")
_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
# The common shape of an address's local part, which email-validator accepts as it is; anything
# else (quotes, non-ASCII, odd dots) goes through email-validator in full.
_SIMPLE_LOCAL_PART = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)


@dataclass(slots=True)
class CleanRow:
    """A row that passed every check: what the writer needs to create the recipient."""

    line: int
    cells: Row  # as uploaded, for the error file if it turns out to be a duplicate
    first_name: str
    last_name: str
    date_of_birth: dt.date
    email: str
    first_name_key: str
    last_name_key: str
    # Who this is, for duplicates: the database's unique key, normalised the same way. Kept,
    # not derived on each use: sets, sorts and look-ups ask for it several times per row.
    person: tuple[str, str, dt.date] = field(init=False)

    def __post_init__(self) -> None:
        self.person = (self.first_name_key, self.last_name_key, self.date_of_birth)


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that failed: its line, its cells as uploaded, and the message for the provider."""

    line: int
    cells: Row
    message: str


def clean_row(line: int, cells: Row, header: Header, today: dt.date) -> CleanRow | RowError:
    columns = header.columns
    # A short row (Excel drops trailing empty cells) has blanks.
    seen = cells if len(cells) >= header.width else cells + [""] * header.width
    first = _visible_text(seen[columns["first_name"]])
    last = _visible_text(seen[columns["last_name"]])
    born = _visible_text(seen[columns["date_of_birth"]])
    address = seen[columns["email"]].strip()
    if not address.isascii():  # an address loses only what nobody sees
        address = without_invisible(address).strip()
    # Most rows are good: check each value once, and build messages only for a row that fails.
    if first and last and born and address:
        date_of_birth = clean_date_of_birth(born, today)
        email = clean_email(address)
        if (
            date_of_birth is not None
            and email is not None
            and name_problem(first) is None
            and name_problem(last) is None
        ):
            return CleanRow(
                line=line,
                cells=cells,
                first_name=first,
                last_name=last,
                date_of_birth=date_of_birth,
                email=email,
                first_name_key=_name_key(first),
                last_name_key=_name_key(last),
            )
    values = {"first_name": first, "last_name": last, "date_of_birth": born, "email": address}
    message = "; ".join(_problems(values, cells, header, today))
    return RowError(line, cells, f"Line {line}: {message}")


def _problems(values: dict[str, str], cells: Row, header: Header, today: dt.date) -> list[str]:
    """Everything wrong with a row (its visible `values`), in the template's column order."""
    problems = []
    missing = [LABELS[field] for field in FIELDS if not values[field]]
    if missing:
        problems.append(f"Required fields are missing: [{', '.join(missing)}]")
    uploaded = {field: _cell(cells, header.columns[field]) for field in FIELDS}
    for field_name in ("first_name", "last_name"):
        if values[field_name] and (problem := name_problem(values[field_name])):
            problems.append(f"{LABELS[field_name]}: {problem}: {uploaded[field_name]}")
    born = values["date_of_birth"]
    if born and clean_date_of_birth(born, today) is None:
        problems.append(f"Date of birth: invalid Date of birth: {uploaded['date_of_birth']}")
    address = values["email"]
    if address and clean_email(address) is None:
        problems.append(f"Email: invalid email address: {uploaded['email']}")
    return problems


# Names and birth dates repeat: remember their visible text and keys within the process.
_name_key = functools.lru_cache(maxsize=65536)(name_key)
_visible_text = functools.lru_cache(maxsize=65536)(visible_text)


def _cell(cells: Row, index: int) -> str:
    """The cell, trimmed; a short row (Excel drops trailing empty cells) has blanks."""
    return cells[index].strip() if index < len(cells) else ""


@functools.lru_cache(maxsize=65536)
def name_problem(value: str) -> str | None:
    """What is wrong with a (non-blank) first or last name, in the guide's style; the name is
    judged as it is seen (recipients.names.visible_text)."""
    value = visible_text(value)
    # The keys it is matched and searched by must fit too: normalising can lengthen a name
    # (the ligature "ﬃ" is "ffi"), and a cut key would match another person.
    if max(len(value), len(name_key(value)), len(search_key(value))) > NAME_MAX_LENGTH:
        return f"longer than {NAME_MAX_LENGTH} characters"
    composed = unicodedata.normalize("NFC", value)
    if not _NAME.fullmatch(composed) and not _name_characters(composed):
        return "special characters are not accepted"
    if not _STARTS_WITH_LETTER.match(composed):
        return "must start with a letter"
    return None


def _name_characters(value: str) -> bool:
    """Whether every character is a letter, a digit, a combining mark or a name's punctuation."""
    return not value.isascii() and all(
        char.isalnum() or char in _NAME_PUNCTUATION or unicodedata.category(char)[0] == "M"
        for char in value
    )


def clean_date_of_birth(value: str, today: dt.date) -> dt.date | None:
    """mm/dd/yyyy, zero padding optional (12/2/1955); a real date, not future, not before 1900."""
    date = _parse_date(value)
    if date is None or not EARLIEST_BIRTH_DATE <= date <= today:
        return None
    return date


def date_of_birth_problem(value: str, today: dt.date) -> str | None:
    """Why a (trimmed, non-blank) date of birth is invalid, in plain words for the review
    page, or None if clean_date_of_birth accepts it. The row's message stays the guide's
    ("invalid Date of birth"); this says what to fix. The checks are clean_date_of_birth's
    in the same order (a property test holds the two together)."""
    match = _DATE.fullmatch(value)
    if match is None:
        return (
            "It is not written MM/DD/YYYY (month, day, then the year in four digits), "
            "for example 03/08/1980."
        )
    month, day, year = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"There is no month {month}: the month comes first (MM/DD/YYYY)."
    if year < EARLIEST_BIRTH_DATE.year:
        return "It is before 1900: the earliest date of birth accepted is 01/01/1900."
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"There is no such day: {calendar.month_name[month]} {year} has {days} days."
    if dt.date(year, month, day) > today:
        return "It is in the future."
    return None


@functools.lru_cache(maxsize=65536)
def _parse_date(value: str) -> dt.date | None:
    # Cached: birth dates repeat a lot in a file of thousands of people.
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    month, day, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def clean_email(value: str) -> str | None:
    """The normalised address if it is syntactically valid (no DNS look-up), else None.

    email-validator is the judge. It is also the slowest step of the engine, mostly in checking
    the domain, which many rows share: the domain is validated once and remembered, and the
    local part alone is checked per row (skipped for the common ASCII shape, which
    email-validator accepts unchanged). tests/test_engine_emails.py holds the outcome equal
    to calling email-validator on the whole address.
    """
    if len(value) > EMAIL_MAX_LENGTH:
        return None
    local, at, domain = value.rpartition("@")
    if not at:
        return None
    normalized_domain = _validated_domain(domain)
    if normalized_domain is None:
        return None
    if len(local) <= 64 and _SIMPLE_LOCAL_PART.fullmatch(local):
        normalized_local = local
    else:
        # A short stand-in domain, already known to be valid, keeps the check to the local part.
        checked = _validated_email(f"{local}@x.co")
        if checked is None:
            return None
        normalized_local = checked.rpartition("@")[0]
    email = f"{normalized_local}@{normalized_domain}"
    return email if len(email) <= EMAIL_MAX_LENGTH else None


@functools.lru_cache(maxsize=16384)
def _validated_domain(domain: str) -> str | None:
    # Validate a stand-in address at the domain: the domain's verdict is the address's.
    result = _validated_email(f"x@{domain}")
    return None if result is None else result.rpartition("@")[2]


def _validated_email(value: str) -> str | None:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized if len(result.normalized) <= EMAIL_MAX_LENGTH else None
