"""Create the three roles as groups with their permissions. Safe to run again."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

ENTRY_MODELS = ["arrangement", "membership", "saving", "milestone"]
REFERENCE_MODELS = [
    "authority",
    "tier",
    "region",
    "servicearea",
    "partnership",
    "source",
    "finding",
    "savingstarget",
]
HISTORY_MODELS = [
    "historicalarrangement",
    "historicalmembership",
    "historicalsaving",
    "historicalmilestone",
    "historicalsource",
    "historicalauthority",
]


def codenames(actions, models):
    return [f"{action}_{model}" for action in actions for model in models]


ROLES = {
    # Signed-in reading, exempt records included.
    "Viewer": codenames(["view"], ENTRY_MODELS + REFERENCE_MODELS + HISTORY_MODELS)
    + ["view_exempt_arrangement"],
    # Viewer, plus entering arrangements with their partners, savings and milestones.
    # Which arrangements an editor may change is decided by their authorities.
    "Editor": codenames(["view"], ENTRY_MODELS + REFERENCE_MODELS + HISTORY_MODELS)
    + codenames(["add", "change", "delete"], ENTRY_MODELS)
    + ["view_exempt_arrangement"],
    # Everything in the register, reference data included.
    "Administrator": codenames(["view", "add", "change", "delete"], ENTRY_MODELS + REFERENCE_MODELS)
    + codenames(["view"], HISTORY_MODELS)
    + ["view_exempt_arrangement"],
}


class Command(BaseCommand):
    help = "Create or update the Viewer, Editor and Administrator groups."

    def handle(self, *args, **options):
        for name, wanted in ROLES.items():
            group, created = Group.objects.get_or_create(name=name)
            permissions = list(
                Permission.objects.filter(content_type__app_label="register", codename__in=wanted)
            )
            missing = set(wanted) - {p.codename for p in permissions}
            if missing:
                self.stderr.write(f"{name}: unknown permissions {sorted(missing)}")
            group.permissions.set(permissions)
            state = "created" if created else "updated"
            self.stdout.write(f"Role {name}: {state}, {len(permissions)} permissions.")
