"""WSGI entry point for gunicorn: ``gunicorn 'hub.wsgi:app'``. The only caller of create_app without
arguments; settings come from ``HUB_*`` environment variables."""

from hub import create_app

app = create_app()
