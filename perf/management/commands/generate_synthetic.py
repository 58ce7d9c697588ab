"""Generate a national-scale synthetic data set for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError

from perf.synthetic import generate, remove_synthetic


class Command(BaseCommand):
    help = "Add N synthetic arrangements (slugs start 'synthetic-') on top of the real authorities."

    def add_arguments(self, parser):
        parser.add_argument("--arrangements", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--replace", action="store_true", help="Remove earlier synthetic arrangements first."
        )

    def handle(self, *args, arrangements, seed, replace, **options):
        if arrangements < 1:
            raise CommandError("--arrangements must be at least 1.")
        started = time.perf_counter()
        if replace:
            self.stdout.write(f"Removed {remove_synthetic()} synthetic rows.")
        try:
            counts = generate(arrangements, seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        parts = ", ".join(f"{value:,} {name}" for name, value in counts.items())
        self.stdout.write(f"Generated {parts} in {seconds:.1f} s.")
