"""WSGI entry point for gunicorn: `gunicorn wsgi:app`. Needs FLASK_SECRET_KEY."""
from monitor import create_app

app = create_app()
