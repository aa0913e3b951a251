"""How names are compared: plain Python, shared by the models and the recipient file engine."""

from __future__ import annotations

import unicodedata


def name_key(value: str) -> str:
    """The form of a name used to recognise the same person twice.

    Unicode-normalised (so a composed and a decomposed "é" agree), case-folded, surrounding
    whitespace trimmed and inner runs of whitespace collapsed to one space:
    "  john  SMITH" and "John Smith" have the same key.
    """
    return " ".join(unicodedata.normalize("NFKC", value or "").casefold().split())


def search_key(*names: str) -> str:
    """The form of names that "Search this list" matches: case- and accent-insensitive.

    "José  O'Brien" -> "jose o'brien". Accents are stripped only here, for searching; whether
    two rows are the same person is decided by name_key, which keeps them.
    """
    decomposed = unicodedata.normalize("NFKD", " ".join(names))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())
