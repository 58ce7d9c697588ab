"""Who may do what: the register's permission rules, defined once.

Roles are groups (``manage.py setup_roles``):

- **Viewer** reads everything, exempt arrangements included, and changes nothing.
- **Editor** adds arrangements, and changes an arrangement (with its partners,
  savings and milestones) only where one of *their* authorities takes part.
- **Administrator** changes everything, reference data included, and imports.

Model-level rights (may an Editor add savings at all?) are the groups' Django
permissions. Object-level rights (may this user change *this* arrangement?) are
rules (django-rules), answered by ``rules.permissions.ObjectPermissionBackend``.
Every path that writes asks the same question, ``user.has_perm(perm, obj)``:
admin change forms and their inlines, stand-alone add pages, history reverts,
actions, deletes and imports. ``docs/security.md`` lists the roles and how the
rules are tested.
"""

from __future__ import annotations

import rules

ADMINISTRATOR = "Administrator"
EDITOR = "Editor"
VIEWER = "Viewer"

# The records that hang off one arrangement: whoever may change the arrangement may
# add, change and delete these, and nobody else may.
CHILD_MODELS = ("membership", "saving", "milestone")

LAST_MEMBERSHIP_MESSAGE = (
    "Include at least one of your own authorities as a partner (lead, host or partner): "
    "you may only record arrangements in which an authority you edit for takes part, not "
    "only as a prospective, joining or withdrawn member, and without one you could no "
    "longer change this arrangement."
)

VIEW_EXEMPT_PERMISSION = "register.view_exempt_arrangement"


def can_see_exempt(user) -> bool:
    """Exempt records (Schedule 12A) are for signed-in users with the permission only."""
    return bool(
        user is not None and user.is_authenticated and user.has_perm(VIEW_EXEMPT_PERMISSION)
    )


is_administrator = rules.is_active & (rules.is_superuser | rules.is_group_member(ADMINISTRATOR))


def editor_authority_ids(user) -> set[int] | None:
    """The authorities a user answers for, or None for someone who may change anything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if is_administrator(user):
        return None
    return set(user.authorities.values_list("pk", flat=True))


def _arrangement_id(target) -> int | None:
    """The arrangement a record belongs to: itself, or the arrangement of a child."""
    from .models import Arrangement

    if target is None:
        return None
    if isinstance(target, Arrangement):
        return target.pk
    return getattr(target, "arrangement_id", None)


@rules.predicate
def takes_part(user, target) -> bool:
    """One of the user's authorities takes part in the target's arrangement (lead, host
    or partner: Membership.JOINED, as every count of who takes part).

    With no target (may this user change arrangements at all?) the answer is yes:
    the group's model permission decides that. A record not yet saved, with no
    arrangement, belongs to nobody yet, so it too is left to the model permission;
    its arrangement is checked when one is chosen (``may_change_arrangement``)."""
    from .models import Membership

    allowed = editor_authority_ids(user)
    if allowed is None or target is None:
        return True
    arrangement_id = _arrangement_id(target)
    if arrangement_id is None:
        return True
    # Taking part as lead, host or partner: a council only prospective, joining or
    # withdrawn does not answer for the arrangement.
    return (
        Membership.objects.taking_part()
        .filter(arrangement_id=arrangement_id, authority_id__in=allowed)
        .exists()
    )


def group_permission(codename: str):
    """The model-level permission that the user's groups (or own permissions) give."""
    from django.contrib.auth.backends import ModelBackend

    backend = ModelBackend()

    @rules.predicate(name=f"group_permission({codename})")
    def has(user) -> bool:
        return backend.has_perm(user, f"register.{codename}")

    return has


for model in ("arrangement", *CHILD_MODELS):
    for action in ("add", "change", "delete"):
        codename = f"{action}_{model}"
        rules.add_perm(f"register.{codename}", group_permission(codename) & takes_part)

# Bulk loads can touch any authority's arrangements.
rules.add_perm("register.import_data", is_administrator)


def may_change_arrangement(user, arrangement) -> bool:
    """May the user change this arrangement (and add or change its partners, savings and
    milestones)? ``arrangement`` may be an Arrangement or a child record."""
    return bool(user is not None and user.has_perm("register.change_arrangement", arrangement))


def may_confirm_for(user, authority) -> bool:
    """May the user confirm, for this authority, that the records of the arrangements it
    takes part in are right? The rule for changing them (``register.change_arrangement``,
    the group's permission and ``takes_part``): an Editor for an authority they answer
    for, whose arrangements those all are; an Administrator for any authority."""
    if user is None or not user.has_perm("register.change_arrangement"):
        return False
    allowed = editor_authority_ids(user)
    return allowed is None or authority.pk in allowed


def confirming_role(user) -> str:
    """The role a confirmation is recorded under: never who made it."""
    return ADMINISTRATOR if is_administrator(user) else EDITOR


def may_import(user) -> bool:
    return bool(user is not None and user.has_perm("register.import_data"))


def keeps_own_authority(user, authority_ids_after) -> bool:
    """Whether, after a change to an arrangement's partners, one of the user's own
    authorities still takes part (always true for administrators)."""
    allowed = editor_authority_ids(user)
    return allowed is None or bool(allowed.intersection(authority_ids_after))


def editable_arrangements(user, arrangements):
    """The arrangements of a query set that the user may change: the rule above, as a
    filter (for choosing an arrangement in the admin)."""
    from django.db.models import Exists, OuterRef

    from .models import Membership

    allowed = editor_authority_ids(user)
    if allowed is None:
        return arrangements
    return arrangements.filter(
        Exists(
            Membership.objects.taking_part().filter(
                arrangement=OuterRef("pk"), authority_id__in=allowed
            )
        )
    )


def memberships_left_after(arrangement_id: int, removed_ids=(), added=()) -> set[int]:
    """The authorities that would take part in an arrangement (lead, host or partner)
    after removing the memberships ``removed_ids`` and adding, as taking part,
    authority ids ``added``."""
    from .models import Membership

    kept = set(
        Membership.objects.taking_part()
        .filter(arrangement_id=arrangement_id)
        .exclude(pk__in=list(removed_ids))
        .values_list("authority_id", flat=True)
    )
    return kept | set(added)
