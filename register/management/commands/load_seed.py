"""Load the two 2012 council papers and the national figures as register records."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from register.seed import NATIONAL_FIGURES_CSV, SEED_TOML, SeedError, load_seed


class Command(BaseCommand):
    help = "Create whatever is missing from fixtures/seed.toml and fixtures/national-figures.csv."

    def add_arguments(self, parser):
        parser.add_argument("--path", type=Path, default=SEED_TOML)
        parser.add_argument("--figures", type=Path, default=NATIONAL_FIGURES_CSV)

    def handle(self, *args, path, figures, **options):
        try:
            report = load_seed(path, figures)
        except SeedError as exc:
            raise CommandError(f"Seed data not loaded (nothing was saved): {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
