"""monitor: independent NGO monitoring of a national human-rights plan."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import Flask, g, request

from .config import TOP, Config, private_instance_file


class ConfigurationError(RuntimeError):
    pass


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` (tests) overrides defaults and FLASK_* environment variables."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "monitor.db"
        )
    if app.config.get("MAIL_SERVER") is None and app.config.get("MONITOR_MAIL_OUTBOX") is None:
        # No mail server configured: write mail to a local outbox (the embedded default).
        app.config["MONITOR_MAIL_OUTBOX"] = os.path.join(app.instance_path, "outbox")
        app.config["MAIL_SERVER"] = "localhost"
    if not app.config.get("MONITOR_ATTACHMENT_DIR"):
        app.config["MONITOR_ATTACHMENT_DIR"] = os.path.join(app.instance_path, "attachments")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TOP / "translations"))
    app.config["SECRET_KEY"] = _secret_key(app)
    _log_key_configured(app)

    if app.config.get("MONITOR_PROXIES"):
        # Behind a reverse proxy: take the client's address and scheme from its headers,
        # so that rate limits count per client and not per proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["MONITOR_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _init_extensions(app)
    from . import cli, errors, security, sessions

    app.url_map.converters["int"] = security.DatabaseIntegerConverter  # before any route
    _register_blueprints(app)

    from .services import audit
    from .services.results.official import measure_label

    app.jinja_env.globals["measure_label"] = measure_label
    sessions.register(app)
    errors.register(app)
    security.register(app)
    cli.register(app)

    @app.before_request
    def _request_id() -> None:
        g.request_id = security.request_id(request.headers.get("X-Request-Id"))
        audit.request_id_var.set(g.request_id)

    return app


def _secret_key(app: Flask) -> str:
    """FLASK_SECRET_KEY in production. Development on the embedded default (the `flask` CLI
    with SQLite) gets a key generated once and kept in the instance folder (mode 600).
    Anything else refuses to start: several instances must share one key, or sessions and
    signed links break."""
    key = app.config.get("SECRET_KEY")
    if key:
        return key
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    from_cli = click.get_current_context(silent=True) is not None
    if from_cli and uri.startswith("sqlite"):
        return private_instance_file(Path(app.instance_path) / "secret_key",
                                     lambda: secrets.token_urlsafe(48))
    raise ConfigurationError(
        "FLASK_SECRET_KEY is not set. Set it to a long random value shared by every instance "
        "of monitor (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'); "
        "sessions and the signed links in emails depend on it."
    )


def _log_key_configured(app: Flask) -> None:
    """FLASK_MONITOR_LOG_KEY_FILE outside the embedded default (services.results.log_key)."""
    from .services.results import log_key

    try:
        log_key.check_configured(app.config)
    except log_key.LogKeyError as exc:
        raise ConfigurationError(str(exc)) from None


def _init_extensions(app: Flask) -> None:
    from . import i18n
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(TOP / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.locale_for_request, timezone_selector=lambda: "UTC")
    i18n.init_templates(app)
    login_manager.init_app(app)
    from .services.catalogue import text_versions  # noqa: F401  (versions texts on every flush)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .db_sqlite import configure_sqlite

        with app.app_context():
            configure_sqlite(db.engine)


def _register_blueprints(app: Flask) -> None:
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .catalogue.routes import bp as catalogue_bp
    from .enrolment.routes import bp as enrolment_bp
    from .evaluation.routes import bp as evaluation_bp
    from .outreach.routes import bp as outreach_bp
    from .outreach_public.routes import bp as outreach_public_bp
    from .reports.routes import bp as reports_bp

    for bp in (auth_bp, catalogue_bp, outreach_bp, outreach_public_bp, enrolment_bp,
               evaluation_bp, reports_bp, api_bp):
        app.register_blueprint(bp)
    from .catalogue.themes import bp as catalogue_themes_bp

    app.register_blueprint(catalogue_themes_bp)

    from .audit.routes import bp as audit_bp

    app.register_blueprint(audit_bp)

    from .public.routes import bp as public_bp
    from .results.routes import bp as results_bp

    app.register_blueprint(results_bp)
    app.register_blueprint(public_bp)

    from . import sign_in
    from .two_step.routes import bp as two_step_bp

    app.register_blueprint(two_step_bp)
    sign_in.register(app)
    from .public.transparency import bp as transparency_bp

    app.register_blueprint(transparency_bp)
