"""Send today's digest of changes to everyone who follows a saved search or a watch.

Run once a day, e.g. from cron. With `--enqueue` it queues the sending as a background
job (register.jobs) for the worker; without, it sends them itself. A user who has had
today's digest is skipped, so running it again the same day sends nothing twice. Exits
with status 1 when any email could not be sent; those are tried again on the next run.
"""

from django.core.management.base import BaseCommand, CommandError

from register.following import send_digests
from register.jobs import send_daily_digests


def days(value: str) -> int:
    if not value.isdigit() or int(value) > 366:
        raise CommandError(f"--days-ahead must be a whole number from 0 to 366, not {value!r}.")
    return int(value)


class Command(BaseCommand):
    help = "Email each user the day's changes to the arrangements they follow."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days-ahead",
            type=days,
            default=None,
            help="Tell of dates and milestones this many days ahead (default: the "
            "DIGEST_DAYS_AHEAD setting).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the sending as a background job for the worker (make worker) "
            "and return at once.",
        )

    def handle(self, *args, days_ahead=None, enqueue=False, **options):
        if enqueue:
            result = send_daily_digests.enqueue(days_ahead)
            self.stdout.write(f"Queued today's digests as job {result.id}; a worker sends them.")
            return
        run = send_digests(ahead=days_ahead)
        self.stdout.write(str(run))
        if run.failed:
            raise CommandError(f"{run.failed} digest(s) could not be sent; see the log.")
