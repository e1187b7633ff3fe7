"""SQL expressions that differ between SQLite and PostgreSQL, for the metric queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Executable, Float, Row, String, cast, extract, func, literal_column, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from metrics.context import MetricContext


def dialect_name(ctx: MetricContext) -> str:
    return ctx.session.get_bind().dialect.name


def elapsed_seconds(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """`later - earlier` in seconds, as a SQL expression (SQLite has no interval arithmetic).

    On SQLite the julianday difference is rounded to the millisecond, so that a gap of exactly
    24 h compares equal to 86,400 s instead of a hair above or below it.
    """
    if dialect == "sqlite":
        days = func.julianday(later) - func.julianday(earlier)
        return type_coerce(func.round(days * 86_400_000.0) / 1000.0, Float())
    return type_coerce(extract("epoch", later - earlier), Float())


def utc_day(column: Any, dialect: str) -> ColumnElement[date]:
    """The UTC calendar day of a stored instant (Amazon's day windows are UTC days)."""
    if dialect == "sqlite":
        return type_coerce(func.date(column), Date())  # stored as naive UTC text
    # Inlined, not bound: PostgreSQL must see the GROUP BY expression identical to the selected one.
    return cast(func.timezone(literal_column("'UTC'"), column), Date())


def rows_of(ctx: MetricContext, statement: Executable) -> Sequence[Row[*tuple[Any, ...]]]:
    """Every row of a metric query, fetched at once through Core.

    Not the ORM session's `execute`, and not row by row: its per-row loading and one driver fetch per
    row cost more than the queries themselves on the metrics' hundred-thousand-row reads.
    """
    ctx.session.flush()  # what the ORM session's own execute does first: pending changes count
    return ctx.session.connection().execute(statement).all()


def in_code_point_order(ctx: MetricContext, column: Any) -> ColumnElement[Any]:
    """`column` for an ORDER BY that sorts text as Python does (by code point), whatever the database's
    collation: example order ids picked in SQL must be the ones Python would pick."""
    if dialect_name(ctx) == "postgresql":
        collated: ColumnElement[Any] = column.collate("C")
        return collated
    return column  # type: ignore[no-any-return]  # SQLite's default collation compares bytes


def raw_instant(ctx: MetricContext, column: Any) -> ColumnElement[Any]:
    """An instant column read as the driver gives it, without the conversion of every value to an aware
    datetime (`UTCDateTime`: a Python call per value, most of the cost of reading tens of thousands of
    rows): SQLite's stored text, which sorts as the instants do, or PostgreSQL's aware datetime. Compare
    it with `raw_form` of an instant; `from_raw` makes it an instant again."""
    if dialect_name(ctx) == "sqlite":
        return type_coerce(column, String())
    return type_coerce(column, DateTime(timezone=True))


def raw_form(ctx: MetricContext, moment: datetime) -> Any:
    """An instant as `raw_instant` reads them (SQLite: the storage text of SQLAlchemy's DATETIME)."""
    if dialect_name(ctx) == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def from_raw(value: Any) -> datetime:
    """The instant a `raw_instant` value stands for."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
