"""WSGI entry point for gunicorn: ``gunicorn 'hub.wsgi:app'``. The only caller of create_app without
arguments; settings come from ``HUB_*`` environment variables. Importing it freezes the importing
process's objects for the garbage collector (``hub.app.freeze_for_serving``): import it only to serve."""

from hub import Settings, create_app, logs
from hub.app import freeze_for_serving

_settings = Settings.from_env()
logs.configure(_settings.log_level)
app = create_app(_settings)
freeze_for_serving()  # each worker imports this module (deploy/gunicorn.conf.py does not preload)
