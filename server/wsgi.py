"""WSGI entry point (`server.wsgi:app`). Web processes never start the scheduler."""

from server import create_app

app = create_app()
