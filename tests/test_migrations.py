"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.extensions import db
from server.models import metadata


def schema_diff():
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_models_and_migrations_agree(app):
    with app.app_context():
        assert schema_diff() == []


def test_migrations_downgrade_and_upgrade_on_a_fresh_sqlite(make_app, tmp_path):
    fresh = make_app(DATABASE_URL="sqlite:///" + str(tmp_path / "fresh.db"))
    with fresh.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        flask_migrate.upgrade()
        assert schema_diff() == []
