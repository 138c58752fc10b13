"""Accounts from the command line: resetting a lost second factor (a coordinator's, or
anyone's when nobody else can)."""
from __future__ import annotations

import click
from flask import Flask, current_app

from ..extensions import db
from ..services import accounts
from ..services.accounts import two_factor


def register(app: Flask) -> None:
    app.cli.add_command(users_group)


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("reset-2fa")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset_two_factor(email: str, yes: bool) -> None:
    """Switch off the two-step sign-in of EMAIL (e.g. a coordinator who lost the phone).

    The user is told by email and the reset is in the audit trail; they sign in with the
    password alone and can switch two-step sign-in on again."""
    user = accounts.find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No account with the email {email!r}.")
    if not yes and not click.confirm(f"Reset the two-step sign-in of {user.email} ({user.role})?",
                                     default=False):
        raise click.Abort()
    try:
        two_factor.reset_from_cli(db.session, user,
                                  base_url=current_app.config["MONITOR_BASE_URL"])
    except two_factor.TwoFactorError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Two-step sign-in of {user.email} was reset; they were told by email.")
