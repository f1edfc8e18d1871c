"""Accent- and case-blind text matching for Vietnamese ("cao loc" finds "Cao Lộc").

`fold` folds a search term in Python; `folded` folds a column the same way inside the database,
with nested REPLACEs that SQLite and PostgreSQL both run (SQLite has no unaccent, and its LOWER
only knows ASCII, so every accented letter is mapped in both cases). đ and Đ are letters of their
own, not d with a mark: Unicode does not decompose them, so they are mapped explicitly.
"""

import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Expression, F, Model, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace

# Tone marks (grave, acute, tilde, hook above, dot below) and vowel marks (circumflex, breve, horn).
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
VOWELS = ["a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y"]
COMBINING = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"]


def _letters() -> dict[str, str]:
    mapping = {"đ": "d", "Đ": "d"}
    for vowel in VOWELS:
        for tone in TONES:
            letter = unicodedata.normalize("NFC", vowel + tone)
            if letter != vowel[0]:
                mapping[letter] = vowel[0]
                mapping[letter.upper()] = vowel[0]
    return mapping


LETTERS = _letters()
M = TypeVar("M", bound=Model)


def fold(text: str) -> str:
    """Lower case without Vietnamese marks: "Đông Kinh" → "dong kinh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def folded(field: str | Expression) -> Expression:
    """The database's `fold` of a column, for `.annotate(x=folded("name")).filter(x__contains=fold(q))`."""
    expression: Expression = Lower(F(field) if isinstance(field, str) else field)
    for letter, plain in LETTERS.items():
        expression = Replace(expression, Value(letter), Value(plain))
    for mark in COMBINING:  # text stored decomposed (NFD), as some spreadsheets write it
        expression = Replace(expression, Value(mark), Value(""))
    return expression


def matching(queryset: QuerySet[M], search: str, fields: Sequence[str]) -> QuerySet[M]:
    """Rows where any of these fields contains the search term, ignoring case and accents."""
    term = fold(search.strip())
    if not term:
        return queryset
    names = {field: f"_folded_{field.replace('__', '_')}" for field in fields}
    queryset = queryset.alias(**{name: folded(field) for field, name in names.items()})
    condition = Q()
    for name in names.values():
        condition |= Q(**{f"{name}__contains": term})
    return queryset.filter(condition)
