"""Command-line tasks (`flask --app server.wsgi <command> ...`).

Setting up a real sub-district, without demo data: `create-community`, `import-communities`,
`rename-community`, `archive-community`, `make-admin`, `grant-role`. `seed-demo` and `seed-history`
(a large made-up year, for the statistics' benchmark) are for local runs only. `openapi-docs`
regenerates the API documents; `purge-personal-data` applies the retention rules. The community
commands call the same service as the admin API (`server.services.communities`); a refusal prints
its message and exits with status 1, having changed nothing.
"""

import functools

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.models import Community


def refusals_exit(command):
    """Print a service refusal (with its field or line details) and exit 1; roll back."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            click.echo(f"error: {error.error}: {error.message}", err=True)
            for where, problems in (error.errors or {}).items():
                click.echo(f"  {where}: {'; '.join(map(str, problems))}", err=True)
            raise SystemExit(1) from None

    return wrapper


def _describe(community):
    state = " (archived)" if community.archived_at else ""
    return f"{community.code} {community.name} [{community.subdistrict or '-'}] id {community.id}{state}"


@click.command("create-community")
@click.argument("code")
@click.argument("name")
@click.option("--subdistrict", help="The 街道 the community belongs to.")
@with_appcontext
@refusals_exit
def create_community_command(code, name, subdistrict):
    """Create the community CODE (letters, digits, - or _) named NAME."""
    from server.services import communities

    community = communities.create_community(None, code, name, subdistrict)
    db.session.commit()
    click.echo(f"created {_describe(community)}")


@click.command("rename-community")
@click.argument("code")
@click.argument("name")
@click.option("--subdistrict", help="Also set the 街道 it belongs to.")
@with_appcontext
@refusals_exit
def rename_community_command(code, name, subdistrict):
    """Rename the community CODE to NAME (its code never changes)."""
    from server.services import communities

    changes = {"name": name} if subdistrict is None else {"name": name, "subdistrict": subdistrict}
    community = communities.update_community(None, communities.get_by_code(code).id, changes)
    db.session.commit()
    click.echo(f"renamed {_describe(community)}")


@click.command("archive-community")
@click.argument("code")
@with_appcontext
@refusals_exit
def archive_community_command(code):
    """Archive the community CODE: it keeps its history, takes no new activities, sites or members."""
    from server.services import communities

    community = communities.archive_community(None, communities.get_by_code(code).id)
    db.session.commit()
    click.echo(f"archived {_describe(community)}")


@click.command("import-communities")
@click.argument("file", type=click.File("rb"))
@with_appcontext
@refusals_exit
def import_communities_command(file):
    """Create the communities listed in FILE, a CSV with the header `code,name,subdistrict`.

    UTF-8 (with or without BOM) or GBK as Excel saves it. All or nothing: a repeated or existing code,
    an empty name or an unreadable line refuses the whole file, naming the lines; nothing is created.
    """
    from server.services import communities

    created = communities.import_communities(None, file.read())
    db.session.commit()
    for community in created:
        click.echo(f"created {_describe(community)}")
    click.echo(f"{len(created)} communities imported")


@click.command("make-admin")
@click.argument("openid")
@with_appcontext
@refusals_exit
def make_admin_command(openid):
    """Make the user with OPENID an administrator (created if that openid never logged in)."""
    from server.services import communities

    user = communities.make_admin(openid)
    db.session.commit()
    click.echo(f"user {user.id} ({openid}) roles: {', '.join(user.roles)}")


@click.command("grant-role")
@click.argument("openid")
@click.argument("role", type=click.Choice(["party_member", "organizer", "admin"]))
@click.option("--community", "community_code", help="Community code; required for organizer.")
@with_appcontext
@refusals_exit
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
    user = users.user_for_openid(openid)
    users.grant_role(None, user, role, community_id)
    db.session.commit()
    click.echo(f"user {user.id} ({openid}) roles: {', '.join(user.roles)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """LOCAL RUNS ONLY: seed demo communities, demo users, sample activities, sites and a week of shifts
    (idempotent). Never on a real server: set up with import-communities and make-admin instead."""
    from server.demo import seed_demo

    seeded = seed_demo()
    db.session.commit()
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    click.echo(f"{len(communities)} communities: " + ", ".join(f"{c.code} {c.name}" for c in communities))
    for openid, user in seeded.items():
        click.echo(f"demo user {openid}: id {user.id}, roles {', '.join(user.roles)}")


@click.command("seed-history")
@click.option("--year", type=int, help="The calendar year (APP_TIMEZONE) to fill; default: last year.")
@click.option("--scale", type=click.FloatRange(0, 10, min_open=True), default=1.0, show_default=True,
              help="1.0: 5,000 activities, 150,000 registrations, 60,000 bookings; 0.01 for a quick run.")
@click.option("--seed", type=int, default=42, show_default=True, help="The same seed gives the same rows.")
@click.option("--yes", is_flag=True, help="Run even though APP_ENV is not development.")
@with_appcontext
def seed_history_command(year, scale, seed, yes):
    """LOCAL RUNS ONLY: fill a year with a large sub-district's made-up history (13 communities, tens of
    thousands of fake residents and volunteers, their activities, sign-ups, shifts and bookings), for
    the statistics and their benchmark. Refused outside APP_ENV=development unless --yes; refused for
    a year already seeded in this database."""
    import time

    from flask import current_app

    from server.history import HistoryRefused, seed_history
    from server.localtime import app_timezone
    from server.models.base import utcnow

    if current_app.config["APP_ENV"] != "development" and not yes:
        click.echo(f"error: APP_ENV is {current_app.config['APP_ENV']}: seed-history adds tens of thousands of "
                   "fake people; run it on a development database, or pass --yes if this is one", err=True)
        raise SystemExit(1)
    year = year or utcnow().astimezone(app_timezone()).year - 1
    started = time.perf_counter()
    try:
        counts = seed_history(year, scale=scale, seed=seed)
    except HistoryRefused as refusal:
        db.session.rollback()
        click.echo(f"error: {refusal}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"seeded {year} (scale {scale}, seed {seed}) in {time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{what} {n}" for what, n in counts.items()))


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
    for command in (
        create_community_command,
        rename_community_command,
        archive_community_command,
        import_communities_command,
        make_admin_command,
    ):
        app.cli.add_command(command)
    app.cli.add_command(grant_role_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_history_command)
    app.cli.add_command(openapi_docs_command)
    app.cli.add_command(purge_personal_data_command)
