"""Foundation commands: translations, coordinators, the demo."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_migrate import upgrade

from ..config import TOP, private_instance_file
from ..extensions import db
from ..models import GoverningBody, User
from ..services import accounts, translations
from ..text import clean_name


def register(app: Flask) -> None:
    app.cli.add_command(translate)
    app.cli.add_command(create_coordinator)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo)


@click.group()
def translate() -> None:
    """Update and compile the message catalogues in translations/."""


@translate.command("update")
def translate_update() -> None:
    """Extract messages from code and templates and merge them into ar, ckb and en."""
    translations.extract_and_update(TOP)
    click.echo("Updated translations/*/LC_MESSAGES/messages.po")


@translate.command("compile")
@click.option("--force", is_flag=True, help="Recompile even when the .mo is newer.")
def translate_compile(force: bool) -> None:
    """Compile messages.po into messages.mo (fuzzy entries are left out)."""
    written = translations.compile_catalogues(TOP / "translations", force=force)
    click.echo(f"Compiled {len(written)} catalogue(s).")


@click.command("create-coordinator")
@click.argument("email")
@click.option("--body", "body_slug", default=None, help="Governing body slug; none oversees all.")
@click.option("--name", default="", help="Display name.")
def create_coordinator(email: str, body_slug: str | None, name: str) -> None:
    """Create a coordinator account. The password is prompted (or read as two lines on stdin)."""
    body = None
    if body_slug:
        body = db.session.scalar(sa.select(GoverningBody).where(GoverningBody.slug == body_slug))
        if body is None:
            raise click.ClickException(f"No governing body with slug {body_slug!r}.")
    from ..services.outreach.organizations import clean_email

    normalized, error = clean_email(email)
    if error or normalized is None:
        raise click.ClickException(error or "That is not an email address.")
    if accounts.find_user(db.session, normalized):
        raise click.ClickException("An account with this email already exists.")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.check_password_rules(password, email=normalized)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.add(User(email=normalized, name=clean_name(name), role="coordinator",
                        body=body,
                        password_hash=accounts.hash_password(password)))
    db.session.commit()
    click.echo(f"Coordinator {normalized} created" + (f" for {body_slug}." if body else " (all bodies)."))


def _demo_password() -> str:
    """One random password for all demo users, kept in the instance folder (mode 600)."""
    import secrets

    return private_instance_file(Path(current_app.instance_path) / "demo_password",
                                 lambda: "demo-" + secrets.token_urlsafe(9))


def _prepare_database() -> None:
    translations.compile_catalogues(TOP / "translations")
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    upgrade(directory=str(TOP / "migrations"))


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the database if needed and seed the demo data (running it twice changes nothing)."""
    from ..demo import seed as demo_service

    _prepare_database()
    password = _demo_password()
    summary = demo_service.seed(db.session, password=password)
    _print_logins(summary, password, current_app.config["MONITOR_BASE_URL"].rstrip("/") + "/")


def _print_logins(summary, password: str, url: str) -> None:  # noqa: ANN001
    """What was seeded, where to open it, and the demo's accounts (one password)."""
    click.echo(summary.describe())
    click.echo("")
    click.echo(f"Open {url} in your browser and sign in with one of these accounts")
    click.echo(f"(password for all of them: {password}):")
    for email, role in summary.logins:
        click.echo(f"  {email:<32} {role}")
    if summary.two_factor:
        factor = summary.two_factor
        click.echo(f"{factor.email} also asks for a code after the password: add the key "
                   f"{factor.secret} to an authenticator app (time-based, 6 digits, 30 s),")
        click.echo("or use one of its one-time recovery codes: "
                   + " ".join(factor.recovery_codes))
    outbox = current_app.config.get("MONITOR_MAIL_OUTBOX")
    if outbox:
        click.echo(f"Emails are written to {outbox} (open the .eml files to follow links).")


@click.command("demo")
@click.option("--reset", is_flag=True, help="Start from an empty demo database (asks first).")
@click.option("--yes", is_flag=True, help="Do not ask before resetting.")
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Seed and print the logins, but do not serve.")
def demo(reset: bool, yes: bool, port: int, no_serve: bool) -> None:
    """Seed a demo on the embedded SQLite database and serve it on 127.0.0.1."""
    from ..demo import seed as demo_service

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        raise click.ClickException("The demo runs on the embedded SQLite database only.")
    database = Path(db.engine.url.database or "")
    if database.exists() and reset:
        if not yes and not click.confirm(f"Delete the demo database {database} and start again?",
                                         default=False):
            raise click.Abort()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    _prepare_database()
    password = _demo_password()
    summary = demo_service.seed(db.session, password=password)
    url = f"http://127.0.0.1:{port}/"
    if not os.environ.get("FLASK_MONITOR_BASE_URL"):
        # The links in the demo's emails lead to the address it serves.
        current_app.config["MONITOR_BASE_URL"] = url.rstrip("/")
    _print_logins(summary, password, url)
    if no_serve:
        return
    sys.stdout.flush()
    # Queued mail goes out from a worker thread beside the server, as `flask mail worker`
    # does in production (its own app context; a failed round is logged and retried).
    from ..services import mail_worker

    mail_worker.start_thread(current_app._get_current_object())
    # Flask ignores app.run() inside the `flask` command, so serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True,
               use_reloader=False, use_debugger=False)
