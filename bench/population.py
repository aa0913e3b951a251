"""A realistic population for the scale benches: names as often as people have them, and email
addresses as people share them. Generated here (no download): a frequency table shaped like the
US Census surname and first-name lists, where a few names carry a percent of people each and a
long tail of rare ones carries most of them.

- Surnames: the commonest fifty with their Census 2010 shares per 100,000 people (Smith 828,
  about one person in 120; Johnson 655; ...), a few names that contain a common one
  (Goldsmith, Smithson: "smith" finds them too) and the accents and apostrophes names have;
  the rest (about 85 %) spread over 30,000 made-up names by Zipf's law.
- First names: the commonest with their shares (James, John, Robert, Michael about 1.5 % each),
  the rest over 6,000 made-up names.
- Addresses: households of one to five sharing one inbox, common patterns that different
  people share (john.smith@gmail.com), a clinic's own address typed for people without one,
  and 1 % known placeholders (noemail@none.com and the like).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import unicodedata
from collections.abc import Iterator

SURNAMES = {
    "Smith": 828, "Johnson": 655, "Williams": 550, "Brown": 488, "Jones": 477, "Garcia": 470,
    "Miller": 424, "Davis": 393, "Rodriguez": 378, "Martinez": 376, "Hernandez": 370,
    "Lopez": 297, "Gonzalez": 288, "Wilson": 274, "Anderson": 263, "Thomas": 255, "Taylor": 253,
    "Moore": 240, "Jackson": 233, "Martin": 232, "Lee": 230, "Perez": 224, "Thompson": 223,
    "White": 219, "Harris": 207, "Sanchez": 205, "Clark": 180, "Ramirez": 179, "Lewis": 173,
    "Robinson": 172, "Walker": 170, "Young": 159, "Allen": 157, "King": 155, "Wright": 154,
    "Scott": 145, "Torres": 144, "Nguyen": 143, "Hill": 140, "Flores": 139, "Green": 138,
    "Adams": 136, "Nelson": 133, "Baker": 132, "Hall": 128, "Rivera": 126, "Campbell": 123,
    "Mitchell": 122, "Carter": 121, "Roberts": 120,
    "Goldsmith": 6, "Smithson": 3, "Smithers": 1, "O'Brien": 20, "Núñez": 25, "Smith-Jones": 2,
    "St.John": 3, "Nguyễn": 10, "D'Angelo": 4,
}  # fmt: skip
FIRST_NAMES = {
    "James": 1660, "John": 1590, "Robert": 1580, "Michael": 1530, "William": 1180,
    "David": 1170, "Mary": 1330, "Richard": 700, "Joseph": 640, "Thomas": 600, "Patricia": 560,
    "Jennifer": 540, "Linda": 520, "Elizabeth": 510, "Barbara": 470, "Charles": 560,
    "Christopher": 560, "Daniel": 550, "Matthew": 460, "Susan": 440, "Jessica": 420,
    "Sarah": 410, "Karen": 380, "Anthony": 370, "Mark": 370, "Nancy": 360, "Donald": 350,
    "Lisa": 350, "Steven": 340, "Paul": 330, "Betty": 300, "Andrew": 300, "Sandra": 290,
    "Joshua": 290, "Ashley": 280, "Kenneth": 280, "Kimberly": 270, "Kevin": 270, "Emily": 260,
    "Brian": 260, "Donna": 250, "George": 250, "Michelle": 250, "Edward": 240, "Dorothy": 240,
    "José": 200, "María": 200, "Zoë": 10, "Siobhán": 5, "Aaliyah": 30, "DeShawn": 10,
    "Chloé": 10, "Renée": 20, "Søren": 2,
}  # fmt: skip
PLACEHOLDERS = ["noemail@none.com", "none@none.com", "na@na.com", "noemail@noemail.com"]
DOMAINS = [
    ("gmail.com", 40), ("yahoo.com", 15), ("outlook.com", 8), ("hotmail.com", 8), ("aol.com", 5),
    ("icloud.com", 6), ("charter.net", 2), ("bellsouth.net", 2), ("duke.edu", 1), ("unc.edu", 1),
]  # fmt: skip
_SYLLABLES = (
    "ab al an ar bel ber bra cal car cor dal den dor el en er fal fen gar gor hal han har "
    "ker kin lan lar len lor mal mar mer mon nor ol or par pen ral ren ric ros sal sel sor "
    "tal ten tor ul val ven wal wen wil yor zan zel"
).split()
_ENDINGS = ["", "s", "son", "er", "ley", "ton", "ez", "ski", "ov", "a", "o", "in"]


def _made_up(count: int, seed: int) -> list[str]:
    """`count` distinct pronounceable names that are none of the real ones above."""
    rng = random.Random(seed)
    names: dict[str, None] = {}
    while len(names) < count:
        parts = [rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3)))]
        name = ("".join(parts) + rng.choice(_ENDINGS)).capitalize()
        if name not in SURNAMES and name not in FIRST_NAMES:
            names[name] = None
    return list(names)


def _table(common: dict[str, int], tail: int, tail_share: float, seed: int):
    """(names, cumulative weights): the common names with their shares per 100,000, and
    `tail` made-up names sharing `tail_share` of people by Zipf's law (rank^-1)."""
    names, weights = list(common), [float(share) for share in common.values()]
    tail_names = _made_up(tail, seed)
    harmonic = sum(1 / rank for rank in range(1, tail + 1))
    total_tail = 100_000 * tail_share
    names += tail_names
    weights += [total_tail / (rank * harmonic) for rank in range(1, tail + 1)]
    return names, list(itertools.accumulate(weights))


class Population:
    """People drawn from the tables, reproducibly from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.surnames = _table(SURNAMES, 30_000, 0.85, seed=1)
        self.first_names = _table(FIRST_NAMES, 6_000, 0.70, seed=2)

    def _draw(self, table) -> str:
        names, cumulative = table
        return names[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]

    def surname(self) -> str:
        return self._draw(self.surnames)

    def first_name(self) -> str:
        return self._draw(self.first_names)

    def birth_date(self, today: dt.date) -> dt.date:
        return today - dt.timedelta(days=self.rng.randrange(0, 95 * 365))

    def address(self, first: str, last: str) -> str:
        """How this person (or whoever typed them in) writes their address: shared by people
        of the same name more often than not (john.smith@gmail.com)."""
        rng = self.rng
        local_first = _ascii(first).lower()
        local_last = _ascii(last).lower()
        pattern = rng.random()
        if pattern < 0.45:
            local = f"{local_first}.{local_last}"
        elif pattern < 0.6:
            local = f"{local_first}{local_last}"
        elif pattern < 0.7:
            local = f"{local_first[:1]}{local_last}"
        else:
            local = f"{local_first}.{local_last}{rng.randrange(1, 100)}"
        domains, weights = zip(*DOMAINS, strict=True)
        return f"{local}@{rng.choices(domains, weights)[0]}"

    def households(self, clinic_address: str) -> Iterator[tuple[str, str, dt.date, str]]:
        """People one after another, (first, last, birth date, email): households of one to
        five sharing a last name and one inbox; 2 % with the clinic's address, 1 % with a
        placeholder."""
        today = dt.date.today()
        while True:
            last = self.surname()
            size = self.rng.choices((1, 2, 3, 4, 5), (60, 20, 10, 7, 3))[0]
            shared = None
            for _ in range(size):
                first = self.first_name()
                roll = self.rng.random()
                if roll < 0.01:
                    email = self.rng.choices(PLACEHOLDERS, (70, 15, 10, 5))[0]
                elif roll < 0.03:
                    email = clinic_address
                else:
                    shared = shared or self.address(first, last)
                    email = shared
                yield first, last, self.birth_date(today), email


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in folded if char.isalnum())


def location_sizes(total: int, locations: int) -> list[int]:
    """`total` people over `locations` by Zipf's law (rank^-1): at 10,000,000 over 3,000, the
    largest system about 1.2 million, the tenth 116,000, the hundredth 12,000, the smallest a
    clinic of about 400."""
    harmonic = sum(1 / rank for rank in range(1, locations + 1))
    sizes = [max(1, int(total / (rank * harmonic))) for rank in range(1, locations + 1)]
    sizes[0] += total - sum(sizes)
    return sizes
