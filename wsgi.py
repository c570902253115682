"""WSGI entry point: gunicorn wsgi:app, flask --app wsgi."""

from coresponse import create_app

app = create_app()
