"""The WSGI entry point, `wsgi:app`: `flask --app wsgi serve` (granian, in production),
`flask --app wsgi run` (development), or any WSGI server given `wsgi:app`."""

from feeds import create_app

app = create_app()
