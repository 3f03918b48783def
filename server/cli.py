"""Command-line tasks: `flask --app server.wsgi grant-role ...`, `seed-demo`, `openapi-docs` and
`purge-personal-data`."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from server.extensions import db
from server.models import Community, User


@click.command("grant-role")
@click.argument("openid")
@click.argument("role", type=click.Choice(["party_member", "organizer", "admin"]))
@click.option("--community", "community_code", help="Community code; required for organizer.")
@with_appcontext
def grant_role_command(openid, role, community_code):
    """Grant ROLE to the user with OPENID (created if they have not logged in yet)."""
    from server.services import users

    community_id = None
    if community_code:
        community = db.session.scalar(select(Community).where(Community.code == community_code))
        if community is None:
            raise click.BadParameter(f"no community with code {community_code!r}", param_hint="--community")
        community_id = community.id
    elif role == "organizer":
        raise click.BadParameter("organizer needs --community CODE", param_hint="--community")
    user = db.session.scalar(select(User).where(User.openid == openid))
    if user is None:
        user = User(openid=openid)
        db.session.add(user)
        db.session.flush()
    users.grant_role(None, user, role, community_id)
    db.session.commit()
    click.echo(f"user {user.id} ({openid}) roles: {', '.join(user.roles)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Seed communities, demo users, sample activities, sites and a week of shifts (idempotent)."""
    from server.demo import seed_demo

    seeded = seed_demo()
    db.session.commit()
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    click.echo(f"{len(communities)} communities: " + ", ".join(f"{c.code} {c.name}" for c in communities))
    for openid, user in seeded.items():
        click.echo(f"demo user {openid}: id {user.id}, roles {', '.join(user.roles)}")


@click.command("openapi-docs")
@click.option("--check", is_flag=True, help="Only report whether the committed documents are current.")
@with_appcontext
def openapi_docs_command(check):
    """Regenerate docs/openapi.json and the error table of docs/api.md from the code."""
    from server import apidocs

    if check:
        stale = apidocs.stale_documents()
        for path in stale:
            click.echo(f"out of date: {path} (run {apidocs.REGENERATE})", err=True)
        raise SystemExit(1 if stale else 0)
    for path in apidocs.write_documents():
        click.echo(f"wrote {path}")


@click.command("purge-personal-data")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged; change nothing.")
@with_appcontext
def purge_personal_data_command(dry_run):
    """Apply the retention rules (RETENTION_DAYS, AUDIT_RETENTION_DAYS; see server/services/retention.py)."""
    from server.services.retention import purge_personal_data

    result = purge_personal_data(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        from server.services.tokens import revoke_user_tokens

        for user_id in result.expired_user_ids:
            revoke_user_tokens(user_id)
    for name, value in result.as_dict().items():
        if name != "dry_run":
            click.echo(f"{name}: {value}")
    click.echo("dry run: nothing changed" if dry_run else "purged")


def init_app(app):
    app.cli.add_command(grant_role_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(openapi_docs_command)
    app.cli.add_command(purge_personal_data_command)
