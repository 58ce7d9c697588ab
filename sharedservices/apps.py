"""App configuration the project makes for itself."""

from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    """collectstatic without the packages' files the site never serves: Redoc and
    the Swagger UI's script source maps (drf-spectacular-sidecar; only Swagger UI's
    bundle, preset, stylesheet and its map are used), and the browsable API's assets
    (Django REST framework; the API renders JSON only). They are about 9 MB of the
    11 MB that would otherwise be hashed and compressed on every deployment."""

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "redoc",
        "rest_framework",
        "swagger-ui-bundle.js.map",
        "swagger-ui-standalone-preset.js.map",
    ]
