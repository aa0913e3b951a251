"""How names are read and compared: plain Python, shared by the models and the recipient file
engine.

Names reach us pasted from web pages, Word, Outlook and PDFs, carrying characters nobody sees.
`visible_text` turns a cell into what the person sees, and the keys are computed from that, so
"Mary<non-breaking space>Ann", "Mary<zero-width space> Ann" and "Mary Ann" are one person.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# A recipient's portal username is their email with this after it (recipients.usernames).
PORTAL_USERNAME_SUFFIX = ".covid19vaccine"

# Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties.txt): characters that show
# nothing where they are. Soft hyphens, zero-width spaces, joiners and non-joiners, the word
# joiner, a byte-order mark inside a cell, left-to-right and right-to-left marks, variation
# selectors, Hangul fillers, tags, and the code points Unicode keeps for more of them.
# Dropping them keeps the letters: a joiner or a variation selector may change how two letters
# join or which glyph draws a letter (in Persian, Indic scripts, some kanji), never which letters
# the name has, and the same name typed without them is the same person.
# Not dropped: the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069), which reorder the letters on screen, so what is seen is not what is stored;
# a name with one is refused like any other special character.
_INVISIBLE_CHARACTERS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u2065"
    "\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARACTERS}]")
# `visible_character(text)` finds the first character that shows (neither a space nor
# invisible): truthy for a cell that holds anything. A compiled search, so that checking each
# cell of every row stays a loop in C (`any(map(visible_character, cells))`).
visible_character = re.compile(rf"[^\s{_INVISIBLE_CHARACTERS}]").search
# Word's hyphen and non-breaking hyphen look like the hyphen-minus names are typed with.
_HYPHENS = frozenset("\u2010\u2011")
# Compatibility forms that are drawn differently, so folding them would change what is seen:
# superscripts and subscripts ("Mª José" is María José, not "Ma José"), and the Hangul
# compatibility jamo, which NFKC turns into conjoining jamo that merge into a syllable.
_KEPT_FORMS = ("<super>", "<sub>")
_COMPATIBILITY_JAMO = range(0x3131, 0x318F)


@functools.lru_cache(maxsize=4096)
def _folded(char: str) -> str:
    """The character as it is seen: the letter or digit a compatibility form stands for.

    NFKC folds full-width and half-width forms (what a Japanese or Chinese keyboard types:
    "Ｍａｒｙ" is Mary, "Ｏ＇Ｂｒｉｅｎ" is O'Brien), ligatures ("ﬃ", "ĳ"), styled letters ("𝐌")
    and presentation forms of Arabic letters: only letters, digits and full-width forms are
    folded. Other compatibility characters (a superscript ², a Roman numeral Ⅷ, a circled
    Ⓐ, ™) are kept as they are: they are seen as the symbol, not as the letters.
    """
    if char in _HYPHENS:
        return "-"
    tag = unicodedata.decomposition(char).partition(" ")[0]
    if not tag.startswith("<"):  # none (or canonical, which NFD has already taken apart)
        return char
    if tag in ("<wide>", "<narrow>"):
        return unicodedata.normalize("NFKC", char)
    if tag in _KEPT_FORMS or ord(char) in _COMPATIBILITY_JAMO:
        return char
    category = unicodedata.category(char)
    if category[0] == "L" or category == "Nd":
        return unicodedata.normalize("NFKC", char)
    return char


def visible_text(value: str) -> str:
    """The text as a person sees it, trimmed.

    Every kind of space (non-breaking, thin, ideographic, a tab, a line break) is a space, and
    runs of them are one; invisible characters are dropped; compatibility forms of letters and
    digits are folded (see `_folded`); accents are composed (NFC), so a decomposed "é" is the
    same "é". Other characters stay as they are, for the rules that judge them.
    """
    if value.isascii():
        if value.isprintable() and "  " not in value:  # the common case: nothing to change
            return value.strip()
        return " ".join(value.split())
    # Decomposed first, so an accented letter folds as its letter does ("ẛ" as "ſ" and its dot).
    decomposed = unicodedata.normalize("NFD", _INVISIBLE.sub("", value))
    text = "".join(map(_folded, decomposed))
    return " ".join(unicodedata.normalize("NFC", text).split())


def without_invisible(value: str) -> str:
    """The text with the invisible characters dropped and nothing else changed (emails)."""
    return value if value.isascii() else _INVISIBLE.sub("", value)


def name_key(value: str) -> str:
    """The form of a name used to recognise the same person twice.

    The visible text, Unicode-normalised (NFKC: the ligature "ﬃ" and "ffi", a superscript "²"
    and "2" agree) and case-folded: "  john  SMITH", "John\u00a0Smith" and "John Smith" have
    the same key.
    """
    return " ".join(unicodedata.normalize("NFKC", visible_text(value or "")).casefold().split())


# A search word shorter than this matches the start of a word of the name ("jo": John, Jones,
# Smith-Jones; not Bjorn), a longer one any part of it. The trigram index finds both, where one
# or two letters anywhere in a name would be looked for in every name of the location.
SHORT_WORD = 3
WORD_STARTS = (" ", "-")  # what comes before a word of a name, besides its beginning


def search_key(*names: str) -> str:
    """The form of names that "Search this list" matches: case- and accent-insensitive.

    "José  O'Brien" -> "jose o'brien". Accents are stripped only here, for searching; whether
    two rows are the same person is decided by name_key, which keeps them.
    """
    decomposed = unicodedata.normalize("NFKD", " ".join(map(visible_text, names)))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def searched_address(query: str) -> str | None:
    """The email address a search asks for, if it is one ("did Maria get her email?": the
    manager types maria.garcia@gmail.com): a single word with an @ in it, trimmed."""
    words = query.split()
    if len(words) == 1 and "@" in words[0]:
        return words[0]
    return None
