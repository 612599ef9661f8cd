"""Operator commands: `flask --app wsgi create-user`, `flask --app wsgi seed-demo`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from models import Role
from services import accounts, demo
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
    """Fill a fresh database with a small demo community and print the logins."""
    created = demo.seed_demo_community()
    if not created:
        click.echo("The demo community is already there.")
    click.echo(f"Every demo account uses the password: {demo.DEMO_PASSWORD}")
    for person in created:
        click.echo(f"  {person.email:<32} {', '.join(person.roles)}")


commands = [create_user, seed_demo]
