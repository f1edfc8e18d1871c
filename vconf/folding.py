"""Accent- and case-blind text matching for Vietnamese ("cao loc" finds "Cao Lộc").

`fold` folds a search term in Python; `folded` folds a column the same way inside the database,
on SQLite and PostgreSQL alike (see Fold). Every accented letter is mapped in both cases, since
LOWER outside a Unicode locale only knows ASCII. đ and Đ are letters of their
own, not d with a mark: Unicode does not decompose them, so they are mapped explicitly.
"""

import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import CharField, Expression, F, Func, Model, Q, QuerySet, Value
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


class Fold(Func):
    """The database's `fold` of a text expression. PostgreSQL: TRANSLATE (marks past the end of
    the target string are deleted). SQLite has neither unaccent nor a Unicode LOWER, and its parser
    overflows on 140 nested REPLACEs, so `fold` itself is registered on the connection."""

    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        connection.ensure_connection()
        connection.connection.create_function("vconf_fold", 1, _fold_or_none, deterministic=True)
        return super().as_sql(compiler, connection, function="vconf_fold", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"TRANSLATE(LOWER({sql}), %s, %s)", [*params, SOURCE, TARGET]

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> tuple[str, Any]:
        # Other databases: nested REPLACEs (no parser limit on them as on SQLite).
        expression: Expression = Lower(self.source_expressions[0])
        for letter, plain in LETTERS.items():
            expression = Replace(expression, Value(letter), Value(plain))
        return compiler.compile(expression)


def _fold_or_none(text: str | None) -> str | None:
    return None if text is None else fold(text)


# TRANSLATE's strings: each accented letter to its base letter, then the combining marks (for
# text stored decomposed, as some spreadsheets write it), which map to nothing and are removed.
SOURCE = "".join(LETTERS) + "".join(COMBINING)
TARGET = "".join(LETTERS.values())


def folded(field: str | Expression) -> Expression:
    """`.alias(x=folded("name")).filter(x__contains=fold(q))`: accent- and case-blind matching."""
    return Fold(F(field) if isinstance(field, str) else field)


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
