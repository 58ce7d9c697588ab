from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Shared services register"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import permissions, signals  # noqa: F401  (registers the rules, connects receivers)

        post_migrate.connect(new_data_version_after_migrate, sender=self)


def new_data_version_after_migrate(sender, plan=None, **kwargs):
    """Migrations can change data without sending the register's signals, and a new
    release may read cached figures differently: after any migration that ran, cached
    figures are made stale."""
    from django.db import connections

    from .caching import data_changed
    from .models import DataVersion

    connection = connections[kwargs.get("using", "default")]
    if plan and DataVersion._meta.db_table in connection.introspection.table_names():
        data_changed()
