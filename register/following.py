"""Following changes: saved searches, watches, and the daily digest of what changed.

A signed-in user keeps named searches of the list of arrangements (its filters, checked
by the list's own FilterSet) and watches authorities and arrangements. The arrangements
a user **follows** are those they may see (``visible_to``) that they watch, that a
watched authority takes part in (lead, host or partner), or that one of their saved
searches selects, as the user's permissions stand when the digest is made.

A digest covers the changes after the end of the user's last digest (or, for the
first, after the user began following anything) up to now:

- **new arrangements** that a saved search selects and that appeared in that time (for
  readers who may not see exempt records, when they last became public);
- **changes of status** of followed arrangements (the status before and after);
- **milestones** of followed arrangements that came within the days ahead, whose date
  passed while they were still planned, or that were marked missed;
- **review, break-clause and end dates** of followed arrangements still running that
  came within the days ahead (``settings.DIGEST_DAYS_AHEAD``).

A date is told once: when it first comes within the days ahead (on the first digest,
every date already within them), or again if it is changed to another date within them.
One digest a day at most (``Digest``, one per user and day): a second run on the same
day sends nothing, and the next day's digest starts where the last one ended, so nothing
is told twice and nothing is missed.
"""

from __future__ import annotations

import datetime
import logging
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import links
from .dates import partial_date_end
from .filters import ArrangementFilterSet
from .models import (
    MOST_SAVED_SEARCHES,
    MOST_WATCHES,
    SAVED_SEARCH_NAME_LENGTH,
    SAVED_SEARCH_QUERY_LENGTH,
    Arrangement,
    Authority,
    Digest,
    Membership,
    Milestone,
    SavedSearch,
    Watch,
)
from .permissions import can_see_exempt
from .reviews import KEY_DATES, NOT_RUNNING, ending_between, key_date

logger = logging.getLogger(__name__)

# Items listed in each part of a digest; the rest are counted ("and 12 more").
LISTED = 100


# --- Saved searches -------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """What the list's FilterSet reads of a request: who asks, and the query."""

    user: object
    GET: QueryDict
    path: str = "/arrangements/"


def clean_name(name: str) -> tuple[str, str | None]:
    """A saved search's name with its spaces tidied, and why it is refused if it is: it
    is shown in emails and pages, so it is one line of printable text."""
    if any(unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") for character in name or ""):
        return name, "The name may hold only letters, digits, spaces and punctuation, on one line."
    name = " ".join((name or "").split())
    if not name:
        return name, "Enter a name for the search, e.g. Legal services in Yorkshire."
    if len(name) > SAVED_SEARCH_NAME_LENGTH:
        return name, f"Keep the name to {SAVED_SEARCH_NAME_LENGTH} characters or fewer."
    return name, None


def search_filterset(user, query: str) -> ArrangementFilterSet:
    """The list's FilterSet for a saved query string, over what the user may see now."""
    data = QueryDict(query)
    return ArrangementFilterSet(
        data, queryset=Arrangement.objects.visible_to(user), request=Reader(user, data)
    )


def refused_filters(filterset) -> str:
    """Each filter the FilterSet refused and why, in one message."""
    form = filterset.form
    return " ".join(
        f"{form.fields[name].label if name in form.fields else 'Filters'}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


def clean_query(user, query: str) -> tuple[str, str | None]:
    """The filters of a list's query string, as the list reads them (nothing else of it:
    not the page, page size or sort), and why they are refused if they are."""
    query = (query or "").lstrip("?")
    if len(query) > SAVED_SEARCH_QUERY_LENGTH:
        return "", "These filters are too long to save: remove some of them first."
    filterset = search_filterset(user, query)
    asked = list(QueryDict(query))  # as given: the FilterSet leaves out blank values
    unknown = [
        name for name in asked if name not in filterset.filters and name not in links.LIST_CONTROLS
    ]
    if unknown:
        return "", (
            "These parameters are not filters of the list, so the search was not saved: "
            f"{named(unknown)}. Choose its filters on the list of arrangements, then save it."
        )
    if not filterset.is_valid():
        return (
            "",
            "These filters could not be understood, so were not saved. "
            + refused_filters(filterset),
        )
    pairs = links.filter_pairs(filterset)
    kept = urlencode(pairs)
    given = [name for name in asked if name in filterset.filters]
    if given and not pairs:
        # Given with no value, they select every arrangement: said, not assumed.
        return "", (
            f"These filters are given no value, so the search was not saved: {named(given)}. "
            "Choose a value for each, or save a search with no filters for every arrangement."
        )
    if len(kept) > SAVED_SEARCH_QUERY_LENGTH:
        return "", "These filters are too long to save: remove some of them first."
    return kept, None


def named(parameters: list[str], most: int = 10) -> str:
    """Parameter names for a message: each as given, shortened, the rest counted."""
    shown = [name if len(name) <= 40 else name[:39] + "…" for name in parameters[:most]]
    more = len(parameters) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def name_taken(user, name: str, but=None) -> bool:
    others = SavedSearch.objects.filter(user=user, name__iexact=name)
    if but is not None:
        others = others.exclude(pk=but.pk)
    return others.exists()


def save_search(user, name: str, query: str) -> tuple[SavedSearch | None, dict[str, str]]:
    """Save a search for the user (only ever for the user asking); the errors, by
    field, when it is refused, with nothing saved."""
    errors = {}
    name, refused = clean_name(name)
    if refused:
        errors["name"] = refused
    elif name_taken(user, name):
        errors["name"] = f"You already have a saved search called “{name}”: choose another name."
    query, refused = clean_query(user, query)
    if refused:
        errors["query"] = refused
    if not errors and SavedSearch.objects.filter(user=user).count() >= MOST_SAVED_SEARCHES:
        errors["name"] = (
            f"You have {MOST_SAVED_SEARCHES} saved searches, the most one person may keep: "
            "delete one first."
        )
    if errors:
        return None, errors
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(user=user, name=name, query=query), {}
    except IntegrityError:
        return None, {"name": f"You already have a saved search called “{name}”."}


def rename_search(search: SavedSearch, name: str) -> dict[str, str]:
    name, refused = clean_name(name)
    if not refused and name_taken(search.user, name, but=search):
        refused = f"You already have a saved search called “{name}”: choose another name."
    if refused:
        return {"name": refused}
    search.name = name
    try:
        with transaction.atomic():
            search.save(update_fields=["name"])
    except IntegrityError:
        return {"name": f"You already have a saved search called “{name}”."}
    return {}


def describe(search: SavedSearch, user) -> str:
    """The filters of a saved search in words, or why they no longer work."""
    filterset = search_filterset(user, search.query)
    if not filterset.is_valid():
        return "These filters can no longer be used: " + refused_filters(filterset)
    applied = "; ".join(
        f"{group['heading']}: {', '.join(item['label'] for item in group['items'])}"
        for group in filterset.applied()
    )
    return applied or "Every arrangement (no filters)"


# --- Watches ----------------------------------------------------------------------------


def visible_watches(user):
    """The user's watches of what they may see now: every authority, and the arrangements
    ``visible_to`` them. A watch of an arrangement later hidden from them (made exempt) is
    kept but ignored: not listed, not counted toward the most they may keep, not in their
    digest, and not one they can stop, as nothing may tell them it is hidden; it counts
    again if they may see the arrangement again."""
    return Watch.objects.filter(user=user).filter(
        Q(authority__isnull=False)
        | Q(arrangement__in=Arrangement.objects.visible_to(user).values("pk"))
    )


def watch_of(user, *, authority=None, arrangement=None):
    """The user's watch of this authority or arrangement, as a query set."""
    if not getattr(user, "is_authenticated", False):
        return Watch.objects.none()
    if authority is not None:
        return Watch.objects.filter(user=user, authority=authority)
    return Watch.objects.filter(user=user, arrangement=arrangement)


def is_watching(user, **record) -> bool:
    return watch_of(user, **record).exists()


def set_watching(user, watching: bool, **record) -> str | None:
    """Start or stop the user watching one authority or arrangement (idempotent); why it
    is refused, if it is. Only ever for the user asking."""
    if not watching:
        watch_of(user, **record).delete()
        return None
    if is_watching(user, **record):
        return None
    if visible_watches(user).count() >= MOST_WATCHES:
        return (
            f"You watch {MOST_WATCHES} authorities and arrangements, the most one person "
            "may: stop watching one first."
        )
    try:
        with transaction.atomic():
            Watch.objects.create(user=user, **record)
    except IntegrityError:
        pass  # watched by another request at the same moment: watched either way
    return None


def following_page(user) -> dict:
    """Everything the "Your saved searches and watches" page lists: the user's own and
    no one else's, and only the records they may see now."""
    searches = list(SavedSearch.objects.filter(user=user).order_by("name", "pk"))
    watches = visible_watches(user)
    return {
        "searches": [{"search": s, "filters": describe(s, user)} for s in searches],
        "watched_authorities": list(
            watches.filter(authority__isnull=False)
            .select_related("authority")
            .order_by("authority__name", "pk")
        ),
        "watched_arrangements": list(
            watches.filter(arrangement__isnull=False)
            .select_related("arrangement")
            .order_by("arrangement__title", "pk")
        ),
        "days_ahead": days_ahead(),
        "has_email": bool(user.email),
    }


# --- Digests ----------------------------------------------------------------------------


def days_ahead() -> int:
    return settings.DIGEST_DAYS_AHEAD


@dataclass
class Part:
    """One part of a digest: its items (at most LISTED) and how many there were."""

    items: list = field(default_factory=list)
    count: int = 0

    def add(self, item) -> None:
        self.count += 1
        if len(self.items) < LISTED:
            self.items.append(item)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass
class DigestContent:
    user: object
    covered_from: datetime.datetime
    covered_until: datetime.datetime
    today: datetime.date
    days_ahead: int
    new: list = field(default_factory=list)  # [{search, part, url}]
    statuses: Part = field(default_factory=Part)
    milestones: Part = field(default_factory=Part)
    dates: Part = field(default_factory=Part)

    @property
    def items(self) -> int:
        """Every item the digest tells of (listed or counted)."""
        return (
            sum(found["part"].count for found in self.new)
            + self.statuses.count
            + self.milestones.count
            + self.dates.count
        )


def site_url() -> str:
    url = settings.REGISTER_SITE_URL.rstrip("/")
    if not url:
        raise ImproperlyConfigured(
            "Set REGISTER_SITE_URL (e.g. https://register.example.gov.uk): digests link "
            "to the register's pages."
        )
    return url


def _history_before(model, since, column: str, key: str = "id"):
    """The value of ``column`` in the record's latest history at or before ``since``."""
    return Subquery(
        model.history.model.objects.filter(**{key: OuterRef("pk")}, history_date__lte=since)
        .order_by("-history_date", "-history_id")
        .values(column)[:1]
    )


def followed(user, filtersets) -> object:
    """The arrangements the user follows (see the module's description)."""
    watched = Exists(Watch.objects.filter(user=user, arrangement=OuterRef("pk"))) | Exists(
        Membership.objects.taking_part().filter(
            arrangement=OuterRef("pk"),
            authority__in=Authority.objects.filter(watches__user=user).values("pk"),
        )
    )
    chosen = Q(watched)
    for filterset in filtersets:
        chosen |= Q(pk__in=filterset.qs.order_by().values("pk"))
    return Arrangement.objects.visible_to(user).filter(chosen)


def build_digest(user, since, now, ahead: int, first: bool) -> DigestContent:
    """What changed for the user after ``since`` up to ``now`` (see the module)."""
    from .selectors import appeared_at

    today = timezone.localdate(now)
    since_day = timezone.localdate(since)
    until = today + datetime.timedelta(days=ahead)
    # A date newly within the days ahead: after where the last digest's horizon ended.
    newly_within = since_day + datetime.timedelta(days=ahead)
    content = DigestContent(user, since, now, today, ahead)
    see_exempt = can_see_exempt(user)

    filtersets = []
    for search in SavedSearch.objects.filter(user=user).order_by("name", "pk"):
        filterset = search_filterset(user, search.query)
        if not filterset.is_valid():
            logger.info("Saved search %s can no longer be used; left out of the digest", search.pk)
            continue
        filtersets.append(filterset)
        part = Part()
        new = (
            filterset.qs.order_by()
            .annotate(appeared=appeared_at(user))
            .filter(appeared__gt=max(since, search.created_at), appeared__lte=now)
            .only("title", "slug", "status")
            .order_by("title", "pk")
        )
        for arrangement in new:
            part.add(arrangement)
        if part.count:
            content.new.append({"search": search, "part": part, "url": search.get_list_url()})

    arrangements = followed(user, filtersets)
    History = Arrangement.history.model

    # Changes of status: the status before the period against the status now.
    changed = (
        arrangements.filter(
            Exists(History.objects.filter(id=OuterRef("pk"), history_date__gt=since))
        )
        .annotate(
            status_before=_history_before(Arrangement, since, "status"),
            exempt_before=_history_before(Arrangement, since, "exempt"),
        )
        .only("title", "slug", "status")
        .order_by("title", "pk")
    )
    labels = dict(Arrangement.Status.choices)
    for arrangement in changed:
        if arrangement.status_before is None or (arrangement.exempt_before and not see_exempt):
            continue  # new to this reader: not a change of status
        if arrangement.status_before != arrangement.status:
            content.statuses.add(
                {
                    "arrangement": arrangement,
                    "before": labels.get(arrangement.status_before, arrangement.status_before),
                    "after": arrangement.get_status_display(),
                }
            )

    # Milestones: coming within the days ahead, passed while still planned, marked missed.
    milestones = (
        Milestone.objects.filter(arrangement__in=arrangements.values("pk"))
        .annotate(
            date_before=_history_before(Milestone, since, "date"),
            status_before=_history_before(Milestone, since, "status"),
            known_before=Exists(
                Milestone.history.model.objects.filter(id=OuterRef("pk"), history_date__lte=since)
            ),
        )
        .filter(
            Q(status=Milestone.Status.PLANNED, date__gte=since_day, date__lte=until)
            | Q(
                Exists(
                    Milestone.history.model.objects.filter(
                        id=OuterRef("pk"), history_date__gt=since
                    )
                ),
                status=Milestone.Status.MISSED,
            )
        )
        .select_related("arrangement")
        .only(
            "title", "date", "date_precision", "status", "arrangement__title", "arrangement__slug"
        )
        .order_by("date", "arrangement__title", "pk")
    )
    for milestone in milestones:
        told = None
        if milestone.status == Milestone.Status.MISSED:
            if milestone.known_before and milestone.status_before != Milestone.Status.MISSED:
                told = "marked missed"
        elif milestone.date < today:
            told = "date passed, not recorded as done"
        elif (
            first
            or milestone.date > newly_within
            or not milestone.known_before
            or milestone.date_before != milestone.date
        ):
            told = f"due {days_from(milestone.date, today)}"
        if told:
            content.milestones.add({"milestone": milestone, "told": told})

    # Review, break-clause and end dates of arrangements still running: an end given as
    # a month, season or year by the last day of its period (register.reviews.key_date).
    dated = (
        arrangements.exclude(status__in=NOT_RUNNING)
        .filter(ending_between(today, until))
        .annotate(
            exempt_before=_history_before(Arrangement, since, "exempt"),
            known_before=Exists(History.objects.filter(id=OuterRef("pk"), history_date__lte=since)),
            end_precision_before=_history_before(Arrangement, since, "end_precision"),
            **{
                f"{name}_before": _history_before(Arrangement, since, name) for name, _ in KEY_DATES
            },
        )
        .only("title", "slug", "status", "end_precision", *(name for name, _ in KEY_DATES))
        .order_by("title", "pk")
    )
    found = []
    for arrangement in dated:
        new_to_reader = not arrangement.known_before or (
            arrangement.exempt_before and not see_exempt
        )
        for name, what in KEY_DATES:
            key = key_date(arrangement, name, what, today)
            if key is None or not today <= key.date <= until:
                continue
            if (
                first
                or new_to_reader
                or key.date > newly_within
                or told_before(arrangement, name) != key.date
            ):
                found.append(
                    {
                        "arrangement": arrangement,
                        "what": what,
                        "date": key.date,
                        "shown": key.shown,
                        "when": key.when,
                    }
                )
    for item in sorted(found, key=lambda item: (item["date"], item["arrangement"].title)):
        content.dates.add(item)
    return content


def told_before(arrangement, name: str):
    """The last day of a key date as it stood before the period (None if it had none)."""
    before = getattr(arrangement, f"{name}_before")
    if before is None or name != "end_date":
        return before
    return partial_date_end(before, arrangement.end_precision_before or "day")


def days_from(date: datetime.date, today: datetime.date) -> str:
    days = (date - today).days
    if days == 0:
        return "today"
    return f"in {days} day{'' if days == 1 else 's'}"


def digest_email(content: DigestContent, connection=None) -> EmailMultiAlternatives:
    """The digest as an email: plain text, with HTML as an alternative. Nothing a user
    typed goes in a header: the subject is the service's name and the day."""
    context = {
        "digest": content,
        "site_url": site_url(),
        "service_name": settings.SERVICE_NAME,
        "following_url": site_url() + reverse("register:following"),
    }
    subject = f"{settings.SERVICE_NAME}: changes you follow, {content.today:%-d %B %Y}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("register/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[content.user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("register/email/digest.html", context), "text/html")
    return message


@dataclass
class DigestRun:
    """What one run of ``send_digests`` did, user by user (counts of users)."""

    sent: int = 0
    nothing_new: int = 0  # recorded, no email: nothing changed that they follow
    already_today: int = 0  # had today's digest already
    no_address: int = 0  # no email address, or not an active account
    failed: int = 0  # the email could not be sent: nothing recorded, tried again next run

    def __str__(self) -> str:
        return (
            f"Digests sent: {self.sent}. Nothing new to tell: {self.nothing_new}. "
            f"Already sent today: {self.already_today}. No email address or inactive "
            f"account: {self.no_address}. Failed (will be tried again): {self.failed}."
        )


def followers():
    """Users who follow anything: a saved search or a watch."""
    User = get_user_model()
    return User.objects.filter(
        Exists(SavedSearch.objects.filter(user=OuterRef("pk")))
        | Exists(Watch.objects.filter(user=OuterRef("pk")))
    ).order_by("pk")


def following_since(user):
    """When the user began following anything: their oldest saved search or watch."""
    starts = [
        value
        for value in (
            SavedSearch.objects.filter(user=user)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first(),
            Watch.objects.filter(user=user)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first(),
        )
        if value is not None
    ]
    return min(starts) if starts else None


def send_digest(user, now, ahead: int, connection=None) -> str:
    """Make and send one user's digest for the day of ``now``, and record it in the same
    transaction: if sending fails, nothing is recorded. Returns which of DigestRun's
    counts it adds to."""
    if not user.is_active or not user.email:
        return "no_address"
    today = timezone.localdate(now)
    last = Digest.objects.filter(user=user).order_by("-covered_until").first()
    if last is not None and last.day >= today:
        return "already_today"
    since = last.covered_until if last is not None else following_since(user)
    if since is None:
        return "nothing_new"
    content = build_digest(user, since, now, ahead, first=last is None)
    try:
        with transaction.atomic():
            # The unique (user, day) row is claimed first: a run at the same moment
            # waits for it, then finds it and sends nothing.
            record = Digest.objects.create(
                user=user, day=today, covered_from=since, covered_until=now, items=content.items
            )
            if not content.items:
                return "nothing_new"
            digest_email(content, connection).send()
            record.sent_at = timezone.now()
            record.save(update_fields=["sent_at"])
    except IntegrityError:
        return "already_today"
    return "sent"


def send_digests(now=None, ahead: int | None = None, users=None) -> DigestRun:
    """Send today's digest to everyone who follows anything and has not had one today.
    A failure to send one user's email is logged and counted; the others still go."""
    now = now or timezone.now()
    ahead = days_ahead() if ahead is None else ahead
    site_url()  # refuses at once, before anything is sent, when links cannot be made
    run = DigestRun()
    for user in users if users is not None else followers():
        try:
            outcome = send_digest(user, now, ahead)
        except (OSError, ValueError):
            # SMTP errors are OSErrors, a malformed address a ValueError: the record was
            # rolled back with the transaction, so the next run tries again.
            logger.exception("The digest of user %s could not be sent", user.pk)
            outcome = "failed"
        setattr(run, outcome, getattr(run, outcome) + 1)
    return run
