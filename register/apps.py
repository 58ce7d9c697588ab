from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Shared services register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import permissions, signals  # noqa: F401  (registers the rules, connects receivers)
