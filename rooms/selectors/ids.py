"""Filtering by a long list of ids.

`pk__in=[...]` sends one bound parameter per id: a national meeting's 3,356 rooms make a
statement of 3,356 placeholders that PostgreSQL parses and plans each time. There a long list
goes as one array parameter (`= ANY(%s)`), planned like a short one; SQLite and short lists keep
the plain IN.
"""

from collections.abc import Collection
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignObject, Lookup, Q

# Below this an IN list is as cheap as the array (and reads better in the query log).
ARRAY_FROM = 200


class AnyOf(Lookup):
    """`field__any_of=[ids]`: `field = ANY(%s)` with the ids as one PostgreSQL array."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(pk) for pk in self.rhs]  # the whole list is one value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


# On every field, and on foreign keys (`endpoint_id__any_of`), which keep lookups of their own.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def ids_in(field: str, ids: Collection[int]) -> Q:
    """`field` is one of `ids`: `= ANY(array)` on PostgreSQL for a long list, else IN."""
    if connection.vendor == "postgresql" and len(ids) > ARRAY_FROM:
        return Q(**{f"{field}__any_of": list(ids)})
    return Q(**{f"{field}__in": ids})
