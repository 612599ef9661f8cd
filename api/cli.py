"""Operator commands: `flask --app wsgi create-user`, `seed-demo`, `safety-labels`, `export-account`,
`erase-account`."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import click
from flask.cli import with_appcontext

from models import Role
from services import accounts, demo, privacy, safety_labels
from services.errors import ServiceError


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 10 characters, not a common password.")
@click.option("--display-name", default=None, help="Defaults to the part of the email before the @.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), default=["patient"])
@with_appcontext
def create_user(email: str, password: str, display_name: str | None, roles: tuple[str, ...]) -> None:
    """Create an account, e.g. a moderator: --role moderator."""
    try:
        user = accounts.create_staff_user(email=email, password=password,
                                          display_name=display_name or email.split("@")[0][:50], roles=list(roles))
    except ServiceError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Created {user.email} ({', '.join(user.roles)}) with id {user.id}")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill a database with a synthetic demo community (once; never in production) and print the logins."""
    try:
        created = demo.seed_demo_community()
    except ServiceError as refused:
        raise click.ClickException(refused.detail) from None
    if not created:
        click.echo("The demo community is already there; nothing was added.")
    click.echo(f"Every demo account uses the password: {demo.DEMO_PASSWORD}")
    for person in created:
        click.echo(f"  {person.email:<36} {', '.join(sorted(person.roles))}")


@click.command("safety-labels")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="A file; default: standard output.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Only alerts raised on or after.")
@click.option("--with-texts", is_flag=True, help="Include the words where the legal basis and the writer's consent allow.")
@with_appcontext
def export_safety_labels(output, since: datetime | None, with_texts: bool) -> None:
    """Moderators' crisis / concern labels as JSONL for the next training round (docs/safety.md)."""
    try:
        rows = safety_labels.export_labels(with_texts=with_texts,
                                           since=since.replace(tzinfo=timezone.utc) if since else None)
        count = texts = 0
        for row in rows:
            output.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            count, texts = count + 1, texts + ("text" in row)
    except safety_labels.TextsNotAllowedError as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"{count} labels written, {texts} with text", err=True)


@click.command("export-account")
@click.argument("email")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="A file; default: standard output.")
@with_appcontext
def export_account(email: str, output) -> None:
    """A subject-access copy for someone who cannot sign in (identity checked outside the app)."""
    try:
        document = privacy.export_on_request(email)
    except ServiceError as error:
        raise click.ClickException(error.detail) from None
    output.write(json.dumps(document, default=str, ensure_ascii=False, indent=2) + "\n")


@click.command("erase-account")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: erasure cannot be undone.")
@with_appcontext
def erase_account(email: str, yes: bool) -> None:
    """Erase an account on a verified request from someone who cannot sign in (docs/privacy.md)."""
    if not yes:
        raise click.ClickException("Erasure cannot be undone: add --yes once the request is verified.")
    try:
        erased_id = privacy.erase_on_request(email)
    except ServiceError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Erased account {erased_id}")


commands = [create_user, seed_demo, export_safety_labels, export_account, erase_account]
