"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from feeds import create_app

app = create_app()
