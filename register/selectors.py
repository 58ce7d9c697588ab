"""Reads for the register's pages: one function per question a page asks.

Views parse the request, call one of these, and render what it returns. Every read of
arrangements starts from ``visible_to(user)``, so exempt records never reach anyone
not allowed to see them. Figures that span the whole register (totals, summaries,
option lists) are computed per request from indexed columns and figures stored on
each arrangement row; nothing is cached. Scrutiny summaries are in
``register.summaries``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from . import figures, following, links, maps, reviews, search, summaries
from .models import (
    CONFIRMATION_GOOD_FOR,
    GOING_AHEAD,
    PARTNER_FIELDS,
    Arrangement,
    Authority,
    Membership,
    Milestone,
    Partnership,
    Region,
    Saving,
    ServiceArea,
    Status,
    Tier,
    public_since,
)
from .permissions import can_see_exempt, confirming_role, may_confirm_for
from .summaries import AuthoritySavings

ROLE_ORDER = [role for role, _ in Membership.Role.choices]


# --- Arrangements ------------------------------------------------------------------


def arrangement_rows(arrangements):
    """What an ArrangementTable shows of each row, as annotations and one prefetch."""
    return arrangements.with_totals().prefetch_related(
        Prefetch("service_areas", queryset=ServiceArea.objects.order_by("name", "pk"))
    )


def visible_arrangement_rows(user):
    return arrangement_rows(Arrangement.objects.visible_to(user))


# What a download's columns read of each row itself (ArrangementTable's value_ methods).
EXPORTED = (
    "title",
    "slug",
    "status",
    "kind",
    "lead_name",
    "partner_count",
    "savings_lower",
    "savings_upper",
    "savings_approximate",
    "savings_figures",
    "savings_percentages",
    "start_date",
    "start_precision",
    "open_to_members",
    "contact_role",
    "contact_email",
    "end_date",
    "end_precision",
    "review_date",
    "break_date",
    "how_to_leave",
    "last_confirmed_at",
)


def for_export(arrangements, user):
    """The rows of a download: only the columns it shows. What the export-only
    columns read from other tables is attached a chunk at a time, as plain values
    (``attach_export_columns``): a model instance for every partner and source of a
    national list, and every column of every row, took most of a minute."""
    return (
        arrangements.select_related(None)
        .prefetch_related(None)
        .only(*EXPORTED)
        .with_confirmation_seen_by(user)
    )


def attach_export_columns(records: list) -> None:
    """Set on each arrangement of a chunk what the export-only columns show: its service
    area names, its partners (code: role), its sources and its percentage savings. Four
    queries a chunk."""
    by_pk = {record.pk: record for record in records}
    for record in records:
        record.service_area_names = []
        record.export_partners = []
        record.export_sources = []
        record.export_percentages = []
    areas = Arrangement.service_areas.through.objects.filter(arrangement_id__in=by_pk)
    for pk, name in areas.order_by("servicearea__name", "servicearea_id").values_list(
        "arrangement_id", "servicearea__name"
    ):
        by_pk[pk].service_area_names.append(name)
    roles = dict(Membership.Role.choices)
    for pk, code, role in (
        Membership.objects.filter(arrangement_id__in=by_pk)
        .order_by("authority__code", "pk")
        .values_list("arrangement_id", "authority__code", "role")
    ):
        by_pk[pk].export_partners.append(f"{code}: {roles[role].split(' (')[0].lower()}")
    cited = Arrangement.sources.through.objects.filter(arrangement_id__in=by_pk)
    for pk, title in cited.order_by("source__date", "source_id").values_list(
        "arrangement_id", "source__title"
    ):
        by_pk[pk].export_sources.append(title)
    for saving in (
        Saving.objects.filter(arrangement_id__in=by_pk, amount__isnull=True)
        .exclude(percentage__isnull=True)
        .exclude(basis=Saving.Basis.TARGET)
        .order_by("pk")
    ):
        by_pk[saving.arrangement_id].export_percentages.append(saving.display)


def option_lists() -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for the long option lists of the filter panels: four queries."""
    return {
        "authority": list(Authority.objects.order_by("name", "code").values_list("code", "name")),
        "tier": list(Tier.objects.values_list("slug", "name")),
        "region": list(Region.objects.values_list("slug", "name")),
        "partnership": list(Partnership.objects.values_list("slug", "name")),
    }


def service_area_tree() -> list[dict]:
    """Categories with their services, in order: one query."""
    areas = list(ServiceArea.objects.order_by("position", "name", "pk"))
    categories = [{"area": a, "children": []} for a in areas if a.parent_id is None]
    by_pk = {c["area"].pk: c for c in categories}
    for area in areas:
        if area.parent_id in by_pk:
            by_pk[area.parent_id]["children"].append(area)
    return categories


def arrangement_list(request, filterset, arrangements) -> dict:
    """Everything the list page shows beside its table: totals over every filtered
    row, the filters in force, the filter panel's options, and for a search that found
    nothing, the filters whose names share its words."""
    totals = summaries.list_totals(
        arrangements, unfiltered_for=None if filterset.key() else request.user
    )
    searched = filterset.form.cleaned_data.get("q") if filterset.form.is_valid() else ""
    suggested = []
    if searched and not totals.arrangements:
        visible = Arrangement.objects.visible_to(request.user)
        for suggestion in search.suggestions(searched):
            data = QueryDict(mutable=True)
            data.update(suggestion["params"])
            count = type(filterset)(data, queryset=visible, request=request).qs.count()
            suggested.append(
                {
                    **suggestion,
                    "count": count,
                    "url": links.arrangements_url(**suggestion["params"]),
                }
            )
    return {
        "totals": totals,
        "selected_filters": filterset.applied(),
        "options": filterset.options(option_lists()),
        "service_area_tree": service_area_tree(),
        "searched": searched,
        "search_ranking": search.RANKING if searched else "",
        "suggestions": suggested,
        # Refused filters would make a feed that answers 400: none is offered.
        "feed_url": links.arrangement_feed_url(filterset)
        if not filterset.is_bound or filterset.is_valid()
        else "",
        "feed_entries": FEED_ENTRIES,
        # Saving the search keeps its filters only (register.following.clean_query).
        "save_search_url": links.list_url(
            "register:saved-search-new", links.filter_pairs(filterset)
        ),
    }


# What an arrangement's page never shows of an arrangement: the search document and who
# takes part as bits (it reads the memberships). Left unread, for it and its parent.
NOT_ON_THE_PAGE = ("search_document", *PARTNER_FIELDS)


def arrangement_detail_queryset(user):
    return (
        Arrangement.objects.visible_to(user)
        .with_confirmation_seen_by(user)
        .select_related("partnership", "parent", "last_confirmed_by")
        .defer(*NOT_ON_THE_PAGE, *(f"parent__{name}" for name in NOT_ON_THE_PAGE))
        .prefetch_related(
            Prefetch("service_areas", queryset=ServiceArea.objects.select_related("parent")),
            Prefetch("sources"),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("authority__tier")
                .prefetch_related("authority__names")
                .order_by("authority__name", "pk"),
            ),
            Prefetch(
                "savings",
                queryset=Saving.objects.select_related("authority", "source").order_by(
                    F("financial_year").asc(nulls_last=True), "pk"
                ),
            ),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("source").order_by(
                    F("date").asc(nulls_last=True), "pk"
                ),
            ),
        )
    )


def arrangement_detail(request, slug: str) -> Arrangement:
    """One arrangement the user may see, with what its page shows (or DoesNotExist)."""
    return arrangement_detail_queryset(request.user).get(slug=slug)


@dataclass
class PartnerRow:
    """A membership as an arrangement's page shows it: the partner's name when the
    arrangement was reported, its name now, and who holds its place if it was abolished."""

    membership: Membership
    name_then: str
    renamed: bool
    abolished: datetime.date | None
    successors: list


def successors_of(authority_ids) -> dict[int, list]:
    """Who holds each of these (abolished) authorities' places: one query, none for none."""
    found: dict[int, list] = {pk: [] for pk in authority_ids}
    if found:
        through = Authority.successors.through.objects.filter(from_authority_id__in=found)
        for link in through.select_related("to_authority").order_by(
            "to_authority__name", "to_authority__code"
        ):
            found[link.from_authority_id].append(link.to_authority)
    return found


def partner_rows(memberships, as_of, successors: dict | None = None) -> list[PartnerRow]:
    """The rows of an arrangement's partners. ``successors`` ({authority pk: [authority]})
    is who holds each abolished partner's place, where the caller has read it already;
    otherwise it is read here (one query, none when no partner was abolished)."""
    today = datetime.date.today()
    rows = []
    if successors is None:
        successors = successors_of(
            [m.authority_id for m in memberships if m.authority.abolished_on(today)]
        )

    def order(m):  # a role outside the choices (held by no form, but by the database) last
        rank = ROLE_ORDER.index(m.role) if m.role in ROLE_ORDER else len(ROLE_ORDER)
        return rank, m.authority.name

    for m in sorted(memberships, key=order):
        authority = m.authority
        name_then = authority.name_on(as_of)
        abolished = authority.end_date if authority.abolished_on(today) else None
        rows.append(
            PartnerRow(
                m,
                name_then,
                name_then != authority.name,
                abolished,
                successors.get(authority.pk, []),
            )
        )
    return rows


def arrangement_page(request, arrangement: Arrangement) -> dict:
    user = request.user
    as_of = arrangement.reported_on
    savings = list(arrangement.savings.all())
    parent = arrangement.parent
    context = {
        "reported_on": as_of,
        "partners": partner_rows(arrangement.memberships.all(), as_of),
        "savings": savings,
        "savings_by_year": figures.by_year_and_basis(savings),
        "counts_in_headline": figures.counts_in_headline(arrangement.status),
        "parent": parent if parent and (can_see_exempt(user) or not parent.exempt) else None,
        "confirmation_warning": arrangement.confirmation_warning(timezone.now()),
        **arrangement_extras(arrangement, user),
    }
    if user.is_authenticated:
        context["change_history"] = change_history(arrangement, user)
        context["watching"] = following.is_watching(user, arrangement=arrangement)
    return context


def arrangement_extras(arrangement: Arrangement, user) -> dict:
    """Its workstreams and arrangements in the same service areas."""
    area_ids = [area.pk for area in arrangement.service_areas.all()]
    tagged = Arrangement.service_areas.through.objects.filter(servicearea_id__in=area_ids)
    return {
        "workstreams": list(
            Arrangement.objects.visible_to(user)
            .filter(parent=arrangement)
            .with_totals()
            .defer(*NOT_ON_THE_PAGE)
            .order_by("title", "pk")
        ),
        "related": list(
            Arrangement.objects.visible_to(user)
            .filter(Exists(tagged.filter(arrangement=OuterRef("pk"))))
            .exclude(pk=arrangement.pk)
            .only("title", "slug")
            .order_by("title", "pk")[:10]
        ),
    }


def history_seen_by(user, records: list) -> tuple[list, bool]:
    """An arrangement's history records (newest first) as a reader may see them, and
    whether the oldest of them is the arrangement's appearance to that reader.

    Those who may see exempt records see every record. For anyone else the history
    starts when the arrangement last became public: what came before (while it was
    exempt, and any earlier public time) is left out, and the change that made it
    public reads as its creation, so that nothing tells that it was ever hidden."""
    if can_see_exempt(user):
        return records, False
    for position, record in enumerate(records):
        if record.exempt:
            return records[:position], True
    return records, False


def change_history(arrangement, user, limit: int = 20) -> list[dict]:
    """The latest changes to an arrangement: when, who, what kind, which fields. One query."""
    records, appeared = history_seen_by(
        user,
        list(
            arrangement.history.select_related("history_user").order_by(
                "-history_date", "-history_id"
            )[: limit + 1]
        ),
    )
    labels = {f.name: f.verbose_name for f in Arrangement._meta.fields}
    entries = []
    for record, previous in zip(records[:limit], [*records[1:], None], strict=False):
        fields = []
        what = {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type]
        if previous is None and appeared:
            what = "Created"
        elif previous is not None and record.history_type == "~":
            fields = [
                str(labels.get(change.field, change.field))
                for change in record.diff_against(previous).changes
                if change.field not in ("version", "updated_at")
            ]
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user.get_username() if record.history_user else "",
                "what": what,
                "fields": fields,
                "reason": record.history_change_reason or "",
            }
        )
    return entries


# --- Feeds -----------------------------------------------------------------------------

# The most entries a feed holds: a reader polls it, so it stays the same size however
# large the register grows.
FEED_ENTRIES = 50

# What an arrangement's feed never names as changed: the bookkeeping of a save.
NOT_A_CHANGE = ("version", "updated_at")


def appeared_at(user):
    """When an arrangement appeared to this reader, as an expression: when it was created,
    or, for readers who may not see exempt records, when it last became public (the
    first of its history records after the last one that was exempt), so that a feed's
    "published" never tells that it was hidden before."""
    if can_see_exempt(user):
        return F("created_at")
    return Coalesce(public_since(), F("created_at"))


def latest_changed(arrangements, user, limit: int = FEED_ENTRIES) -> list[Arrangement]:
    """The arrangements most recently changed, newest first, with what a feed entry says
    of each: its service areas, the members that have joined and when it appeared to
    the reader (``appeared_at``). Three queries."""
    return list(
        arrangements.select_related(None)
        .annotate(appeared_at=appeared_at(user))
        .prefetch_related(
            Prefetch("service_areas", queryset=ServiceArea.objects.order_by("name", "pk")),
            Prefetch(
                "memberships",
                queryset=Membership.objects.taking_part()
                .select_related("authority")
                .order_by("authority__name", "pk"),
                to_attr="joined",
            ),
        )
        .defer(*NOT_ON_THE_PAGE)
        .order_by("-updated_at", "-pk")[:limit]
    )


def arrangement_feed(filterset) -> list[Arrangement]:
    """The list's feed: the arrangements the list shows for these (valid) filters, over
    the arrangements the filter set was given (``visible_to`` its reader)."""
    return latest_changed(filterset.qs, getattr(filterset.request, "user", None))


def authority_feed(user, authority: Authority) -> list[Arrangement]:
    """The arrangements an authority takes part in (as lead, host or partner) that the
    user may see, most recently changed first."""
    takes_part = Membership.objects.taking_part().filter(
        arrangement=OuterRef("pk"), authority=authority
    )
    return latest_changed(Arrangement.objects.visible_to(user).filter(Exists(takes_part)), user)


def arrangement_for_feed(user, slug: str) -> Arrangement:
    """One arrangement the user may see (or DoesNotExist), for its feed."""
    return Arrangement.objects.visible_to(user).defer(*NOT_ON_THE_PAGE).get(slug=slug)


def arrangement_changes(user, arrangement, limit: int = FEED_ENTRIES) -> list[dict]:
    """An arrangement's latest changes to its own record: when, what kind, and which of
    the fields its page shows changed (a save that changed none of them is left out).
    Never who made them or why: a reason may name people. For readers who may not see
    exempt records, its history starts when it last became public, which reads as its
    creation (``history_seen_by``). One query."""
    records, appeared = history_seen_by(
        user, list(arrangement.history.order_by("-history_date", "-history_id")[: limit + 1])
    )
    see_exempt = can_see_exempt(user)
    # Whether it was once exempt is itself for those who may see exempt records.
    unnamed = NOT_A_CHANGE if see_exempt else (*NOT_A_CHANGE, "exempt")
    labels = {
        f.name: str(f.verbose_name)
        for f in Arrangement._meta.fields
        if f.editable and f.name not in unnamed
    }
    changes = []
    for record, previous in zip(records[:limit], [*records[1:], None], strict=False):
        what = {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type]
        fields = []
        if previous is None and appeared:
            what = "Created"
        elif previous is not None and record.history_type == "~":
            fields = [
                labels[change.field]
                for change in record.diff_against(previous).changes
                if change.field in labels
            ]
            if not fields:
                continue
        changes.append(
            {
                "id": record.history_id,
                "when": record.history_date,
                "what": what,
                "fields": fields,
                "status": record.get_status_display(),
            }
        )
    return changes


# --- Reviews and confirmation ---------------------------------------------------------


def due_for_review(user, query, today: datetime.date) -> dict:
    """The arrangements the user may see that are due for review within the days
    ``?within=`` asks (or the default), soonest first, and those overdue, most overdue
    first (register.reviews). A refused ``within`` lists nothing and says why."""
    within, refused = reviews.parse_within(query)
    if refused:
        return {"within": within, "refused": refused, "overdue": [], "due": []}
    until = today + datetime.timedelta(days=within)
    rows = [
        {"arrangement": arrangement, "dates": reviews.key_dates_due(arrangement, today, until)}
        for arrangement in reviews.falling_due(Arrangement.objects.visible_to(user), until)
        .select_related("lead")
        .only(
            "slug",
            "title",
            "status",
            "lead__name",
            "lead__code",
            *(field for field, _ in reviews.KEY_DATES),
            "end_precision",
        )
    ]
    rows.sort(key=lambda row: (row["dates"][0].date, row["arrangement"].title))
    horizon, horizon_short = reviews.horizon(within, until)
    return {
        "within": within,
        "refused": None,
        "until": until,
        "horizon": horizon,
        "horizon_short": horizon_short,
        "overdue": [row for row in rows if row["dates"][0].overdue],
        "due": [row for row in rows if not row["dates"][0].overdue],
    }


def confirmable(user, authority: Authority):
    """The arrangements whose records the user confirms for this authority: those it
    takes part in (lead, host or partner) that the user may see."""
    takes_part = Membership.objects.taking_part().filter(
        arrangement=OuterRef("pk"), authority=authority
    )
    return Arrangement.objects.visible_to(user).filter(Exists(takes_part))


def confirmation_page(user, authority: Authority, now: datetime.datetime) -> dict:
    """What the page confirming an authority's records shows: how many there are, and
    how many no council has confirmed in the last year."""
    arrangements = confirmable(user, authority)
    stale_before = now - CONFIRMATION_GOOD_FOR
    return {
        "may_confirm": may_confirm_for(user, authority),
        "records": arrangements.count(),
        "stale": arrangements.filter(
            Q(last_confirmed_at__isnull=True) | Q(last_confirmed_at__lt=stale_before)
        ).count(),
    }


def confirm_records(user, authority: Authority, now: datetime.datetime) -> int | None:
    """Record that the user, for this authority, confirmed its arrangements' records, and
    say how many; None, with nothing written, when the permission rule does not allow it."""
    if not may_confirm_for(user, authority):
        return None
    return confirmable(user, authority).confirm(authority, confirming_role(user), now)


# --- Authorities -----------------------------------------------------------------------


def authority_rows(user):
    """Authorities with how many visible arrangements each takes part in."""
    visible = Arrangement.objects.visible_to(user).values("pk")
    count = (
        Membership.objects.taking_part()
        .filter(authority=OuterRef("pk"), arrangement__in=visible)
        .order_by()
        .values("authority")
        .annotate(n=Count("arrangement", distinct=True))
        .values("n")
    )
    return Authority.objects.select_related("tier", "region").annotate(
        arrangement_count=Subquery(count)
    )


def authority_list(request, filterset) -> dict:
    return {
        "selected_filters": filterset.applied(),
        "options": filterset.options(option_lists()),
    }


def authority_detail_queryset():
    return Authority.objects.select_related("tier", "region", "county").prefetch_related(
        "partnerships", "successors", "predecessors", "names"
    )


def authority_page(user, authority: Authority) -> dict:
    """Its arrangements by role, its savings kept apart by whose they are, and its
    targets beside its own savings. Each role lists its first arrangements by title,
    with the number in all and a link to the list of them, so the page stays the same
    size however many there are."""
    shown = AuthoritySavings.SHOWN
    memberships = Membership.objects.visible_to(user).filter(authority=authority).order_by()
    counts = dict(memberships.values("role").annotate(n=Count("pk")).values_list("role", "n"))
    # The first few of each role ranked over narrow rows, then only those read whole.
    ranked = (
        memberships.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("role")],
                order_by=[F("arrangement__title").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=shown)
        .values_list("pk", flat=True)
    )
    first = (
        Membership.objects.filter(pk__in=list(ranked))
        .select_related("arrangement")
        .order_by("arrangement__title", "pk")
    )
    by_role: dict[str, list] = {}
    for membership in first:
        by_role.setdefault(membership.role, []).append(membership)
    savings = Saving.objects.visible_to(user)
    # The map: the arrangements listed here in which it takes part, and their partners.
    listed = []
    for membership in first:
        if membership.role in Membership.JOINED and membership.arrangement not in listed:
            listed.append(membership.arrangement)
    points, current = map_points()
    taking_part = map_memberships([a.pk for a in listed])
    return {
        "may_confirm": may_confirm_for(user, authority),
        "watching": user.is_authenticated and following.is_watching(user, authority=authority),
        "map": maps.arrangements_map(
            [(a.pk, a.title, a.get_absolute_url()) for a in listed],
            taking_part.rows,
            points,
            current,
            id="authority-map",
            title=f"Where {authority.name}'s partners are",
            scope="listed on this page in which it takes part",
            hub=points[authority.pk],
            totals=taking_part.totals,
            more_url=links.arrangements_url(authority=authority.code),
            more_label=f"Every arrangement {authority.name} is named in, with their partners",
        ),
        "roles": [
            {
                "label": label,
                "count": counts[role],
                "memberships": by_role.get(role, []),
                "all_url": links.arrangements_url(authority=authority.code, role=role),
            }
            for role, label in Membership.Role.choices
            if counts.get(role)
        ],
        "membership_count": sum(counts.values()),
        "taking_part_count": sum(counts.get(role, 0) for role in Membership.JOINED),
        "savings": summaries.authority_savings(authority, savings),
        "targets_by_year": summaries.targets_beside_savings(
            Authority.objects.filter(pk=authority.pk), savings
        ),
        "briefing_url": links.list_url("register:summary-briefing", authority=authority.code),
        "former_names": list(authority.names.all()),
        "service_area_tree": service_area_tree(),  # the partner finder's form
    }


# --- Maps ------------------------------------------------------------------------------


def map_points() -> tuple[dict[int, maps.Point], list[maps.Point]]:
    """Every authority as the map places it, by primary key (the abolished too: an
    arrangement of 2012 names them), and those in existence today, drawn as the map's
    background. One query of a few hundred narrow rows; where each point is drawn is
    cached by its coordinates (register.maps.place), so nothing goes stale."""
    today = datetime.date.today()
    address = reverse("register:authority-detail", kwargs={"code": "AAA"})
    points, current = {}, []
    for pk, code, name, latitude, longitude, start, end in Authority.objects.values_list(
        "pk", "code", "name", "latitude", "longitude", "start_date", "end_date"
    ).order_by():
        point = maps.Point(
            pk,
            code,
            name,
            address.replace("/AAA/", f"/{code}/"),
            None if latitude is None else float(latitude),
            None if longitude is None else float(longitude),
        )
        points[pk] = point
        if (start is None or start <= today) and (end is None or end >= today):
            current.append(point)
    return points, current


# Of the listed arrangements, in the page's order: each one's count of those taking part,
# and who takes part in the first ones, up to and including the one where the map's
# MAP_PARTNERS run out (the map sorts each arrangement's partners before it cuts, so an
# arrangement drawn is read whole). The rest are counted, never read row by row.
MAP_MEMBERSHIPS_SQL = """
WITH counted AS (
    SELECT arrangement_id, COUNT(*) AS n
    FROM {membership}
    WHERE arrangement_id IN ({ids}) AND role IN ({roles})
    GROUP BY arrangement_id
), ranked AS (
    SELECT arrangement_id, n, SUM(n) OVER (
        ORDER BY CASE arrangement_id {positions} END
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) - n AS earlier
    FROM counted
)
SELECT arrangement_id, NULL, NULL, n, 0 AS part, arrangement_id AS pk FROM ranked
UNION ALL
SELECT m.arrangement_id, m.authority_id, m.role, NULL, 1, m.id
FROM {membership} m JOIN ranked r ON r.arrangement_id = m.arrangement_id
WHERE r.earlier < %s AND m.role IN ({roles})
ORDER BY 5, 1, 6
"""


@dataclass
class MapMemberships:
    """Who takes part in arrangements a map draws: (arrangement, authority, role) of
    those taking part in each arrangement it may draw, and how many take part in each
    of the arrangements (maps.arrangements_map's ``memberships`` and ``totals``)."""

    rows: list[tuple[int, int, str]]
    totals: dict[int, int]


def map_memberships(arrangement_ids) -> MapMemberships:
    """Of these arrangements (in the page's order), how many take part in each, and who
    takes part in as many of the first as the map draws (maps.MAP_PARTNERS): one query,
    none for none, reading the rows of the arrangements drawn only."""
    ids = list(dict.fromkeys(arrangement_ids))
    if not ids:
        return MapMemberships([], {})
    joined = list(Membership.JOINED)
    query = MAP_MEMBERSHIPS_SQL.format(
        membership=Membership._meta.db_table,
        ids=", ".join(["%s"] * len(ids)),
        roles=", ".join(["%s"] * len(joined)),
        positions=" ".join(["WHEN %s THEN %s"] * len(ids)),
    )
    positions = [value for n, pk in enumerate(ids) for value in (pk, n)]
    params = [*ids, *joined, *positions, maps.MAP_PARTNERS, *joined]
    found = MapMemberships([], {})
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for arrangement_id, authority_id, role, n, part, _ in cursor.fetchall():
            if part == 0:
                found.totals[arrangement_id] = int(n)
            else:
                found.rows.append((arrangement_id, authority_id, role))
    return found


def arrangement_list_map(arrangements, found: int) -> maps.Map:
    """The list page's map: the arrangements on its current page (already filtered to
    what the reader may see) and their partners. Two queries."""
    points, current = map_points()
    listed = [(a.pk, a.title, a.get_absolute_url()) for a in arrangements]
    shown = len(listed)
    scope = "on this page of the list" if found > shown else "found"
    taking_part = map_memberships([pk for pk, _, _ in listed])
    return maps.arrangements_map(
        listed,
        taking_part.rows,
        points,
        current,
        id="arrangements-map",
        title="Where the partners of the arrangements on this page are",
        scope=scope,
        totals=taking_part.totals,
        more_url="#downloads",
        more_label="Every partner of each arrangement is on its page, and in the downloads "
        "of this list",
    )


# --- Service areas -------------------------------------------------------------------


def service_area_list(user) -> list[dict]:
    """The taxonomy, each category and service with its number of visible arrangements."""
    counts = summaries.arrangement_counts_by_service_area(Arrangement.objects.visible_to(user))
    tree = service_area_tree()
    for category in tree:
        category["count"] = counts.get(category["area"].pk, 0)
        category["services"] = [
            {"area": area, "count": counts.get(area.pk, 0)} for area in category["children"]
        ]
    return tree


def partner_finder_councils() -> list[tuple[str, str]]:
    """(code, name) of the councils the partner finder can be asked about from a service
    area's page: those in existence today, other public bodies aside. One query."""
    return list(
        Authority.objects.existing_on(datetime.date.today())
        .exclude(tier__level=Tier.Level.OTHER)
        .order_by("name", "code")
        .values_list("code", "name")
    )


def service_area_rows(user, area: ServiceArea):
    """Visible arrangements tagged with the area or, for a category, any of its services."""
    in_area = ServiceArea.objects.filter(
        Q(pk=area.pk) | Q(parent_id=area.pk), arrangements=OuterRef("pk")
    )
    return arrangement_rows(Arrangement.objects.visible_to(user).filter(Exists(in_area)))


# --- Summaries -----------------------------------------------------------------------

# The list filters a summary can be narrowed by.
SUMMARY_NARROWING = (
    "region",
    "partnership",
    "service_area",
    "status",
    "start_year_min",
    "start_year_max",
)


@dataclass
class SummaryNarrowing:
    """The arrangements a summary adds up: those the reader may see, narrowed by the
    list's own filters (only those in SUMMARY_NARROWING; any other parameter is left
    out). ``narrowing`` is the (parameter, value) pairs in force; ``unfiltered_for`` is
    the reader when nothing narrows them and nothing is wrong (list_totals); an invalid
    filter leaves no arrangements and ``valid`` false."""

    filterset: object
    arrangements: object
    narrowing: list
    unfiltered_for: object
    valid: bool


def summary_narrowing(request, narrowable: bool = True) -> SummaryNarrowing:
    from .filters import ArrangementFilterSet

    data = request.GET.copy()
    for key in list(data):
        if key not in SUMMARY_NARROWING or not narrowable:
            del data[key]
    queryset = Arrangement.objects.visible_to(request.user)
    filterset = ArrangementFilterSet(data, queryset=queryset, request=request)
    valid = filterset.is_valid()
    arrangements = filterset.qs if valid else queryset.none()
    narrowing = (
        [(k, v) for k in SUMMARY_NARROWING for v in filterset.data.getlist(k)] if valid else []
    )
    unfiltered_for = request.user if valid and not narrowing else None
    return SummaryNarrowing(filterset, arrangements, narrowing, unfiltered_for, valid)


# --- Sources -------------------------------------------------------------------------


def source_page(user, source) -> dict:
    """What a source reports: its findings, the arrangements it is a source of (those the
    user may see), and the savings targets it gives."""
    return {
        "findings": list(source.findings.order_by("position", "pk")),
        "arrangements": list(
            Arrangement.objects.visible_to(user).filter(sources=source).order_by("title", "pk")
        ),
        "targets": list(source.savings_targets.select_related("authority")),
    }


# --- Home ------------------------------------------------------------------------------


def home(request) -> dict:
    """Headline totals and arrangements by status, for the home page: both from the
    register's stored totals (register.totals), whatever its size."""
    visible = Arrangement.objects.visible_to(request.user)
    whole = summaries.list_totals(visible, unfiltered_for=request.user)
    labels = dict(Arrangement.Status.choices)
    statuses = sorted(whole.by_status.items(), key=lambda pair: (-pair[1], pair[0]))
    return {
        "totals": whole,
        "status_counts": [
            {"status": status, "n": n, "label": labels.get(status, status)}
            for status, n in statuses
            if n
        ],
        "going_ahead_url": links.arrangements_url(status=list(GOING_AHEAD), has_savings="yes"),
    }


# --- Partner finder --------------------------------------------------------------------

# Arrangements that count as sharing a service: going ahead or being considered, not
# those not pursued or ended.
NOT_SHARING = (Status.NOT_PURSUED, Status.ENDED)
FINDER_SHOWN = 50  # councils the page lists; the download has every one
FINDER_ARRANGEMENTS_SHOWN = 3  # of each council's arrangements of the service


def partner_finder_authority(code: str) -> Authority:
    """The council the finder is for (or DoesNotExist)."""
    return Authority.objects.select_related("tier", "region", "county").get(code=code)


def partner_finder(user, authority: Authority, area: ServiceArea, tree: list, every: bool = False):
    """The councils that could share ``area``'s service with ``authority``, ranked by
    register.partners' score, with what the page says about the service. Councils in
    existence today of any tier level but "other", never the council itself. Reads only
    arrangements the user may see, so an exempt one moves no score.

    A fixed number of queries, whatever the number of councils or arrangements: one pass
    over the service's arrangements reads, from what each row stores, how many there are,
    in how many each tier level takes part (``level_mask``) and, on PostgreSQL, which
    authorities take part in any of them and in any that welcome new members (BIT_OR of
    the partner words); then the councils, those already partners of this one, and the
    first few arrangements of each council listed with how many it has (of every council
    when ``every``, for a download; of the first FINDER_SHOWN otherwise). ``tree`` is
    ``service_area_tree()``, which the caller has read for its form."""
    from . import partners as scoring

    today = datetime.date.today()
    area_ids = [area.pk] + [
        child.pk for c in tree if c["area"].pk == area.pk for child in c["children"]
    ]
    through = Arrangement.service_areas.through.objects
    of_area = (
        Arrangement.objects.visible_to(user)
        .filter(Exists(through.filter(arrangement_id=OuterRef("pk"), servicearea_id__in=area_ids)))
        .exclude(status__in=NOT_SHARING)
        .order_by()
    )
    positions = figures.partner_positions()
    words = {}
    if positions is not None:
        from django.contrib.postgres.aggregates import BitOr

        for n, name in enumerate(PARTNER_FIELDS):
            words[f"partners:{n}"] = BitOr(name)
            words[f"open:{n}"] = BitOr(name, filter=Q(open_to_members=True))
    levels = figures.LEVEL_BITS
    service = of_area.alias(
        **{f"has_{level}": F("level_mask").bitand(1 << bit) for level, bit in levels.items()}
    ).aggregate(
        n=Count("pk"),
        **{f"level_{level}": Count("pk", filter=Q(**{f"has_{level}__gt": 0})) for level in levels},
        **words,
    )
    level_counts = {
        level: service[f"level_{level}"] for level in levels if service[f"level_{level}"]
    }
    taking_part = Membership.objects.visible_to(user).taking_part()
    in_area = taking_part.filter(arrangement__in=of_area.values("pk"))
    if positions is not None:
        sharing = figures.authorities_in_words([service], positions)
        opened = {f"partners:{n}": service[f"open:{n}"] for n in range(len(PARTNER_FIELDS))}
        welcoming = figures.authorities_in_words([opened], positions)
    else:  # no partner words to read: the memberships, grouped
        grouped = list(
            in_area.order_by()
            .values("authority_id")
            .annotate(
                welcoming=Count("pk", filter=Q(arrangement__open_to_members=True)),
            )
        )
        sharing = {row["authority_id"] for row in grouped}
        welcoming = {row["authority_id"] for row in grouped if row["welcoming"]}
    mine = Membership.objects.taking_part().filter(authority=authority).values("arrangement_id")
    partners_in = dict(
        taking_part.filter(arrangement_id__in=mine)
        .exclude(authority=authority)
        .order_by()
        .values("authority_id")
        .annotate(n=Count("arrangement_id", distinct=True))
        .values_list("authority_id", "n")
    )
    usual = scoring.usual_levels(level_counts, service["n"])
    here = (authority.latitude, authority.longitude) if authority.latitude is not None else None
    place = scoring.Place(
        authority.pk, authority.county_id, authority.combined_authority, authority.region_id
    )
    candidates = []
    for other in (
        Authority.objects.existing_on(today)
        .exclude(pk=authority.pk)
        .exclude(tier__level=Tier.Level.OTHER)
        .select_related("tier", "region")
        .only(
            "code",
            "name",
            "tier__name",
            "tier__level",
            "region__name",
            "county_id",
            "combined_authority",
            "combined_authority_name",
            "latitude",
            "longitude",
            "coordinates_note",
        )
    ):
        there = (other.latitude, other.longitude) if other.latitude is not None else None
        candidates.append(
            scoring.Candidate(
                authority=other,
                km=scoring.great_circle_km(here, there),
                shared=scoring.shared_place(
                    place,
                    scoring.Place(
                        other.pk, other.county_id, other.combined_authority, other.region_id
                    ),
                ),
                same_tier=other.tier_id == authority.tier_id,
                usual_level=other.tier.level in usual,
                sharing=int(other.pk in sharing),
                welcoming=int(other.pk in welcoming),
                partners_in=partners_in.get(other.pk, 0),
                approximate=bool(authority.coordinates_note or other.coordinates_note),
            )
        )
    candidates = scoring.ranked(candidates)
    shown = candidates if every else candidates[:FINDER_SHOWN]
    # The few arrangements of each council listed (its latest added), and how many it
    # has: ranked over narrow rows (ids and counts), then only those few read whole. The
    # score needs only whether it has any, which the pass above said.
    by_pk = {c.authority.pk: c for c in shown if c.sharing}
    if by_pk:
        first = list(
            in_area.filter(authority_id__in=by_pk)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("authority_id")],
                    order_by=[F("arrangement_id").desc()],
                ),
                of=Window(Count("pk"), partition_by=[F("authority_id")]),
                welcome=Window(
                    Count("pk", filter=Q(arrangement__open_to_members=True)),
                    partition_by=[F("authority_id")],
                ),
            )
            .filter(rank__lte=FINDER_ARRANGEMENTS_SHOWN)
            .values_list("authority_id", "arrangement_id", "of", "welcome")
        )
        listed = Arrangement.objects.only(
            "title", "slug", "status", "open_to_members", "lead_name"
        ).in_bulk({arrangement_id for _, arrangement_id, _, _ in first})
        for authority_id, arrangement_id, of, welcome in sorted(first, key=lambda r: -r[1]):
            candidate = by_pk[authority_id]
            candidate.sharing, candidate.welcoming = of, welcome
            candidate.arrangements.append(listed[arrangement_id])
    names = dict(Tier.Level.choices)
    found = {}
    if not every:
        # The map: this council and those listed; the others ranked are its background.
        address = reverse("register:authority-detail", kwargs={"code": "AAA"})

        def point(one):
            return maps.Point(
                one.pk,
                one.code,
                one.name,
                address.replace("/AAA/", f"/{one.code}/"),
                None if one.latitude is None else float(one.latitude),
                None if one.longitude is None else float(one.longitude),
            )

        found["map"] = maps.candidates_map(
            point(authority),
            [point(c.authority) for c in shown],
            [point(authority), *(point(c.authority) for c in candidates)],
            id="partners-map",
        )
    return {
        **found,
        "area": area,
        "candidates": candidates,
        "shown": shown,
        "total": len(candidates),
        "area_arrangements": service["n"],
        "own_sharing": in_area.filter(authority_id=authority.pk).count(),
        "level_counts": [
            {"label": names.get(level, level), "count": n, "usual": level in usual}
            for level, n in sorted(level_counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        "usual_levels": [names[level] for level in Tier.Level.values if level in usual],
        "approximate_here": bool(authority.coordinates_note),
        "located": here is not None,
    }


# --- The JSON API (register/api/) -------------------------------------------------------


def visible_parent_slug(user):
    """A programme's slug for its workstreams, where the reader may see the programme:
    an exempt programme is never named to the public, not even by its address."""
    from django.db.models import Case, CharField, Value, When

    if can_see_exempt(user):
        return F("parent__slug")
    return Case(
        When(parent__exempt=False, then=F("parent__slug")),
        default=Value(None),
        output_field=CharField(),
    )


def api_arrangement_rows(user):
    """The arrangements the user may see, with what a row of the API's list gives: the
    figures stored on each row, its lead, partnership and programme by address, and its
    service areas (one prefetch)."""
    return (
        Arrangement.objects.visible_to(user)
        .with_confirmation_seen_by(user)
        .select_related("lead", "last_confirmed_by")
        .defer("search_document", "description", "governance", *PARTNER_FIELDS)
        .annotate(partnership_slug=F("partnership__slug"), parent_slug=visible_parent_slug(user))
        .prefetch_related(
            Prefetch(
                "service_areas",
                queryset=ServiceArea.objects.order_by("name", "pk").only("slug", "name"),
            )
        )
    )


def api_saving_rows():
    """Savings with what the API says of each: whose it is, its arrangement's address and
    whether it counts in a headline total (its arrangement's status)."""
    return (
        Saving.objects.select_related("authority", "source")
        .only(
            *(f.name for f in Saving._meta.concrete_fields),
            "authority__code",
            "authority__name",
            "authority__org_id",
            "source__slug",
            "source__title",
        )
        .annotate(
            arrangement_slug=F("arrangement__slug"),
            arrangement_status=F("arrangement__status"),
        )
        .order_by(F("financial_year").asc(nulls_last=True), "pk")
    )


def api_arrangement_detail_queryset(user):
    """One arrangement the user may see, with its partners, savings, milestones, sources
    and service areas: a fixed number of queries."""
    from .models import Source

    return (
        Arrangement.objects.visible_to(user)
        .with_confirmation_seen_by(user)
        .select_related("lead", "last_confirmed_by")
        .defer("search_document", *PARTNER_FIELDS)
        .annotate(partnership_slug=F("partnership__slug"), parent_slug=visible_parent_slug(user))
        .prefetch_related(
            Prefetch("service_areas", queryset=ServiceArea.objects.order_by("name", "pk")),
            Prefetch("sources", queryset=Source.objects.order_by("date", "pk")),
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("authority").order_by(
                    "authority__name", "pk"
                ),
            ),
            Prefetch("savings", queryset=api_saving_rows()),
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by(F("date").asc(nulls_last=True), "pk"),
            ),
        )
    )


def visible_arrangements_filtered(request, filterset_class):
    """The arrangement list's FilterSet bound to the request's query over the
    arrangements the user may see (its ``qs`` is the list's rows when it is valid)."""
    visible = Arrangement.objects.visible_to(request.user)
    return filterset_class(request.GET, queryset=visible, request=request)


def api_authority_rows(user):
    """Authorities with how many visible arrangements each takes part in, and their
    county's code."""
    return authority_rows(user).annotate(county_code=F("county__code"))


def api_authority(user, authority: Authority) -> dict:
    """What the API adds to an authority: its memberships by role (of arrangements the
    user may see) and its savings kept apart by whose they are."""
    memberships = Membership.objects.visible_to(user).filter(authority=authority).order_by()
    counts = dict(memberships.values("role").annotate(n=Count("pk")).values_list("role", "n"))
    return {
        "roles": [
            {"role": role, "label": label, "count": counts.get(role, 0)}
            for role, label in Membership.Role.choices
        ],
        "taking_part": sum(counts.get(role, 0) for role in Membership.JOINED),
        "savings": summaries.authority_savings(authority, Saving.objects.visible_to(user)),
    }


def api_service_area_counts(user) -> dict[int, int]:
    """Visible arrangements per service area (a category counts its services' too)."""
    return summaries.arrangement_counts_by_service_area(Arrangement.objects.visible_to(user))


# --- Data releases ---------------------------------------------------------------------


def data_releases() -> dict:
    """Every release of the public register, newest first, each file with its address,
    and what each table of a release holds (register.releases)."""
    from . import release_schema, releases

    found = releases.list_releases()
    for release in found:
        for entry in release["files"]:
            entry["url"] = reverse("register:data-file", args=[release["version"], entry["name"]])
    return {
        "releases": found,
        "latest": found[0] if found else None,
        "older": found[1:],
        "tables": release_schema.TABLES,
        "schema_version": release_schema.SCHEMA_VERSION,
    }


def release_download(version: str, name: str):
    """The path and media type of one file of a release; None if there is none."""
    from . import releases

    return releases.release_file(version, name)
