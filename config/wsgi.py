"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# An app process sends what earlier ones left pending (the `thread` runner of the immediate task
# backend; with the database queue, `db_worker` does). Here, not in the app's ready(): management
# commands and tests do not serve requests and must not start it.
from tracker.webhooks import worker  # noqa: E402

worker.on_app_start()
