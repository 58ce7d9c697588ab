"""Create a local administrator on first run and print its password once."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "On a development machine with no administrator, create 'admin' with a generated password."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        if settings.PRODUCTION:
            self.stdout.write("Production: create administrators with `manage.py createsuperuser`.")
            return
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "An administrator exists. Sign in at /admin/ (forgotten the password? "
                "`manage.py changepassword admin`)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "Created a local administrator. Sign in at /admin/ as 'admin' with password "
                f"{password} (shown only this once; `manage.py changepassword admin` to change it)."
            )
        )
