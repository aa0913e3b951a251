"""Realistic recipient files for the benches: what providers upload, generated from a seed.

Shared by bench/run.py (the engine) and bench/scale.py (a million recipients); the portal
never imports it.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Paul Emily Andrew "
    "Donna Joshua Michelle José María Zoë Siobhán Nguyễn Aaliyah DeShawn Chloé Renée Søren"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter O'Brien Smith-Jones "
    "Núñez St.John"
).split()
DOMAINS = [
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com",
    "ncdhhs.gov", "duke.edu", "unc.edu", "wakehealth.edu", "atriumhealth.org", "novanthealth.org",
    "companyemail.com", "example.org", "charter.net", "bellsouth.net",
]  # fmt: skip
BAD = [
    ("", None, None, None),  # missing first name
    (None, "", None, None),
    (None, None, "13/45/1990", None),
    (None, None, "1990-01-02", None),
    (None, None, "", None),
    (None, None, None, "bademail"),
    (None, None, None, "someone@"),
    (None, None, None, ""),
    ("Ann<b>", None, None, None),
]


def make_file(rows: int, seed: int, existing: list[tuple[str, str, str, str]]) -> bytes:
    """A file as a provider makes it: ~6% bad rows, ~1% repeated rows, a few people already in
    the system, families sharing an email, a blank row here and there."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["FirstName", "LastName", "Date of birth", "Email"])
    written: list[tuple[str, str, str, str]] = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.01 and written:
            row = rng.choice(written)  # the same person twice in the file
        elif roll < 0.015 and existing:
            row = rng.choice(existing)  # already loaded by an earlier upload
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            born = f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(1930, 2004)}"
            if rng.random() < 0.05 and written:
                email = written[-1][3]  # a family member's address
            else:
                # Addresses are mostly ASCII even for accented names (jose.nunez@...); a few
                # people do use an internationalised one (josé.núñez@...).
                local = f"{first}.{last}{n}".lower()
                if rng.random() >= 0.01:
                    local = _ascii(local)
                email = f"{local}@{rng.choice(DOMAINS)}"
            row = (f"{first}{n % 997}", last, born, email)
            if rng.random() < 0.06:
                bad = rng.choice(BAD)
                row = tuple(b if b is not None else v for b, v in zip(bad, row, strict=True))
        written.append(row)
        writer.writerow(row)
        if rng.random() < 0.002:
            writer.writerow(["", "", "", ""])
    return out.getvalue().encode("utf-8")


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii()).replace("'", "")
