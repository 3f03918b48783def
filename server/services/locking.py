"""Row locks for scarce capacity: lock first, then check, then write, in one transaction."""

from sqlalchemy import select, update

from server.extensions import db


def lock_row(model, row_id):
    """Lock one row of `model` for the rest of the transaction and return it fresh (None if missing).

    PostgreSQL: `SELECT ... FOR UPDATE OF <table>` (only this table, not eagerly joined ones).
    SQLite has no row locks: a no-op UPDATE first takes the database's write lock, so nothing read
    afterwards can go stale before the commit.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        table = model.__table__
        keep = {"id": table.c.id}
        if "updated_at" in table.c:
            keep["updated_at"] = table.c.updated_at  # a no-op must not look like an edit
        db.session.execute(update(table).where(table.c.id == row_id).values(**keep))
    statement = select(model).where(model.id == row_id).with_for_update(of=model)
    return db.session.scalars(statement.execution_options(populate_existing=True)).one_or_none()
