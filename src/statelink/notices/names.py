"""A person's name as a letter writes it.

Records keep names in the NCIC ``NAM`` form, ``LAST, FIRST MIDDLE`` in capitals
(``BAXTER, NATHANIEL COLIN``); a letter writes ``Nathaniel Colin Baxter`` and begins
``Dear Nathaniel Colin Baxter,``. The rules are simple and right for the common cases:

- each word gets a capital first letter and small ones after, and so does each part of
  it after a hyphen or an apostrophe: ``SMITH-JONES`` → ``Smith-Jones``, ``O'NEIL`` →
  ``O'Neil``, ``D'ANGELO`` → ``D'Angelo``;
- ``MC`` keeps the capital after it: ``MCDONALD`` → ``McDonald`` (``MAC`` does not, since
  Mack and Macy are as common as MacDonald);
- a generational suffix, after the last name or after the given names (``SMITH JR,
  JOHN`` or ``SMITH, JOHN JR``), comes last: ``John Smith Jr.``; Roman numerals stay
  capitals (``III``);
- a name without a comma (a company that owns a vehicle) is written word by word.

Particles are capitalised like any word (``DE LA CRUZ`` → ``De La Cruz``, the usual US
spelling). A name these rules miss is still the person's name, capitalised otherwise.
"""

from __future__ import annotations

import re

SUFFIXES = {"JR": "Jr.", "SR": "Sr.", "II": "II", "III": "III", "IV": "IV"}
"""Generational suffixes as records write them, and as a letter does."""

_PARTS = re.compile(r"([-'’])")


def display_name(nam: str) -> str:
    """``LAST, FIRST MIDDLE`` as ``First Middle Last`` ("" stays "")."""
    last, comma, given = nam.partition(",")
    surname, given_names = last.split(), given.split()
    if not comma:
        return " ".join(_word(w) for w in surname)
    suffix = ""
    for words in (surname, given_names):
        if len(words) > 1 and words[-1].upper().rstrip(".") in SUFFIXES:
            suffix = SUFFIXES[words.pop().upper().rstrip(".")]
    return " ".join(_word(w) for w in [*given_names, *surname, suffix] if w)


def salutation(nam: str) -> str:
    """The letter's greeting: ``Dear Nathaniel Colin Baxter,`` (``Dear resident,`` when
    the record has no name)."""
    name = display_name(nam)
    return f"Dear {name}," if name else "Dear resident,"


def _word(word: str) -> str:
    if word in SUFFIXES.values():
        return word
    return "".join(_part(part) for part in _PARTS.split(word))


def _part(part: str) -> str:
    if len(part) > 2 and part[:2].upper() == "MC":
        return "Mc" + part[2:3].upper() + part[3:].lower()
    return part[:1].upper() + part[1:].lower()
