"""A set of keys as one SQL parameter: `column IN (those keys)` for thousands of keys at a time.

An IN list of thousands of placeholders is a new statement for every list length (each compiled,
planned and cached by the driver), and psycopg rewrites every placeholder of it, slowly. One array
parameter instead: PostgreSQL's `= ANY(array)`, SQLite's `IN (SELECT value FROM json_each(json))`.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import String


def among(dialect: str, column: Any, keys: Collection[str]) -> ColumnElement[bool]:
    """`column` is one of the text `keys`, as one parameter."""
    if dialect == "postgresql":
        matched: ColumnElement[bool] = column == func.any(literal(list(keys), type_=ARRAY(String())))
        return matched
    listed: Select[Any] = select(literal_column("value")).select_from(func.json_each(json.dumps(list(keys))))
    within: ColumnElement[bool] = column.in_(listed.scalar_subquery())
    return within
