"""WSGI entry point, used by gunicorn: ``gunicorn sharedservices.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedservices.settings")

application = get_wsgi_application()


def _load_then_freeze() -> None:
    """Load what every request uses (the URLconf, and with it the views, forms, tables
    and admin), then move everything loaded so far out of the garbage collector's sight
    (gc.freeze): it lives as long as the process, and the full collections a request
    triggers no longer walk it each time."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the views)
    gc.freeze()


_load_then_freeze()
