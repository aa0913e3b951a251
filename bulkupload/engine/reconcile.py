"""Step 4b: a re-uploaded file reconciles with what is loaded instead of failing.

Managers keep one sheet and upload it whole again after fixing a few rows. A row for a person
already loaded (the same normalised names and date of birth: the duplicate check's key) is
sorted by where and how that person is loaded:

- at this location with the same address: "already loaded (nothing to do)", neither created
  nor failed, and not in the failed records;
- at this location with another address, their portal account not set up yet: a change to
  review, "Email: old → new", made only when the manager accepts it (as a correction of the
  address on the recipient's page);
- at this location with another address, their account set up already: nothing to do here,
  "already registered: the person changes it in the portal" (counted as already loaded);
- at another location, or earlier in the file: the guide's duplicate error, unchanged (never
  saying where).

Addresses are compared as the file engine normalises them (clean_email: the domain in lower
case), and without regard to case in the local part too: nobody's mailbox differs from
another's by case alone, and "John@x.org" retyped as "john@x.org" is not a change to send a
new welcome email for.

Plain Python: where a person is loaded comes from the caller's look-up (`LoadedPerson`, on the
duplicate's row), the location from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .cleaning import RowError
from .duplicates import DuplicateRow, LoadedPerson
from .reading import Row

UNCHANGED, CHANGE, REGISTERED = "unchanged", "change", "registered"
ALREADY_LOADED = "already loaded (nothing to do)"
ALREADY_REGISTERED = "already registered: the person changes it in the portal"


@dataclass(frozen=True, slots=True)
class AlreadyLoaded:
    """A row of a person loaded at this location already: `kind` is UNCHANGED, CHANGE (an
    email change to review) or REGISTERED (another address, but the account is set up)."""

    line: int
    cells: Row  # as uploaded
    recipient: int
    kind: str
    email: str  # the file's address, normalised
    old_email: str  # the address on file

    @property
    def change(self) -> str:
        return f"Email: {self.old_email} → {self.email}"

    @property
    def message(self) -> str:
        if self.kind == UNCHANGED:
            return f"Line {self.line}: {ALREADY_LOADED[0].upper()}{ALREADY_LOADED[1:]}"
        if self.kind == CHANGE:
            return f"Line {self.line}: {self.change} (a change to review)"
        return f"Line {self.line}: {self.change}: {ALREADY_REGISTERED}"

    @property
    def reviewable(self) -> bool:
        return self.kind == CHANGE


def same_email(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def reconcile(
    errors: Iterable[RowError], location: int | None
) -> tuple[list[AlreadyLoaded], list[RowError]]:
    """Split a batch's failed rows: those of people loaded at `location` (a location's id;
    None: no location, as in a dry run of the file alone) and the errors that stay."""
    loaded: list[AlreadyLoaded] = []
    failed: list[RowError] = []
    for error in errors:
        found = error.loaded if isinstance(error, DuplicateRow) else None
        if found is None or location is None or error.in_file or found.location != location:
            failed.append(error)
        else:
            loaded.append(_already_loaded(error, found))
    return loaded, failed


def _already_loaded(row: DuplicateRow, found: LoadedPerson) -> AlreadyLoaded:
    if same_email(row.email, found.email):
        kind = UNCHANGED
    else:
        kind = REGISTERED if found.set_up else CHANGE
    return AlreadyLoaded(row.line, row.cells, found.recipient, kind, row.email, found.email)
