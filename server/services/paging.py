"""Paged lists: one page of a list query, and how many rows match in all (`page`, `page_size`, `total`)."""

from sqlalchemy import func, or_, select

from server.extensions import db


def count_rows(statement):
    """How many rows `statement` matches (its order and paging ignored)."""
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def paginate(statement, args, *order_by):
    """`(items, total)` of a `select(Model)`: page `args["page"]` (from 1) of `args["page_size"]` rows,
    in `order_by` (or the statement's own order), and the count of every row the statement matches."""
    total = count_rows(statement)
    if order_by:
        statement = statement.order_by(*order_by)
    page, size = args["page"], args["page_size"]
    return db.session.scalars(statement.offset((page - 1) * size).limit(size)).all(), total


def text_matches(text, *columns):
    """The condition that any of `columns` contains `text` (case-insensitive), its LIKE wildcards
    (`%`, `_`, and the escape character `\\`) taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in columns))
